import { STATUS_CODES } from 'node:http'
import type { Outcome } from '../../delivery/contract.js'
import { postAttempt, type HttpAnswer, type HttpAttempt } from '../../delivery/http-attempt.js'
import { parseRetryAfter } from '../../delivery/interceptors/classify-http.js'
import type { SendContext } from './service.js'

export type { HttpAnswer } from '../../delivery/http-attempt.js'
export type HttpCallResult = HttpAttempt

/**
 * POSTs a body with one timeout per request. A timeout, a refused connection or a reset is a
 * `retry` outcome; every HTTP answer is handed back for the service to classify, because what a
 * 400 means differs per service (Telegram "chat not found" switches the target off, ntfy's does not).
 */
export async function postService (
  ctx: SendContext,
  url: string,
  body: string,
  headers: Record<string, string>
): Promise<HttpCallResult> {
  return await postAttempt(ctx.dispatcher, url, body, { 'user-agent': ctx.userAgent, ...headers }, { timeoutMs: ctx.timeoutMs, signal: ctx.signal })
}

export function postJson (ctx: SendContext, url: string, payload: unknown, headers: Record<string, string> = {}): Promise<HttpCallResult> {
  return postService(ctx, url, JSON.stringify(payload), { 'content-type': 'application/json', ...headers })
}

export function delivered (answer: HttpAnswer): Outcome {
  return { kind: 'delivered', statusCode: answer.statusCode, latencyMs: answer.latencyMs }
}

/**
 * The rule every service shares once its own special cases are handled (spec §3): 429, 408 and
 * 5xx are retried, honouring the wait the service asked for; a redirect and any other 4xx are
 * permanent, since sending the same request again gets the same answer.
 * @param retryAfterMs a wait the body asked for (Telegram, Discord); else the Retry-After header.
 */
export function classifyAnswer (answer: HttpAnswer, now: number, detail: string, retryAfterMs?: number): Outcome {
  const { statusCode, latencyMs } = answer
  const reason = `HTTP ${statusCode} ${STATUS_CODES[statusCode] ?? ''}`.trimEnd() + (detail === '' ? '' : `: ${detail}`)
  if (statusCode === 429 || statusCode === 408 || statusCode >= 500) {
    const wait = retryAfterMs ?? (statusCode === 429 || statusCode === 503 ? parseRetryAfter(answer.retryAfter, now) : undefined)
    return wait === undefined
      ? { kind: 'retry', error: reason, statusCode, latencyMs }
      : { kind: 'retry', error: reason, statusCode, latencyMs, retryAfterMs: wait }
  }
  if (statusCode >= 300 && statusCode < 400) {
    return { kind: 'permanent', error: `${reason} (redirects are not followed: check the URL or ?base=)`, statusCode, latencyMs }
  }
  return { kind: 'permanent', error: reason, statusCode, latencyMs }
}

/** A 2xx whose body is not the service's success answer: something else answered (a proxy, a wrong ?base=). */
export function unexpectedAnswer (answer: HttpAnswer, service: string): Outcome {
  return {
    kind: 'permanent',
    error: `HTTP ${answer.statusCode} but not a ${service} success answer (${JSON.stringify(clipBody(answer.bodyText))}): is the URL or ?base= right?`,
    statusCode: answer.statusCode,
    latencyMs: answer.latencyMs
  }
}

/** The body as JSON object, or undefined. */
export function jsonBody (answer: HttpAnswer): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(answer.bodyText)
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed as Record<string, unknown> : undefined
  } catch {
    return undefined
  }
}

/** A short piece of an answer body for an error message. */
export function clipBody (text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > max ? `${flat.slice(0, max)}…` : flat
}

/** Seconds (possibly fractional) as milliseconds, or undefined when not a sane number. */
export function secondsToMs (value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.ceil(value * 1000) : undefined
}
