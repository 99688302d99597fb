import type { Clock, TimerHandle } from '../clock.js'
import { toError } from '../errors.js'
import { timerDelay } from '../timer-delay.js'
import type { ClaimedBatch, ClaimResult, IngestResult, Store } from '../store/store.js'
import { channelOfLane, type Channel, type Outcome } from './contract.js'
import type { EngineEvents } from './engine-events.js'
import type { RetryPolicy } from './retry-policy.js'

export interface DeliveryEngineOptions {
  readonly store: Store
  readonly channels: ReadonlyMap<string, Channel>
  readonly clock: Clock
  readonly retryPolicy: RetryPolicy
  readonly events: EngineEvents
  /** How long close() waits for in-flight attempts before aborting them. @defaultValue 5000 */
  readonly drainTimeoutMs?: number
}

const LANE_ERROR_RETRY_MS = 1000
const EMPTY: ClaimResult = Object.freeze({ kind: 'empty' })

interface Lane {
  readonly name: string
  readonly channel: string
  /** Pending + in-flight deliveries: kept in memory so a log line or a scrape never counts rows. */
  open: number
  running: boolean
  wakeRequested: boolean
  timer: TimerHandle | null
  /** Attempts not answered yet: one, or up to the target's maxInFlight. */
  readonly flying: Set<Promise<void>>
  /** Set while the run loop waits for an answer: a wake() ends the wait, so new work need not wait for it. */
  nudge: (() => void) | null
}

/**
 * The one delivery engine. Each lane (one recipient of one channel) is a FIFO that sends one
 * batch at a time (or up to the target's maxInFlight first tries; the store keeps the order
 * rules, see Store.claim), so a slow or dead recipient only ever holds up its own lane. The store is the
 * truth; this class only keeps enough in memory to know which lanes have work and when.
 */
export class DeliveryEngine {
  readonly #o: DeliveryEngineOptions
  readonly #lanes = new Map<string, Lane>()
  readonly #abort = new AbortController()
  #closing = false

  constructor (options: DeliveryEngineOptions) {
    this.#o = options
  }

  /** Recovers what a crash left in flight and starts every lane that has work. */
  async start (): Promise<void> {
    await this.#o.store.releaseInFlight()
    const open = await this.#o.store.openByLane()
    for (const [name, count] of open) {
      this.#lane(name).open = count
      this.wake(name)
    }
  }

  /** Called after an ingest transaction committed. */
  enqueued (results: readonly IngestResult[]): void {
    for (const r of results) {
      for (const route of r.routes) {
        this.#lane(route.lane, route.channel).open++
        this.wake(route.lane)
      }
    }
  }

