import type { Logger } from 'pino'
import type { Clock } from '../clock.js'
import type { IncomingEvent } from '../events/event.js'
import { laneOf, type BatchDescription, type Channel, type Outcome, type TargetState } from '../delivery/contract.js'
import type { ClaimedBatch, IngestResult, Route, Store } from '../store/store.js'
import { toError } from '../errors.js'
import { decisionKey, type AlarmDecider, type Decision } from './alarm-decider.js'
import { readDecidedAlarm, type DecidedPhase } from './decided-alarm.js'

export const DECISION_CHANNEL = 'decision'

/**
 * One lane per alarm (`decision:<monitor>/<event>`): the start of an alarm is decided before its
 * end, in order, while other alarms are decided in parallel — a slow hook holds up only its own
 * alarm (zmES's fork per event, without the fork).
 */
export function decisionRoute (event: IncomingEvent): Route {
  const target = `${String(event.data.monitor_id)}/${String(event.data.event_id)}`
  return { channel: DECISION_CHANNEL, target, lane: laneOf(DECISION_CHANNEL, target), group: 'alarms' }
}

export type DecisionListener = (results: readonly IngestResult[], decision: Decision) => void

export interface DecisionChannelOptions {
  readonly store: Store
  readonly decider: AlarmDecider
  readonly clock: Clock
  readonly logger: Logger
  /** Hands the queued notifications to the delivery engine once the decision is stored. */
  readonly onDecided: DecisionListener
}

/**
 * The decision as a delivery-engine channel: the raw alarm is queued durably at ingest, and a
 * crash mid-hook decides it again after the restart. The decision and the notifications it
 * chooses are stored in one transaction under the decision's own key, so a decision that was
 * stored is never made twice and a duplicate start (same monitor and event) is not decided again.
 */
export class DecisionChannel implements Channel {
  readonly name = DECISION_CHANNEL
  readonly transientLanes = true
  readonly #o: DecisionChannelOptions
  /** Monitor → the last decision time given to one of its alarms. */
  readonly #lastDecidedAt = new Map<string, number>()
  /** Stored alarm (seq) → the time its decision was made at, until that decision is stored. */
  readonly #pendingAt = new Map<number, number>()

  constructor (options: DecisionChannelOptions) {
    this.#o = options
  }

  target (): TargetState {
    // No attempt limit: only store errors fail a decision, and an alarm must not be lost to them.
    return { kind: 'ready', batchSize: 1, maxAttempts: 0 }
  }

  describe (batch: ClaimedBatch): BatchDescription {
    return { worker: `Decision(${batch.target})`, noun: 'alarm decision' }
  }

  async deliver (batch: ClaimedBatch): Promise<Outcome> {
    const { store, decider, clock, logger } = this.#o
    const started = clock.now()
    try {
      for (const { event } of batch.items) {
        const d = event.data
        const phase = d.phase as DecidedPhase
        const monitorId = String(d.monitor_id)
        const eventId = String(d.event_id)
        // An update is told once per stored update: sources that give every update of an alarm the
        // same id (ZoneMinder's event id) store each new content as its own event (its own seq).
        const key = decisionKey(monitorId, eventId, phase, phase === 'update' ? String(event.seq) : undefined)
        if (await store.getEventByKey(key) !== undefined) {
          logger.info(`decision: monitor ${monitorId} event ${eventId} ${phase} was decided already; duplicate ${phase} ignored`)
          continue
        }
        const start = phase === 'start' ? undefined : await store.getEventByKey(decisionKey(monitorId, eventId, 'start'))
        const ended = phase !== 'end' && await store.getEventByKey(decisionKey(monitorId, eventId, 'end')) !== undefined
        const decision = await decider.decide({
          alarm: event,
          start: start === undefined ? undefined : readDecidedAlarm(start),
          startRecord: start?.data,
          ended,
          now: this.#decisionTime(event.seq, monitorId)
        })
        const results = await store.ingest([decision.event], () => decision.routes, clock.now())
        this.#pendingAt.delete(event.seq)
        logger.info({ monitorId, eventId, phase, channels: decision.record.channels }, decision.logLine)
        this.#o.onDecided(results, decision)
      }
    } catch (err) {
      return { kind: 'retry', error: toError(err).message, statusCode: null, latencyMs: clock.now() - started }
    }
    return { kind: 'delivered', statusCode: null, latencyMs: clock.now() - started }
  }

  /**
   * The time an alarm is decided at, which identifies its throttle marks: a mark at an alarm's own
   * decision time is that alarm's (its push and its websocket alarm count as one notification,
   * monitor-filter.ts). So alarms of one monitor decided in the same millisecond (a request with
   * several, a backlog after a restart) get consecutive times (marks are per monitor, so other
   * monitors need not wait their turn), and a decision made again because storing it failed keeps
   * its first time: its tokens were marked with it, and a new time would find them throttled by
   * this same alarm.
   */
  #decisionTime (seq: number, monitorId: string): number {
    const earlier = this.#pendingAt.get(seq)
    if (earlier !== undefined) return earlier
    const at = Math.max(this.#o.clock.now(), (this.#lastDecidedAt.get(monitorId) ?? Number.NEGATIVE_INFINITY) + 1)
    this.#lastDecidedAt.set(monitorId, at)
    this.#pendingAt.set(seq, at)
    return at
  }
}
