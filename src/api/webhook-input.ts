import { ValidationError, type FieldProblem } from '../errors.js'
import { validateFilters } from '../decision/filters/validate-filters.js'
import { generateSecret, isValidSecret } from '../delivery/interceptors/signature.js'
import type { NewWebhook, WebhookPatch } from '../store/store.js'

/* Read-only fields a client may echo back from a GET (FindFace clients PUT what they read). */
const READ_ONLY = new Set(['id', 'created_by', 'created_date', 'modified_date', 'warnings', 'previous_secret_until', 'has_previous_secret'])
const WRITABLE = new Set(['name', 'title', 'active', 'url', 'batch_size', 'send_attempts', 'filters', 'verbose', 'max_in_flight', 'secret'])

export const MAX_BATCH_SIZE = 10_000
/** The same bound as `[webhooks] max_in_flight`. */
export const MAX_IN_FLIGHT = 64

export interface ParsedWebhookInput {
  readonly patch: WebhookPatch
  readonly warnings: string[]
}

/** How GET shows a secret: enough to recognise it, too little to use it. */
export function maskSecret (secret: string): string {
  return `${secret.slice(0, 10)}…`
}

/**
 * Validates a webhook body (webhooks.md §A2). `mode` 'create' and 'replace' need the required
 * fields; 'patch' takes any subset. Every problem is reported at once, by field name.
 * `currentSecret` is the stored secret of the webhook being changed: its masked form, echoed back
 * from a GET, means "keep it".
 */
export function parseWebhookInput (body: unknown, mode: 'create' | 'replace' | 'patch', currentSecret: string | null = null): ParsedWebhookInput {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError([{ field: 'body', message: 'must be a JSON object' }])
  }
  const input = body as Record<string, unknown>
  const problems: FieldProblem[] = []
  const patch: { -readonly [K in keyof NewWebhook]?: NewWebhook[K] } = {}
  let warnings: string[] = []

  for (const key of Object.keys(input)) {
    if (!WRITABLE.has(key) && !READ_ONLY.has(key)) problems.push({ field: key, message: 'unknown field' })
  }

  if (input.name !== undefined && input.title !== undefined && input.name !== input.title) {
    problems.push({ field: 'title', message: 'give name or its alias title, not both' })
  }
  // null is a value (refused), not an absent name: only undefined falls through to the alias.
  const nameField = input.name !== undefined ? 'name' : 'title'
  const name = input[nameField]
  if (name !== undefined) {
    if (typeof name !== 'string' || name.trim() === '' || name.length > 100) problems.push({ field: nameField, message: 'must be a non-empty string of at most 100 characters' })
    else patch.name = name
  } else if (mode !== 'patch') problems.push({ field: 'name', message: 'required' })

  if (input.url !== undefined) {
    const problem = urlProblem(input.url)
    if (problem !== undefined) problems.push({ field: 'url', message: problem })
    else patch.url = input.url as string
  } else if (mode !== 'patch') problems.push({ field: 'url', message: 'required' })

  if (input.active !== undefined) {
    if (typeof input.active !== 'boolean') problems.push({ field: 'active', message: 'must be a boolean' })
    else patch.active = input.active
  } else if (mode !== 'patch') patch.active = true

  if (input.batch_size !== undefined) {
    if (!Number.isInteger(input.batch_size) || (input.batch_size as number) < 1 || (input.batch_size as number) > MAX_BATCH_SIZE) {
      problems.push({ field: 'batch_size', message: `must be an integer from 1 to ${MAX_BATCH_SIZE}` })
    } else patch.batch_size = input.batch_size as number
  } else if (mode !== 'patch') patch.batch_size = 1

  if (input.send_attempts !== undefined) {
    if (!Number.isInteger(input.send_attempts) || (input.send_attempts as number) < 0 || (input.send_attempts as number) > 1_000_000) {
      problems.push({ field: 'send_attempts', message: 'must be an integer ≥ 0 (0 = unlimited)' })
    } else patch.send_attempts = input.send_attempts as number
  } else if (mode !== 'patch') patch.send_attempts = 10

  if (input.filters !== undefined) {
    const result = validateFilters(input.filters)
    if (result.ok) {
      patch.filters = result.filters
      warnings = result.warnings
    } else problems.push(...result.problems)
  } else if (mode !== 'patch') patch.filters = {}

  if (input.verbose !== undefined) {
    if (input.verbose !== null && typeof input.verbose !== 'boolean') problems.push({ field: 'verbose', message: 'must be a boolean, or null to follow the server setting' })
    else patch.verbose = input.verbose
  } else if (mode !== 'patch') patch.verbose = null

  if (input.max_in_flight !== undefined) {
    const n = input.max_in_flight
    if (n !== null && (!Number.isInteger(n) || (n as number) < 1 || (n as number) > MAX_IN_FLIGHT)) {
      problems.push({ field: 'max_in_flight', message: `must be an integer from 1 to ${MAX_IN_FLIGHT}, or null to follow the server setting` })
    } else patch.max_in_flight = n as number | null
  } else if (mode !== 'patch') patch.max_in_flight = null

  if (input.secret !== undefined) {
    if (input.secret === true) patch.secret = generateSecret()
    else if (input.secret === null || input.secret === false) patch.secret = null
    else if (typeof input.secret === 'string' && isValidSecret(input.secret)) patch.secret = input.secret
    else if (currentSecret !== null && input.secret === maskSecret(currentSecret)) {
      // The masked secret echoed back from a GET: keep the current one.
    } else problems.push({ field: 'secret', message: 'must be true (generate one), null (no signing) or a whsec_ secret of 24 to 64 base64 bytes' })
  } else if (mode !== 'patch') patch.secret = null

  if (problems.length > 0) throw new ValidationError(problems)
  return { patch, warnings }
}

function urlProblem (value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string'
  if (value.length > 300) return 'must be at most 300 characters'
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'must be an absolute http:// or https:// URL'
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an absolute http:// or https:// URL'
  return undefined
}
