import type { Dispatcher } from 'undici'
import { postAttempt, type HttpAttempt } from '../../delivery/http-attempt.js'

export type { HttpAnswer } from '../../delivery/http-attempt.js'
export type Exchange = HttpAttempt

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

/** One POST with its own timeout, tied to `signal` (the engine's shutdown). */
export async function exchange (dispatcher: Dispatcher, req: ExchangeRequest, signal?: AbortSignal): Promise<Exchange> {
  return await postAttempt(dispatcher, req.url, req.body, req.headers, { timeoutMs: req.timeoutMs, signal, keepBodyChars: KEPT_BODY_CHARS })
}