  /** Something changed for this lane (new work, a recipient re-enabled, a resend). */
  wake (name: string): void {
    if (this.#closing) return
    const lane = this.#lane(name)
    lane.wakeRequested = true
    if (!lane.running) void this.#run(lane)
    else lane.nudge?.()
  }

  /** The recipient was fixed (a new URL) or re-enabled: retry what waits now, not at its scheduled time. */
  async retryNow (name: string): Promise<void> {
    const lane = this.#lanes.get(name)
    if (lane?.timer != null) {
      this.#o.clock.clearTimeout(lane.timer)
      lane.timer = null
    }
    await this.#o.store.expedite(name)
    this.wake(name)
  }

  /** A resend added one delivery to a lane. */
  added (name: string, count = 1): void {
    this.#lane(name).open += count
    this.wake(name)
  }

  /** Deletes the unfinished queue of a recipient that no longer exists. */
  async dropLane (name: string): Promise<number> {
    const lane = this.#lanes.get(name)
    if (lane?.timer != null) this.#o.clock.clearTimeout(lane.timer)
    const dropped = await this.#o.store.dropLane(name)
    if (lane !== undefined) lane.open = 0
    // Its recipient is gone: no depth to report for it any more (a running loop ends by itself).
    this.#lanes.delete(name)
    this.#o.events.emit('lane:dropped', { lane: name, deliveries: dropped })
    return dropped
  }

  /** Open deliveries per lane (for metrics and log lines). */
  depths (): ReadonlyMap<string, number> {
    const out = new Map<string, number>()
    for (const [name, lane] of this.#lanes) out.set(name, lane.open)
    return out
  }

  depth (name: string): number {
    return this.#lanes.get(name)?.open ?? 0
  }

  /**
   * Stops claiming, lets in-flight attempts finish for up to drainTimeoutMs, then aborts the rest.
   * An aborted attempt stays `sending` in the store and is released on the next start.
   */
  async close (): Promise<void> {
    this.#closing = true
    for (const lane of this.#lanes.values()) {
      if (lane.timer !== null) this.#o.clock.clearTimeout(lane.timer)
      lane.timer = null
    }
    const inFlight = [...this.#lanes.values()].flatMap((l) => [...l.flying])
    if (inFlight.length === 0) return
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<void>((resolve) => { timer = setTimeout(resolve, this.#o.drainTimeoutMs ?? 5000) })
    await Promise.race([Promise.allSettled(inFlight), timeout])
    clearTimeout(timer)
    this.#abort.abort()
    await Promise.allSettled(inFlight)
  }

  #lane (name: string, channel = channelOfLane(name)): Lane {
    let lane = this.#lanes.get(name)
    if (lane === undefined) {
      lane = { name, channel, open: 0, running: false, wakeRequested: false, timer: null, flying: new Set(), nudge: null }
      this.#lanes.set(name, lane)
    }
    return lane
  }

  async #run (lane: Lane): Promise<void> {
    lane.running = true
    const { flying } = lane
    try {
      while (!this.#closing) {
        lane.wakeRequested = false
        const channel = this.#o.channels.get(lane.channel)
        if (channel === undefined) return
        const target = channel.target(lane.name.slice(lane.channel.length + 1))
        if (target.kind === 'gone') {
          await this.dropLane(lane.name)
          return
        }
        if (target.kind === 'paused') return
        const maxInFlight = Math.max(1, target.maxInFlight ?? 1)
        const claimed = flying.size >= maxInFlight
          ? EMPTY
          : await this.#o.store.claim(lane.name, target.batchSize, this.#o.clock.now(), maxInFlight)
        if (claimed.kind === 'batch') {
          const attempt: Promise<void> = this.#attempt(lane, channel, claimed.batch, target.maxAttempts)
            .finally(() => { flying.delete(attempt) })
          flying.add(attempt)
          if (maxInFlight === 1) {
            // One at a time, as every channel but a windowed webhook: wait here for the answer.
            await attempt
          } else {
            // Not awaited here: a store error of this attempt pauses the lane as it would below.
            attempt.catch((err: unknown) => { this.#laneError(lane, err) })
          }
          continue
        }
        if (lane.wakeRequested) continue
        if (flying.size > 0) {
          // Nothing more may start now: go on when an answer lands or new work comes.
          await this.#answerOrWake(lane)
          continue
        }
        if (claimed.kind === 'wait') {
          this.#schedule(lane, claimed.until)
          return
        }
        if (channel.transientLanes === true && lane.timer === null) {
          lane.open = 0
          this.#lanes.delete(lane.name)
        }
        return
      }
    } catch (err) {
      this.#laneError(lane, err)
    } finally {
      lane.running = false
      lane.nudge = null
    }
  }

  /** A store error must not kill the lane for good: try again shortly. */
  #laneError (lane: Lane, err: unknown): void {
    this.#o.events.emit('lane:error', { lane: lane.name, error: toError(err), retryInMs: LANE_ERROR_RETRY_MS })
    if (!this.#closing) this.#schedule(lane, this.#o.clock.now() + LANE_ERROR_RETRY_MS)
  }

  #answerOrWake (lane: Lane): Promise<void> {
    return new Promise<void>((resolve) => {
      lane.nudge = resolve
      for (const attempt of lane.flying) attempt.then(resolve, resolve)
    }).finally(() => { lane.nudge = null })
  }

  /**
   * `until` is the absolute time the store holds. A retry further away than a timer can wait
   * (a Retry-After of weeks, or a schedule stored by a version without today's caps) wakes the
   * lane early; its claim then answers `wait` with the same stored time and this runs again.
   */
  #schedule (lane: Lane, until: number): void {
    if (lane.timer !== null) this.#o.clock.clearTimeout(lane.timer)
    const delay = timerDelay(until - this.#o.clock.now())
    lane.timer = this.#o.clock.setTimeout(() => {
      lane.timer = null
      this.wake(lane.name)
    }, delay)
  }

  async #attempt (lane: Lane, channel: Channel, batch: ClaimedBatch, maxAttempts: number): Promise<void> {
    let outcome: Outcome
    try {
      outcome = await channel.deliver(batch, this.#abort.signal)
    } catch (err) {
      outcome = { kind: 'retry', error: toError(err).message, statusCode: null, latencyMs: null }
    }
    if (this.#abort.signal.aborted) return
    const { store, clock, retryPolicy, events } = this.#o
    const now = clock.now()
    const describe = channel.describe(batch)
    const n = batch.items.length
    switch (outcome.kind) {
      case 'delivered':
        await store.markDelivered(batch.messageId, { statusCode: outcome.statusCode, error: null, latencyMs: outcome.latencyMs }, now)
        lane.open = Math.max(0, lane.open - n)
        events.emit('delivery:sent', { batch, describe, queue: lane.open, outcome, at: now })
        return
      case 'retry':
      case 'permanent': {
        const info = { statusCode: outcome.statusCode, error: outcome.error, latencyMs: outcome.latencyMs }
        if (outcome.kind === 'permanent' || retryPolicy.exhausted(batch.attempt, maxAttempts)) {
          await store.markFailed(batch.messageId, info, now)
          lane.open = Math.max(0, lane.open - n)
          events.emit('delivery:failed', { batch, describe, queue: lane.open, outcome, at: now, maxAttempts })
          return
        }
        const delayMs = retryPolicy.delayAfter(batch.attempt, outcome.retryAfterMs)
        await store.scheduleRetry(batch.messageId, now + delayMs, info, now)
        events.emit('delivery:retry', { batch, describe, queue: Math.max(0, lane.open - n), outcome, at: now, delayMs, maxAttempts })
        return
      }
      default: {
        const never: never = outcome
        throw new Error(`unknown outcome ${JSON.stringify(never)}`)
      }
    }
  }
}
