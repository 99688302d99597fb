import type { Logger } from 'pino'
import type { Dispatcher } from 'undici'
import type { Clock } from '../../clock.js'
import { classifyResponse } from '../../delivery/interceptors/classify-http.js'
import { maskPassword } from '../picture/picture-url.js'
import { exchange, type HttpAnswer } from './http-exchange.js'
import { ProblemLog } from './problem-log.js'
import { renderProxyMessage } from './proxy-message.js'
import type { Push, PushSender, PushStyle, PushVerdict } from './push-sender.js'
import { maskToken } from './token-mask.js'

export interface ProxyEndpoint {
  /** `[fcm] fcm_v1_url`. */
  readonly url: string
  /** `[fcm] fcm_v1_key`, sent as the raw `Authorization` header (the proxy also takes `Bearer `). */
  readonly key: string
}

export interface ProxySenderOptions {
  /** Read for every push: escontrol `edit` may change the URL or key. */
  readonly endpoint: () => ProxyEndpoint
  readonly dispatcher: Dispatcher
  readonly clock: Clock
  readonly logger: Logger
  readonly timeoutMs: number
}

/*
 * How zmES recognises a token FCM no longer knows in a proxy answer (§6): the proxy wraps
 * Firebase Admin's error text in `{"Error":"token:<last 10>=><message>"}`.
 */
const INVALID_TOKEN_TEXT = ['not a valid FCM', 'entity was not found'] as const

/**
 * The zmNinja proxy (spec §10.2). Its answers, one table:
 *
 * | answer | outcome |
 * | --- | --- |
 * | 2xx `{"Success":"<id>"}` | delivered |
 * | any status, body says `not a valid FCM` / `entity was not found` | token removed, permanent |
 * | 401, 403 (bad `fcm_v1_key`) | permanent; an error line for the operator; token kept |
 * | 408, 429, 5xx | retry (429/503 Retry-After honoured) |
 * | other 4xx | permanent (the proxy answers every Firebase error with 400) |
 * | no answer (refused, reset, timeout) | retry |
 *
 * The proxy answers every Firebase error with a 400, transient ones too; its text has no reliable
 * marker of "try again", so a 400 is not retried (zmES retried nothing).
 */
export class ProxySender implements PushSender {
  readonly mode = 'proxy'
  readonly #o: ProxySenderOptions
  readonly #problems: ProblemLog

  constructor (options: ProxySenderOptions) {
    this.#o = options
    this.#problems = new ProblemLog(options.logger, options.clock)
  }

  async send (push: Push, style: PushStyle, signal: AbortSignal): Promise<PushVerdict> {
    const { url, key } = this.#o.endpoint()
    const body = renderProxyMessage(push, style)
    const { logger } = this.#o
    if (logger.isLevelEnabled('debug')) {
      logger.debug({ token: maskToken(push.token), url }, `fcm: proxy message ${maskPassword(body.replace(push.token, maskToken(push.token)))}`)
    }
    const result = await exchange(this.#o.dispatcher, {
      url,
      body,
      headers: { 'content-type': 'application/json', authorization: key },
      timeoutMs: this.#o.timeoutMs
    }, signal)
    if (result.kind === 'failed') return { outcome: result.outcome }
    const verdict = classifyProxyAnswer(result.answer, this.#o.clock.now())
    if (result.answer.statusCode === 401 || result.answer.statusCode === 403) {
      this.#problems.error('key', { url, statusCode: result.answer.statusCode }, `fcm: the push proxy ${url} refused fcm_v1_key (HTTP ${result.answer.statusCode}); no push goes out until [fcm] fcm_v1_key is fixed`)
    }
    return verdict
  }
}

export function classifyProxyAnswer (answer: HttpAnswer, now: number): PushVerdict {
  const { statusCode, bodyText, latencyMs } = answer
  if (statusCode >= 200 && statusCode < 300) return { outcome: { kind: 'delivered', statusCode, latencyMs } }
  const detail = proxyError(bodyText)
  const error = `FCM proxy: HTTP ${statusCode}${detail === '' ? '' : ` ${detail}`}`
  if (INVALID_TOKEN_TEXT.some((text) => bodyText.includes(text))) {
    return { outcome: { kind: 'permanent', error, statusCode, latencyMs }, invalidToken: detail }
  }
  if (statusCode === 408 || statusCode === 429 || statusCode >= 500) {
    const retry = classifyResponse({ statusCode, statusText: '', retryAfter: answer.retryAfter, latencyMs }, now)
    return { outcome: retry.kind === 'retry' ? { ...retry, error } : retry }
  }
  return { outcome: { kind: 'permanent', error, statusCode, latencyMs } }
}

/** The proxy's `Error` text without the token's tail it starts with (`token:<last 10>=>`). */
function proxyError (bodyText: string): string {
  let text = bodyText
  try {
    const o: unknown = JSON.parse(bodyText)
    if (o !== null && typeof o === 'object' && typeof (o as { Error?: unknown }).Error === 'string') text = (o as { Error: string }).Error
  } catch { /* not JSON: keep the raw text */ }
  return text.replace(/token:[^=\s]*=>/g, 'token:…=>').replace(/\s+/g, ' ').trim().slice(0, 300)
}
