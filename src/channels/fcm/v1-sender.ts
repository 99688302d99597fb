import type { Logger } from 'pino'
import type { Dispatcher } from 'undici'
import type { Clock } from '../../clock.js'
import type { Outcome } from '../../delivery/contract.js'
import { parseRetryAfter } from '../../delivery/interceptors/classify-http.js'
import { toError } from '../../errors.js'
import { maskPassword } from '../picture/picture-url.js'
import { AccessTokenError, type AccessTokenSource } from './access-token.js'
import { exchange, type HttpAnswer } from './http-exchange.js'
import { ProblemLog } from './problem-log.js'
import type { Push, PushSender, PushStyle, PushVerdict } from './push-sender.js'
import { maskToken } from './token-mask.js'
import { renderV1Message } from './v1-message.js'

export interface V1SenderOptions {
  readonly projectId: string
  /** `[fcm] fcm_api_url`, e.g. `https://fcm.googleapis.com`. */
  readonly apiUrl: string
  readonly accessTokens: AccessTokenSource
  readonly dispatcher: Dispatcher
  readonly clock: Clock
  readonly logger: Logger
  readonly timeoutMs: number
}

/** What to do about an FCM answer. */
export type Action =
  | { readonly kind: 'delivered' }
  | { readonly kind: 'remove-token' }
  | { readonly kind: 'retry' }
  /** The access token was refused: fetch a new one and send again. */
  | { readonly kind: 'reauthenticate' }
  /** A setting only the operator can fix (Firebase console, IAM); the token is fine. */
  | { readonly kind: 'operator', readonly hint: string }
  | { readonly kind: 'permanent' }

/*
 * FcmError `errorCode`s (spec sources-and-channels §3.1), acted on before the HTTP status, as
 * Google advises: the top-level status is a coarser canonical code.
 */
const ERROR_CODES: Readonly<Record<string, Action>> = {
  UNREGISTERED: { kind: 'remove-token' },
  SENDER_ID_MISMATCH: { kind: 'remove-token' },
  QUOTA_EXCEEDED: { kind: 'retry' },
  UNAVAILABLE: { kind: 'retry' },
  INTERNAL: { kind: 'retry' },
  THIRD_PARTY_AUTH_ERROR: { kind: 'operator', hint: 'the APNs key or certificate (iOS) or web push credentials of the Firebase project are missing or wrong; fix them in the Firebase console' },
  APNS_AUTH_ERROR: { kind: 'operator', hint: 'the APNs key or certificate of the Firebase project is missing or wrong; fix it in the Firebase console' }
}

export interface FcmErrorBody {
  readonly status: string
  readonly message: string
  readonly errorCode: string | undefined
  readonly tokenViolation: boolean
}

/**
 * FCM HTTP v1 (`POST <fcm_api_url>/v1/projects/<project>/messages:send`) with a service-account
 * access token. One table decides every answer:
 *
 * | answer | outcome |
 * | --- | --- |
 * | 200 `{"name":…}` | delivered |
 * | UNREGISTERED, SENDER_ID_MISMATCH, INVALID_ARGUMENT about the token | token removed, permanent |
 * | INVALID_ARGUMENT about anything else | permanent (the message is wrong; resending cannot help) |
 * | QUOTA_EXCEEDED (429), UNAVAILABLE (503), INTERNAL (500), any 408/429/5xx | retry, Retry-After honoured |
 * | THIRD_PARTY_AUTH_ERROR (401) | permanent, token kept, one error line for the operator |
 * | 401 without an FcmError (access token refused) | new access token, sent again once, else retry |
 * | 403 without an FcmError (IAM: the account may not send) | permanent, error line for the operator |
 * | other 4xx | permanent |
 * | no answer; token endpoint down or refusing | retry |
 */
export class V1Sender implements PushSender {
  readonly mode = 'direct'
  readonly #o: V1SenderOptions
  readonly #url: string
  readonly #problems: ProblemLog

  constructor (options: V1SenderOptions) {
    this.#o = options
    this.#url = `${options.apiUrl.replace(/\/+$/, '')}/v1/projects/${encodeURIComponent(options.projectId)}/messages:send`
    this.#problems = new ProblemLog(options.logger, options.clock)
  }

  get url (): string {
    return this.#url
  }

