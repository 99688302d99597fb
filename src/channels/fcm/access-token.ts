import type { Logger } from 'pino'
import type { Dispatcher } from 'undici'
import type { Clock } from '../../clock.js'
import { parseRetryAfter } from '../../delivery/interceptors/classify-http.js'
import { exchange } from './http-exchange.js'
import type { ServiceAccount } from './service-account.js'

export const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging'
const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer'
/** Google's tokens live an hour; a fresh one is fetched this long before the old one expires. */
const REFRESH_EARLY_MS = 5 * 60 * 1000
const ASSERTION_LIFETIME_S = 3600

/** No access token: the push is retried later. */
export class AccessTokenError extends Error {
  readonly retryAfterMs: number | undefined
  readonly statusCode: number | null
  constructor (message: string, statusCode: number | null, retryAfterMs?: number) {
    super(message)
    this.name = 'AccessTokenError'
    this.statusCode = statusCode
    this.retryAfterMs = retryAfterMs
  }
}

export interface AccessTokenSourceOptions {
  readonly account: ServiceAccount
  readonly dispatcher: Dispatcher
  readonly clock: Clock
  readonly logger: Logger
  readonly timeoutMs: number
}

interface Cached {
  readonly token: string
  readonly refreshAt: number
}

/**
 * OAuth2 access tokens for FCM HTTP v1 from a service account (RFC 7523 JWT bearer grant, what
 * google-auth-library does): an RS256 JWT signed with the account's key is exchanged at the
 * account's `token_uri`. One token serves every push until shortly before it expires, and one
 * request is in flight at a time, however many lanes ask: a fan-out to 1,000 tokens fetches once.
 */
export class AccessTokenSource {
  readonly #o: AccessTokenSourceOptions
  #cached: Cached | undefined
  #pending: Promise<string> | undefined

  constructor (options: AccessTokenSourceOptions) {
    this.#o = options
  }

  async get (): Promise<string> {
    const cached = this.#cached
    if (cached !== undefined && this.#o.clock.now() < cached.refreshAt) return cached.token
    this.#pending ??= this.#fetch().finally(() => { this.#pending = undefined })
    return await this.#pending
  }

  /** FCM refused `token` (expired early, revoked): the next get() fetches a new one. */
  invalidate (token: string): void {
    if (this.#cached?.token === token) this.#cached = undefined
  }

  async #fetch (): Promise<string> {
    const { account, clock, dispatcher, logger, timeoutMs } = this.#o
    const now = clock.now()
    const iat = Math.floor(now / 1000)
    // Loaded with the first token: the proxy mode never needs jose.
    const { SignJWT } = await import('jose')
    const assertion = await new SignJWT({ scope: FCM_SCOPE })
      .setProtectedHeader(account.keyId === undefined ? { alg: 'RS256', typ: 'JWT' } : { alg: 'RS256', typ: 'JWT', kid: account.keyId })
      .setIssuer(account.clientEmail)
      .setAudience(account.tokenUri)
      .setIssuedAt(iat)
      .setExpirationTime(iat + ASSERTION_LIFETIME_S)
      .sign(account.privateKey)
    const result = await exchange(dispatcher, {
      url: account.tokenUri,
      body: new URLSearchParams({ grant_type: GRANT_TYPE, assertion }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      timeoutMs
    })
    if (result.kind === 'failed') {
      const error = result.outcome.kind === 'delivered' ? 'no answer' : result.outcome.error
      throw new AccessTokenError(`OAuth token request to ${account.tokenUri} failed: ${error}`, null)
    }
    const { statusCode, bodyText, retryAfter } = result.answer
    if (statusCode !== 200) {
      const reason = oauthError(bodyText)
      // 400/401 (invalid_grant, invalid_client) do not heal by themselves: a revoked or deleted
      // key, or a clock far off. Said once per failed request, not once per waiting push.
      if (statusCode < 500 && statusCode !== 429) {
        logger.error({ statusCode, reason, clientEmail: account.clientEmail }, `fcm: Google refused the service account's token request (HTTP ${statusCode} ${reason}); check fcm_service_account_file (key revoked or deleted?) and the system clock`)
      }
      throw new AccessTokenError(`OAuth token request refused: HTTP ${statusCode} ${reason}`.trimEnd(), statusCode, parseRetryAfter(retryAfter, clock.now()))
    }
    const answer = parseJson(bodyText)
    const token = answer?.access_token
    if (typeof token !== 'string' || token === '') throw new AccessTokenError('OAuth token answer without access_token', statusCode)
    const lifetimeMs = (typeof answer?.expires_in === 'number' && answer.expires_in > 0 ? answer.expires_in : ASSERTION_LIFETIME_S) * 1000
    // Short-lived tokens (tests, odd servers) are refreshed halfway instead.
    const refreshAt = now + Math.max(lifetimeMs - REFRESH_EARLY_MS, lifetimeMs / 2)
    this.#cached = { token, refreshAt }
    logger.debug({ expiresInS: lifetimeMs / 1000 }, 'fcm: new OAuth access token')
    return token
  }
}

function parseJson (text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text)
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : undefined
  } catch {
    return undefined
  }
}

/** `invalid_grant: Invalid JWT Signature.` from an RFC 6749 §5.2 error body. */
function oauthError (bodyText: string): string {
  const o = parseJson(bodyText)
  if (o === undefined) return ''
  const error = typeof o.error === 'string' ? o.error : ''
  const description = typeof o.error_description === 'string' ? o.error_description : ''
  return description === '' ? error : `${error}: ${description}`
}
