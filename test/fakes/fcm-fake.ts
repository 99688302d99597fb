import { randomBytes } from 'node:crypto'
import type { IncomingHttpHeaders, Server, ServerResponse } from 'node:http'
import { bufferedServer, closeNow, listenOnLoopback } from '../helpers/loopback-http.js'
import { jwtVerify } from 'jose'
import { checkSendRequest, type FieldViolation } from './fcm-message-shape.js'
import type { TestServiceAccount } from './fcm-service-account.js'

/*
 * A local stand-in for everything a push goes through, on one loopback port:
 *  - POST /send_push: the zmNinja FCM proxy (zmES examples/send_push.py): the key in
 *    `Authorization` (raw or `Bearer `), `{"Success":"<id>"}`, and every Firebase error as 400
 *    `{"Error":"token:<last 10>=><message>"}`;
 *  - POST /token: Google's OAuth2 token endpoint for the JWT bearer grant; the assertion is
 *    verified with jose against the service account's public key (signature, iss, aud, scope,
 *    iat/exp and a lifetime of at most an hour);
 *  - POST /v1/projects/<id>/messages:send: FCM HTTP v1: Bearer access token, message shape
 *    (fcm-message-shape.ts), and FCM's error bodies per token.
 * Stopping it closes the port (Herald sees "connection refused"); listen() again on the same port
 * brings it back with its state.
 */

export const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging'
const FCM_ERROR_TYPE = 'type.googleapis.com/google.firebase.fcm.v1.FcmError'

/** How FCM answers a token that is not (or no longer) valid. */
export type TokenProblem = 'UNREGISTERED' | 'INVALID_ARGUMENT' | 'SENDER_ID_MISMATCH' | 'THIRD_PARTY_AUTH_ERROR'

export interface FakeRequest {
  readonly path: string
  readonly headers: IncomingHttpHeaders
  readonly body: string
  readonly json: unknown
  readonly at: number
  /** What the fake answered. */
  status: number
}

export interface Failure {
  readonly status: 429 | 500 | 503 | 502
  /** Retry-After header value. */
  readonly retryAfter?: string
}

export interface FcmFakeOptions {
  /** The proxy's key (`fcm_v1_key`). @defaultValue 'test-proxy-key' */
  readonly proxyKey?: string
  /** The service account whose JWTs the token endpoint accepts; without it /token refuses everything. */
  readonly account?: TestServiceAccount
  /** Time for JWT checks and access-token expiry (a test's manual clock). @defaultValue Date.now */
  readonly now?: () => number
  /** @defaultValue 3599 */
  readonly accessTokenLifetimeS?: number
}

const PROXY_PROBLEM_TEXT: Record<TokenProblem, string> = {
  UNREGISTERED: 'Requested entity was not found.',
  INVALID_ARGUMENT: 'The registration token is not a valid FCM registration token',
  SENDER_ID_MISMATCH: 'SenderId mismatch',
  THIRD_PARTY_AUTH_ERROR: 'Auth error from APNS or Web Push Service'
}

const V1_PROBLEM: Record<TokenProblem, { status: number, canonical: string, message: string }> = {
  UNREGISTERED: { status: 404, canonical: 'NOT_FOUND', message: 'Requested entity was not found.' },
  INVALID_ARGUMENT: { status: 400, canonical: 'INVALID_ARGUMENT', message: 'The registration token is not a valid FCM registration token' },
  SENDER_ID_MISMATCH: { status: 403, canonical: 'PERMISSION_DENIED', message: 'SenderId mismatch' },
  THIRD_PARTY_AUTH_ERROR: { status: 401, canonical: 'UNAUTHENTICATED', message: 'Auth error from APNS or Web Push Service' }
}

const TRANSIENT: Record<number, { canonical: string, errorCode: string, message: string }> = {
  429: { canonical: 'RESOURCE_EXHAUSTED', errorCode: 'QUOTA_EXCEEDED', message: 'Quota exceeded for quota metric' },
  500: { canonical: 'INTERNAL', errorCode: 'INTERNAL', message: 'Internal error encountered.' },
  502: { canonical: 'UNAVAILABLE', errorCode: 'UNAVAILABLE', message: 'Bad gateway.' },
  503: { canonical: 'UNAVAILABLE', errorCode: 'UNAVAILABLE', message: 'The service is currently unavailable.' }
}

