import { request, type Dispatcher } from 'undici'
import { toError } from '../../errors.js'
import type { Outcome } from '../../delivery/contract.js'
import { classifyError } from '../../delivery/interceptors/classify-http.js'

export interface HttpAnswer {
  readonly statusCode: number
  readonly retryAfter: string | undefined
  readonly latencyMs: number
  readonly bodyText: string
}

export type Exchange =
  | { readonly kind: 'answer', readonly answer: HttpAnswer }
  /** No answer: connection refused, reset, timeout, or the engine shutting down; `outcome` says which. */
  | { readonly kind: 'failed', readonly outcome: Outcome }

export interface ExchangeRequest {
  readonly url: string
  readonly body: string
  readonly headers: Record<string, string>
  readonly timeoutMs: number
}

/*
 * Answers FCM, the proxy and Google's token endpoint send are small; an access token alone can
 * pass 1 kB, so this keeps more than the attempt log's 1 kB (delivery/http-transport.ts).
 */
const KEPT_BODY_CHARS = 64 * 1024

/*
 * The attempts in flight under one engine signal. A fan-out has a thousand pushes in flight at
 * once; one listener each on the engine's signal would pass Node's limit of 10 and print a
 * MaxListenersExceededWarning, so the signal gets one listener that aborts them all.
 */
const inFlight = new WeakMap<AbortSignal, Set<AbortController>>()

function link (signal: AbortSignal, attempt: AbortController): () => void {
  if (signal.aborted) {
    attempt.abort(signal.reason)
    return () => {}
  }
  let attempts = inFlight.get(signal)
  if (attempts === undefined) {
    const set = new Set<AbortController>()
    attempts = set
    inFlight.set(signal, set)
    signal.addEventListener('abort', () => {
      for (const a of set) a.abort(signal.reason)
      set.clear()
    }, { once: true })
  }
  const own = attempts
  own.add(attempt)
  return () => { own.delete(attempt) }
}

/**
 * One POST with its own timeout, tied to `signal` (the engine's shutdown). A plain timer per
 * attempt, for the reason given in the webhook channel: undici's own timeouts are too coarse.
 */
export async function exchange (dispatcher: Dispatcher, req: ExchangeRequest, signal?: AbortSignal): Promise<Exchange> {
  const attempt = new AbortController()
  let timedOut = false
  const unlink = signal === undefined ? () => {} : link(signal, attempt)
  const timer = setTimeout(() => {
    timedOut = true
    attempt.abort(new Error('timeout'))
  }, req.timeoutMs)
  const started = performance.now()
  try {
    const res = await request(req.url, { dispatcher, method: 'POST', body: req.body, headers: req.headers, signal: attempt.signal })
    let bodyText = ''
    // Read to the end even past the cap: the socket goes back to the pool only then.
    for await (const chunk of res.body) {
      if (bodyText.length < KEPT_BODY_CHARS) bodyText += (chunk as Buffer).toString('utf8')
    }
    const retryAfter = res.headers['retry-after']
    return {
      kind: 'answer',
      answer: {
        statusCode: res.statusCode,
        retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
        latencyMs: performance.now() - started,
        bodyText: bodyText.slice(0, KEPT_BODY_CHARS)
      }
    }
  } catch (err) {
    return { kind: 'failed', outcome: classifyError(toError(err), req.url, req.timeoutMs, timedOut) }
  } finally {
    clearTimeout(timer)
    unlink()
  }
}
