/**
 * Every error Herald raises on purpose. Codes are stable: once shipped, a code is never renamed
 * or reused (docs/errors.md lists them and a test keeps the two in step). Branch on `code`,
 * never on message text.
 */
export interface FieldProblem {
  /** JSON-pointer-like path of the offending field, e.g. `/0/camera` or `filters.face_events.camera_in`. */
  field: string
  message: string
}

export abstract class HeraldError extends Error {
  abstract readonly code: string
  readonly statusCode: number = 500
  override readonly name: string = 'HeraldError'
}

/**
 * Most problems one error carries, and the longest field name and message kept: the answer to
 * a hostile body (300,000 unknown keys, a 4 MB key) must stay small, and the first problems
 * are the ones a person fixes first anyway.
 */
const MAX_FIELDS = 50
const MAX_FIELD_CHARS = 200
const MAX_MESSAGE_CHARS = 500

function clip (text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

export class ValidationError extends HeraldError {
  override readonly code: string = 'HRD_ERR_VALIDATION'
  override readonly statusCode: number = 400
  readonly fields: readonly FieldProblem[]
  constructor (fields: readonly FieldProblem[], message?: string) {
    const kept = fields.slice(0, MAX_FIELDS).map((f) => ({ field: clip(f.field, MAX_FIELD_CHARS), message: clip(f.message, MAX_MESSAGE_CHARS) }))
    const more = fields.length > kept.length ? `; and ${fields.length - kept.length} more problems` : ''
    super(message ?? `invalid input: ${kept.map((f) => `${f.field}: ${f.message}`).join('; ')}${more}`)
    this.fields = kept
  }
}

/* The framework's own input errors, translated by the API's error handler (src/api/error-handler.ts). */

export class BadJsonError extends ValidationError {
  override readonly code = 'HRD_ERR_API_BAD_JSON'
  constructor (detail: string) {
    super([{ field: 'body', message: 'malformed JSON' }], `malformed JSON body: ${detail}`)
  }
}

export class BodyTooLargeError extends ValidationError {
  override readonly code = 'HRD_ERR_API_BODY_TOO_LARGE'
  override readonly statusCode = 413
  constructor (detail: string) {
    super([{ field: 'body', message: 'too large' }], detail)
  }
}

export class MediaTypeError extends ValidationError {
  override readonly code = 'HRD_ERR_API_MEDIA_TYPE'
  override readonly statusCode = 415
  constructor () {
    super([{ field: 'content-type', message: 'must be application/json' }], 'send application/json')
  }
}

/** Any other 4xx the HTTP framework raises (e.g. a malformed URL). */
export class RequestError extends HeraldError {
  override readonly code = 'HRD_ERR_API_REQUEST'
  override readonly statusCode: number
  constructor (statusCode: number, message: string) {
    super(message)
    this.statusCode = statusCode
  }
}

/** An unexpected failure: the API answers it without internals (they go to the log). */
export class InternalError extends HeraldError {
  override readonly code = 'HRD_ERR_INTERNAL'
  override readonly statusCode = 500
  constructor () {
    super('internal error')
  }
}

export class UnauthorizedError extends HeraldError {
  override readonly code = 'HRD_ERR_AUTH_MISSING'
  override readonly statusCode = 401
}

export class ForbiddenError extends HeraldError {
  override readonly code = 'HRD_ERR_AUTH_INVALID'
  override readonly statusCode = 403
}

export class NotFoundError extends HeraldError {
  override readonly code = 'HRD_ERR_NOT_FOUND'
  override readonly statusCode = 404
}

/** The request conflicts with what exists (a name taken, an object the settings file owns). */
export class ConflictError extends HeraldError {
  override readonly code = 'HRD_ERR_CONFLICT'
  override readonly statusCode = 409
}

export class ConfigError extends HeraldError {
  override readonly code = 'HRD_ERR_CONFIG_INVALID'
  readonly problems: readonly FieldProblem[]
  constructor (problems: readonly FieldProblem[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p.field}: ${p.message}`).join('\n')}`)
    this.problems = problems
  }
}

export class StoreTooNewError extends HeraldError {
  override readonly code = 'HRD_ERR_STORE_TOO_NEW'
}

/** The database file cannot be created, opened or read: its path and the reason, for the operator. */
export class StoreOpenError extends HeraldError {
  override readonly code = 'HRD_ERR_STORE_OPEN'
  constructor (file: string, reason: string) {
    super(`cannot open the database ${file}: ${reason}. It is in the data folder (HERALD_DATA_DIR, [data] dir) unless [store] file names another path; the folder must be writable by the user Herald runs as, and the file a Herald SQLite database`)
  }
}

/**
 * A tokens.txt (zmES push token file) Herald cannot read: not JSON nor the legacy colon format,
 * too large, or a field of the wrong type. Raised before anything is imported.
 */
export class TokensFileError extends HeraldError {
  override readonly code = 'HRD_ERR_TOKENS_FILE_INVALID'
  override readonly statusCode = 400
}

export class ShuttingDownError extends HeraldError {
  override readonly code = 'HRD_ERR_SHUTTING_DOWN'
  override readonly statusCode = 503
}

/** Normalises whatever a `catch` received into an Error, so call sites never inspect `unknown`. */
export function toError (value: unknown): Error {
  if (value instanceof Error) return value
  return new Error(typeof value === 'string' ? value : JSON.stringify(value))
}
