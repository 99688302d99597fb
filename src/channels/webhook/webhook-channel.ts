import type { Agent, Dispatcher } from 'undici'
import type { Clock } from '../../clock.js'
import type { EntityCatalog } from '../../entities/catalog.js'
import type { BatchDescription, Channel, Outcome, TargetState } from '../../delivery/contract.js'
import { postAttempt } from '../../delivery/http-attempt.js'
import { createHttpAgent } from '../../delivery/http-transport.js'
import { classifyResponse } from '../../delivery/interceptors/classify-http.js'
import { signatureHeader } from '../../delivery/interceptors/signature.js'
import type { ClaimedBatch, WebhookRow } from '../../store/store.js'
import { renderBatch } from './render.js'
import { WEBHOOK_CHANNEL, type WebhookDirectory } from './webhook-directory.js'

export interface WebhookChannelOptions {
  readonly directory: WebhookDirectory
  readonly catalog: EntityCatalog
  /**
   * One HTTP client for every webhook (tests). Without it each webhook gets its own connection
   * pool, so that requests hanging at one webhook cannot hold the connections another webhook of
   * the same host:port needs.
   */
  readonly dispatcher?: Dispatcher
  readonly clock: Clock
  readonly timeoutMs: number
  readonly verboseDefault: boolean
  readonly publicBaseUrl: string
  readonly userAgent: string
  /** [webhooks] max_in_flight, for webhooks that do not set their own. @defaultValue 1 */
  readonly maxInFlight?: number
}

/** FindFace-compatible webhooks: a JSON array POSTed per batch, optionally signed. */
export class WebhookChannel implements Channel {
  readonly name = WEBHOOK_CHANNEL
  readonly #o: WebhookChannelOptions
  /** Per webhook id, when no shared dispatcher is given. */
  readonly #pools = new Map<number, Agent>()

  constructor (options: WebhookChannelOptions) {
    this.#o = options
  }

  /**
   * Undici pools connections per origin and caps them (64): a receiver path that hangs with
   * max_in_flight requests on the way would otherwise keep a healthy webhook on the same host
   * waiting for a connection, its timeout running (docs/delivery.md: lanes never wait for each other).
   */
  #dispatcher (id: number): Dispatcher {
    if (this.#o.dispatcher !== undefined) return this.#o.dispatcher
    let pool = this.#pools.get(id)
    if (pool === undefined) {
      pool = createHttpAgent()
      this.#pools.set(id, pool)
    }
    return pool
  }

  /** A deleted webhook's connections close; the rest close with the channel. */
  #release (id: number): void {
    const pool = this.#pools.get(id)
    if (pool === undefined) return
    this.#pools.delete(id)
    pool.destroy().catch(() => {})
  }

  async close (): Promise<void> {
    const pools = [...this.#pools.values()]
    this.#pools.clear()
    await Promise.all(pools.map(async (pool) => { await pool.close() }))
  }

  target (target: string): TargetState {
    const hook = this.#o.directory.get(Number(target))
    if (hook === undefined) {
      this.#release(Number(target))
      return { kind: 'gone' }
    }
    if (!hook.active) return { kind: 'paused' }
    return { kind: 'ready', batchSize: hook.batch_size, maxAttempts: hook.send_attempts, maxInFlight: hook.max_in_flight ?? this.#o.maxInFlight ?? 1 }
  }

  describe (batch: ClaimedBatch): BatchDescription {
    return { worker: `Webhook(id=${batch.target}) worker(type=${batch.group})`, noun: 'webhook' }
  }

  async deliver (batch: ClaimedBatch, signal: AbortSignal): Promise<Outcome> {
    const hook = this.#o.directory.get(Number(batch.target))
    if (hook === undefined) {
      this.#release(Number(batch.target))
      return { kind: 'permanent', error: 'webhook deleted', statusCode: null, latencyMs: null }
    }
    const body = renderBatch(batch.items.map((i) => i.event), {
      verbose: hook.verbose ?? this.#o.verboseDefault,
      publicBaseUrl: this.#o.publicBaseUrl,
      catalog: this.#o.catalog
    })
    const headers = this.headers(hook, batch, body)
    const res = await postAttempt(this.#dispatcher(hook.id), hook.url, body, headers, { timeoutMs: this.#o.timeoutMs, signal })
    return res.kind === 'answer' ? classifyResponse(res.answer, this.#o.clock.now()) : res.outcome
  }

  /**
   * `webhook-id` and `webhook-timestamp` always go out (receivers can de-duplicate at-least-once
   * delivery with the id, which is stable across retries); `webhook-signature` only with a secret.
   */
  headers (hook: WebhookRow, batch: ClaimedBatch, body: string): Record<string, string> {
    const timestamp = Math.floor(this.#o.clock.now() / 1000)
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': this.#o.userAgent,
      'webhook-id': batch.messageId,
      'webhook-timestamp': String(timestamp),
      'x-herald-section': batch.group,
      'x-herald-attempt': String(batch.attempt)
    }
    const secrets: string[] = []
    if (hook.secret !== null) secrets.push(hook.secret)
    if (hook.previous_secret !== null && (hook.previous_secret_until ?? 0) > this.#o.clock.now()) secrets.push(hook.previous_secret)
    if (secrets.length > 0) headers['webhook-signature'] = signatureHeader(secrets, batch.messageId, timestamp, body)
    return headers
  }
}
