import { Agent, request, type Dispatcher } from 'undici'

export interface HttpResponseSummary {
  readonly statusCode: number
  readonly statusText: string
  readonly retryAfter: string | undefined
  readonly latencyMs: number
}

/** Most of a response body kept for the attempt log; the rest is discarded unread. */
const KEPT_BODY_BYTES = 1024

/**
 * One keep-alive pool per origin (undici's Agent does that), shared by every lane. Redirects are
 * not followed: a 3xx is a failed attempt, as Standard Webhooks recommends.
 */
export function createHttpAgent (): Agent {
  return new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000, connections: 64, pipelining: 1 })
}

/** Sends bytes. Nothing else: timeouts, signing and classification wrap it. */
export async function postBytes (
  dispatcher: Dispatcher,
  url: string,
  body: string,
  headers: Record<string, string>,
  signal: AbortSignal,
  keepBodyChars = KEPT_BODY_BYTES
): Promise<HttpResponseSummary & { readonly bodyText: string }> {
  const started = performance.now()
  const res = await request(url, { dispatcher, method: 'POST', body, headers, signal })
  let bodyText = ''
  // The body must be consumed for the socket to go back to the pool.
  for await (const chunk of res.body) {
    if (bodyText.length < keepBodyChars) bodyText += (chunk as Buffer).toString('utf8', 0, Math.min((chunk as Buffer).length, keepBodyChars))
  }
  const retryAfter = res.headers['retry-after']
  return {
    statusCode: res.statusCode,
    statusText: '',
    retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
    latencyMs: performance.now() - started,
    bodyText: bodyText.slice(0, keepBodyChars)
  }
}
