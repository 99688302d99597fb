import { STATUS_CODES } from 'node:http'
import type { Outcome } from '../contract.js'
import type { HttpResponseSummary } from '../http-transport.js'

/**
 * FindFace's rule: 2xx is delivered; any other status, a timeout or a connection error is a
 * failed attempt. 429 and 503 may say when to come back (Retry-After, seconds or an HTTP date).
 */
export function classifyResponse (res: HttpResponseSummary, now: number): Outcome {
  if (res.statusCode >= 200 && res.statusCode < 300) {
    return { kind: 'delivered', statusCode: res.statusCode, latencyMs: res.latencyMs }
  }
  const reason = `HTTP ${res.statusCode} ${STATUS_CODES[res.statusCode] ?? ''}`.trimEnd()
  const retryAfterMs = res.statusCode === 429 || res.statusCode === 503 ? parseRetryAfter(res.retryAfter, now) : undefined
  return retryAfterMs === undefined
    ? { kind: 'retry', error: reason, statusCode: res.statusCode, latencyMs: res.latencyMs }
    : { kind: 'retry', error: reason, statusCode: res.statusCode, latencyMs: res.latencyMs, retryAfterMs }
}

/* RFC 9110 §5.6.7 HTTP-date: IMF-fixdate, the obsolete RFC 850 form, and asctime (always GMT). */
const IMF_FIXDATE = /^[a-z]{3}, \d{2} [a-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/i
const RFC850_DATE = /^[a-z]{6,9}, \d{2}-[a-z]{3}-\d{2} \d{2}:\d{2}:\d{2} GMT$/i
const ASCTIME_DATE = /^[a-z]{3} [a-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/i

/**
 * Milliseconds the receiver asked to wait: delay-seconds or an HTTP-date. Anything else is
 * ignored (undefined), so the normal backoff applies: V8's Date.parse reads strings like "-5" or
 * "soon 2" as dates in the past, which would otherwise turn garbage into an immediate retry.
 */
export function parseRetryAfter (value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000
  let date: number
  if (IMF_FIXDATE.test(trimmed) || RFC850_DATE.test(trimmed)) date = Date.parse(trimmed)
  else if (ASCTIME_DATE.test(trimmed)) date = Date.parse(`${trimmed} GMT`)
  else return undefined
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - now)
}

interface ErrorWithCode extends Error { code?: string, cause?: unknown }

/**
 * Turns a transport error into the reason a person reads in the log and the attempt log.
 * `answeredStatus`: the status line had arrived when the body was cut off (a timeout or a dropped
 * connection halfway). The attempt still failed (the receiver may not have finished, and delivery
 * is at least once), but the log keeps the status it saw.
 */
export function classifyError (err: Error, url: string, timeoutMs: number, timedOut: boolean, answeredStatus: number | null = null): Outcome {
  if (answeredStatus !== null) {
    const how = timedOut ? `not complete within ${timeoutMs / 1000} s` : `cut off (${describeCause(err)})`
    return { kind: 'retry', error: `${timedOut ? 'Timeout: ' : ''}HTTP ${answeredStatus} answer ${how}`, statusCode: answeredStatus, latencyMs: null }
  }
  if (timedOut) return { kind: 'retry', error: `Timeout: no response within ${timeoutMs / 1000} s`, statusCode: null, latencyMs: null }
  const code = errorCode(err)
  let host = url
  try { host = new URL(url).host } catch { /* keep the raw url */ }
  switch (code) {
    case 'ECONNREFUSED':
      return { kind: 'retry', error: `Cannot connect to host ${host} [Connection refused]`, statusCode: null, latencyMs: null }
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { kind: 'retry', error: `Cannot connect to host ${host} [Name not resolved]`, statusCode: null, latencyMs: null }
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return { kind: 'retry', error: `Connection to ${host} closed before the response`, statusCode: null, latencyMs: null }
    default:
      return { kind: 'retry', error: describeCause(err), statusCode: null, latencyMs: null }
  }
}

function errorCode (err: Error): string | undefined {
  const e = err as ErrorWithCode
  return e.code ?? (e.cause instanceof Error ? (e.cause as ErrorWithCode).code : undefined)
}

function describeCause (err: Error): string {
  const code = errorCode(err)
  return `${code !== undefined ? `${code}: ` : ''}${err.message}`
}