  async send (push: Push, style: PushStyle, signal: AbortSignal): Promise<PushVerdict> {
    const body = renderV1Message(push, style)
    const { logger, clock } = this.#o
    if (logger.isLevelEnabled('debug')) {
      logger.debug({ token: maskToken(push.token) }, `fcm: v1 message ${maskPassword(body.replace(push.token, maskToken(push.token)))}`)
    }
    // A second round only after the first access token was refused.
    for (let round = 1; ; round++) {
      let accessToken: string
      try {
        accessToken = await this.#o.accessTokens.get()
      } catch (err) {
        return { outcome: tokenFailure(err) }
      }
      const result = await exchange(this.#o.dispatcher, {
        url: this.#url,
        body,
        headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${accessToken}` },
        timeoutMs: this.#o.timeoutMs
      }, signal)
      if (result.kind === 'failed') return { outcome: result.outcome }
      const { answer } = result
      const parsed = parseFcmError(answer.bodyText)
      const action = classifyV1Answer(answer.statusCode, parsed)
      const error = `FCM: HTTP ${answer.statusCode}${parsed === undefined ? '' : ` ${parsed.errorCode ?? parsed.status} ${parsed.message}`.trimEnd()}`
      const { statusCode, latencyMs } = answer
      switch (action.kind) {
        case 'delivered':
          return { outcome: { kind: 'delivered', statusCode, latencyMs } }
        case 'remove-token':
          return { outcome: { kind: 'permanent', error, statusCode, latencyMs }, invalidToken: parsed?.errorCode ?? parsed?.message ?? `HTTP ${statusCode}` }
        case 'reauthenticate':
          this.#o.accessTokens.invalidate(accessToken)
          if (round === 1) continue
          return { outcome: { kind: 'retry', error, statusCode, latencyMs } }
        case 'retry':
          return { outcome: retryOutcome(answer, error, clock.now()) }
        case 'operator':
          this.#problems.error(parsed?.errorCode ?? String(statusCode), { statusCode, errorCode: parsed?.errorCode }, `fcm: FCM refused a push with ${parsed?.errorCode ?? `HTTP ${statusCode}`}: ${action.hint}`)
          return { outcome: { kind: 'permanent', error, statusCode, latencyMs } }
        case 'permanent':
          return { outcome: { kind: 'permanent', error, statusCode, latencyMs } }
        default: {
          const never: never = action
          throw new Error(`unknown action ${JSON.stringify(never)}`)
        }
      }
    }
  }
}

export function classifyV1Answer (statusCode: number, error: FcmErrorBody | undefined): Action {
  if (statusCode >= 200 && statusCode < 300) return { kind: 'delivered' }
  const code = error?.errorCode
  if (error !== undefined && code !== undefined) {
    const known = ERROR_CODES[code]
    if (known !== undefined) return known
    if (code === 'INVALID_ARGUMENT') return isAboutToken(error) ? { kind: 'remove-token' } : { kind: 'permanent' }
  }
  if (statusCode === 400 && error !== undefined && isAboutToken(error)) return { kind: 'remove-token' }
  if (statusCode === 401) return { kind: 'reauthenticate' }
  if (statusCode === 403) return { kind: 'operator', hint: 'the service account may not send with Firebase Cloud Messaging (role "Firebase Cloud Messaging API Admin", API enabled in the project?)' }
  if (statusCode === 408 || statusCode === 429 || statusCode >= 500) return { kind: 'retry' }
  return { kind: 'permanent' }
}

function isAboutToken (error: FcmErrorBody): boolean {
  return error.tokenViolation || /registration token/i.test(error.message)
}

/** Reads `{"error":{"code","message","status","details":[…]}}`; undefined for anything else. */
export function parseFcmError (bodyText: string): FcmErrorBody | undefined {
  let o: unknown
  try { o = JSON.parse(bodyText) } catch { return undefined }
  const e = (o as { error?: unknown } | null)?.error
  if (e === null || typeof e !== 'object') return undefined
  const err = e as { status?: unknown, message?: unknown, details?: unknown }
  let errorCode: string | undefined
  let tokenViolation = false
  if (Array.isArray(err.details)) {
    for (const d of err.details as unknown[]) {
      if (d === null || typeof d !== 'object') continue
      const detail = d as { '@type'?: unknown, errorCode?: unknown, fieldViolations?: unknown }
      const type = typeof detail['@type'] === 'string' ? detail['@type'] : ''
      if (type.endsWith('google.firebase.fcm.v1.FcmError') && typeof detail.errorCode === 'string') errorCode ??= detail.errorCode
      if (type.endsWith('google.rpc.BadRequest') && Array.isArray(detail.fieldViolations)) {
        tokenViolation ||= (detail.fieldViolations as unknown[]).some((v) => (v as { field?: unknown } | null)?.field === 'message.token')
      }
    }
  }
  return {
    status: typeof err.status === 'string' ? err.status : '',
    message: typeof err.message === 'string' ? err.message.slice(0, 300) : '',
    errorCode,
    tokenViolation
  }
}

function retryOutcome (answer: HttpAnswer, error: string, now: number): Outcome {
  const retryAfterMs = parseRetryAfter(answer.retryAfter, now)
  const base = { kind: 'retry' as const, error, statusCode: answer.statusCode, latencyMs: answer.latencyMs }
  return retryAfterMs === undefined ? base : { ...base, retryAfterMs }
}

function tokenFailure (err: unknown): Outcome {
  const e = toError(err)
  if (!(e instanceof AccessTokenError)) return { kind: 'retry', error: `OAuth token: ${e.message}`, statusCode: null, latencyMs: null }
  // statusCode stays null: the attempt log's status is FCM's, and FCM was not asked.
  const base = { kind: 'retry' as const, error: e.message, statusCode: null, latencyMs: null }
  return e.retryAfterMs === undefined ? base : { ...base, retryAfterMs: e.retryAfterMs }
}