export class FcmFake {
  readonly proxyRequests: FakeRequest[] = []
  readonly tokenRequests: FakeRequest[] = []
  readonly sendRequests: FakeRequest[] = []
  /** Tokens FCM rejects, and how. The proxy rejects them all with its 400. */
  readonly tokenProblems = new Map<string, TokenProblem>()
  /** Answers of /token: set to a status to refuse every request. */
  tokenEndpointStatus: number | undefined
  proxyKey: string
  readonly #account: TestServiceAccount | undefined
  readonly #now: () => number
  readonly #lifetimeS: number
  readonly #failures: Failure[] = []
  /** Access token → when it expires (fake time). */
  readonly #accessTokens = new Map<string, number>()
  #server: Server | undefined
  #port = 0
  #messageSeq = 0
  #waiters: Array<() => void> = []

  private constructor (options: FcmFakeOptions) {
    this.proxyKey = options.proxyKey ?? 'test-proxy-key'
    this.#account = options.account
    this.#now = options.now ?? Date.now
    this.#lifetimeS = options.accessTokenLifetimeS ?? 3599
  }

  static async start (options: FcmFakeOptions = {}, port = 0): Promise<FcmFake> {
    const fake = new FcmFake(options)
    await fake.listen(port)
    return fake
  }

  get origin (): string { return `http://127.0.0.1:${this.#port}` }
  get proxyUrl (): string { return `${this.origin}/send_push` }
  get tokenUri (): string { return `${this.origin}/token` }
  get port (): number { return this.#port }

  /** The next `count` sends (proxy or v1) fail with this status (and Retry-After). */
  failNext (count: number, failure: Failure): void {
    for (let i = 0; i < count; i++) this.#failures.push(failure)
  }

  /** Every access token issued so far becomes unknown (revoked, or FCM's view of an expired one). */
  revokeAccessTokens (): void {
    this.#accessTokens.clear()
  }

  /** Successful sends (proxy and v1), in arrival order. */
  delivered (): FakeRequest[] {
    return [...this.proxyRequests, ...this.sendRequests].filter((r) => r.status === 200).sort((a, b) => a.at - b.at)
  }

  /** Resolves once `check()` holds, re-checked after every request (rejects after timeoutMs). */
  async waitFor (check: () => boolean, timeoutMs = 10_000, what = 'the fake to receive the expected requests'): Promise<void> {
    if (check()) return
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter)
        reject(new Error(`timed out waiting for ${what} (proxy ${this.proxyRequests.length}, token ${this.tokenRequests.length}, send ${this.sendRequests.length})`))
      }, timeoutMs)
      const waiter = (): void => {
        if (!check()) return
        clearTimeout(timer)
        this.#waiters = this.#waiters.filter((w) => w !== waiter)
        resolve()
      }
      this.#waiters.push(waiter)
    })
  }

  async listen (port = this.#port): Promise<void> {
    const server = bufferedServer(({ incoming: req, body, json }, res) => {
      const request: FakeRequest = { path: req.url ?? '', headers: req.headers, body, json, at: Date.now(), status: 0 }
      void this.#route(request, res).then(() => {
        for (const w of [...this.#waiters]) w()
      })
    })
    server.keepAliveTimeout = 60_000
    this.#port = await listenOnLoopback(server, port)
    this.#server = server
  }

  async stop (): Promise<void> {
    const server = this.#server
    this.#server = undefined
    await closeNow(server)
  }

  async #route (req: FakeRequest, res: ServerResponse): Promise<void> {
    if (req.path === '/send_push') {
      this.proxyRequests.push(req)
      this.#proxy(req, res)
    } else if (req.path === '/token') {
      this.tokenRequests.push(req)
      await this.#token(req, res)
    } else if (/^\/v1\/projects\/[^/]+\/messages:send$/.test(req.path)) {
      this.sendRequests.push(req)
      this.#send(req, res)
    } else {
      answer(req, res, 404, { error: 'not found' })
    }
  }

  /** zmES examples/send_push.py, the answers only. */
  #proxy (req: FakeRequest, res: ServerResponse): void {
    const auth = String(req.headers.authorization ?? '').replace('Bearer ', '')
    if (auth !== this.proxyKey) return answer(req, res, 401, { Error: 'Invalid credentials: Signature verification failed' })
    const m = req.json as Record<string, unknown> | undefined
    if (m === undefined || m === null || typeof m !== 'object') return answer(req, res, 400, { Error: 'No JSON Found' })
    if (typeof m.token !== 'string' || m.token === '') return answer(req, res, 400, { Error: 'No Token Found' })
    const tail = m.token.slice(-10)
    const failure = this.#failures.shift()
    if (failure !== undefined) return answer(req, res, failure.status, { Error: `token:${tail}=>${TRANSIENT[failure.status]?.message ?? 'error'}` }, failure.retryAfter)
    const problem = this.tokenProblems.get(m.token)
    if (problem !== undefined) return answer(req, res, 400, { Error: `token:${tail}=>${PROXY_PROBLEM_TEXT[problem]}` })
    answer(req, res, 200, { Success: `projects/zoneminder-ninja/messages/${++this.#messageSeq}` })
  }

  async #token (req: FakeRequest, res: ServerResponse): Promise<void> {
    if (this.tokenEndpointStatus !== undefined) return answer(req, res, this.tokenEndpointStatus, { error: 'internal_failure', error_description: 'told to refuse' })
    if (!String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) return answer(req, res, 400, { error: 'invalid_request', error_description: 'form body expected' })
    const form = new URLSearchParams(req.body)
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return answer(req, res, 400, { error: 'unsupported_grant_type', error_description: 'Invalid grant_type' })
    const account = this.#account
    const assertion = form.get('assertion') ?? ''
    if (account === undefined) return answer(req, res, 400, { error: 'invalid_grant', error_description: 'Invalid grant: account not found' })
    try {
      const { payload, protectedHeader } = await jwtVerify(assertion, account.publicKey, {
        algorithms: ['RS256'],
        issuer: account.clientEmail,
        audience: this.tokenUri,
        currentDate: new Date(this.#now()),
        requiredClaims: ['iat', 'exp', 'scope']
      })
      if (protectedHeader.kid !== undefined && protectedHeader.kid !== account.keyId) throw new Error('Invalid JWT Signature.')
      if (!String(payload.scope).split(' ').includes(FCM_SCOPE)) throw new Error('Invalid OAuth scope or ID token audience provided.')
      if ((payload.exp ?? 0) - (payload.iat ?? 0) > 3600) throw new Error('Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.')
    } catch (err) {
      return answer(req, res, 400, { error: 'invalid_grant', error_description: (err as Error).message })
    }
    // Real ones are about 1 kB: long enough to break a reader that keeps only the start of a body.
    const accessToken = `ya29.c.${randomBytes(768).toString('base64url')}`
    this.#accessTokens.set(accessToken, this.#now() + this.#lifetimeS * 1000)
    answer(req, res, 200, { access_token: accessToken, expires_in: this.#lifetimeS, token_type: 'Bearer' })
  }

  #send (req: FakeRequest, res: ServerResponse): void {
    const account = this.#account
    const project = req.path.split('/')[3]
    if (account === undefined || project !== account.projectId) {
      return answer(req, res, 403, fcmError(403, 'PERMISSION_DENIED', `Permission 'cloudmessaging.messages.create' denied on resource '//cloudresourcemanager.googleapis.com/projects/${project ?? ''}' (or it may not exist).`))
    }
    const bearer = String(req.headers.authorization ?? '')
    const expires = bearer.startsWith('Bearer ') ? this.#accessTokens.get(bearer.slice(7)) : undefined
    if (expires === undefined || expires <= this.#now()) {
      return answer(req, res, 401, fcmError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.'))
    }
    const violations = checkSendRequest(req.json)
    if (violations.length > 0) return answer(req, res, 400, fcmError(400, 'INVALID_ARGUMENT', violations[0]?.description ?? 'Invalid', undefined, violations))
    const token = (req.json as { message: { token: string } }).message.token
    const failure = this.#failures.shift()
    if (failure !== undefined) {
      const t = TRANSIENT[failure.status] ?? { canonical: 'UNAVAILABLE', errorCode: 'UNAVAILABLE', message: 'error' }
      return answer(req, res, failure.status, fcmError(failure.status, t.canonical, t.message, t.errorCode), failure.retryAfter)
    }
    const problem = this.tokenProblems.get(token)
    if (problem !== undefined) {
      const p = V1_PROBLEM[problem]
      return answer(req, res, p.status, fcmError(p.status, p.canonical, p.message, problem))
    }
    answer(req, res, 200, { name: `projects/${account.projectId}/messages/${++this.#messageSeq}` })
  }
}

function fcmError (code: number, status: string, message: string, errorCode?: string, violations?: readonly FieldViolation[]): unknown {
  const details: unknown[] = []
  if (errorCode !== undefined) details.push({ '@type': FCM_ERROR_TYPE, errorCode })
  if (violations !== undefined) details.push({ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: violations })
  return { error: { code, message, status, ...(details.length > 0 ? { details } : {}) } }
}

function answer (req: FakeRequest, res: ServerResponse, status: number, body: unknown, retryAfter?: string): void {
  req.status = status
  res.statusCode = status
  res.setHeader('content-type', 'application/json; charset=UTF-8')
  if (retryAfter !== undefined) res.setHeader('retry-after', retryAfter)
  res.end(JSON.stringify(body))
}
