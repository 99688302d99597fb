import type { Logger } from 'pino'
import type { Dispatcher } from 'undici'
import type { Clock } from '../../clock.js'
import { toError } from '../../errors.js'
import type { BatchDescription, Channel, Outcome, TargetState } from '../../delivery/contract.js'
import { readDecidedAlarm, type AlarmRecipients, type DecidedAlarm } from '../../decision/decided-alarm.js'
import type { ClaimedBatch, Route } from '../../store/store.js'
import { redact, type SendResult, type ServiceTarget } from './service.js'
import { renderTargetMessage } from './target-message.js'
import { TARGETS_CHANNEL, type Target, type TargetRegistry } from './target-registry.js'

export interface TargetsChannelOptions {
  readonly registry: TargetRegistry
  readonly dispatcher: Dispatcher
  readonly clock: Clock
  readonly logger: Logger
  /** The event's picture URL, or undefined when there is none (src/channels/picture/picture-url.ts). */
  readonly pictureUrl: (alarm: DecidedAlarm) => string | undefined
  /** zmES `[hook] keep_frame_match_type` now: off drops the `[a] ` prefix from the cause, as FCM does. @defaultValue always true */
  readonly keepFrameMatchType?: () => boolean
  /** Per HTTP request, per SMTP session. @defaultValue 10000 */
  readonly timeoutMs?: number
  /** Attempts per alarm and target; 0 = until it goes through. @defaultValue 0 */
  readonly maxAttempts?: number
  /** @defaultValue 'Herald' */
  readonly userAgent?: string
}

interface Progress {
  readonly messageId: string
  readonly done: Set<string>
}

/**
 * Built-in push targets (ntfy, Pushover, Gotify, Telegram, Slack, Discord, e-mail), one lane per
 * target (`targets:<name>`), one alarm per attempt. The decision routes alarms here (§10.1 and
 * the es_rules mutes are applied before); this channel only applies each target's own phases and
 * monitors. A target whose service answers that it can never work (a deleted webhook, a blocked
 * bot, an invalid user key) is switched off with an error line saying why, and its queue waits.
 */
export class TargetsChannel implements Channel, AlarmRecipients {
  readonly name = TARGETS_CHANNEL
  readonly channel = TARGETS_CHANNEL
  readonly #o: TargetsChannelOptions
  readonly #timeoutMs: number
  readonly #maxAttempts: number
  readonly #userAgent: string
  /** Per target: recipients (chats, topics) the batch in flight already reached, for its retries. */
  readonly #progress = new Map<string, Progress>()

  constructor (options: TargetsChannelOptions) {
    this.#o = options
    this.#timeoutMs = options.timeoutMs ?? 10_000
    this.#maxAttempts = options.maxAttempts ?? 0
    this.#userAgent = options.userAgent ?? 'Herald'
    if (!(this.#timeoutMs > 0)) throw new RangeError('timeoutMs must be positive')
    if (!Number.isInteger(this.#maxAttempts) || this.#maxAttempts < 0) throw new RangeError('maxAttempts must be an integer of at least 0')
  }

  enabled (): boolean {
    return this.#o.registry.active().length > 0
  }

  /** Every active target that takes this phase from this monitor. Synchronous: runs in the store transaction. */
  routes (alarm: DecidedAlarm, _now: number): readonly Route[] {
    if (alarm.phase === 'update') return []
    const phase = alarm.phase
    const out: Route[] = []
    for (const t of this.#o.registry.active()) {
      if (!t.phases.includes(phase)) continue
      if (t.monitors.length > 0 && !t.monitors.some((m) => String(m) === alarm.monitorId)) continue
      out.push(t.route)
    }
    return out
  }

  target (name: string): TargetState {
    const t = this.#o.registry.get(name)
    if (t === undefined) return { kind: 'gone' }
    if (!t.active || t.service === undefined) return { kind: 'paused' }
    return { kind: 'ready', batchSize: 1, maxAttempts: this.#maxAttempts }
  }

  describe (batch: ClaimedBatch): BatchDescription {
    const t = this.#o.registry.get(batch.target)
    const service = t?.service
    return {
      worker: `Target(name=${batch.target}${service !== undefined ? `, ${service.service}, ${service.masked}` : ''}) worker(type=${batch.group})`,
      noun: service !== undefined ? `${service.service} notification` : 'notification'
    }
  }

  async deliver (batch: ClaimedBatch, signal: AbortSignal): Promise<Outcome> {
    const t = this.#o.registry.get(batch.target)
    if (t === undefined) return { kind: 'permanent', error: 'target deleted', statusCode: null, latencyMs: null }
    const service = t.service
    if (service === undefined) return { kind: 'retry', error: `target URL ${t.problem ?? 'is invalid'}`, statusCode: null, latencyMs: null }
    const progress = this.#progressOf(batch)
    let outcome: Outcome = { kind: 'delivered', statusCode: null, latencyMs: 0 }
    for (const item of batch.items) {
      const alarm = readDecidedAlarm(item.event)
      if (alarm === undefined) {
        outcome = { kind: 'permanent', error: `event ${item.event.id} is not a decided alarm`, statusCode: null, latencyMs: null }
        break
      }
      const message = renderTargetMessage(alarm, this.#picture(alarm), this.#o.keepFrameMatchType?.() ?? true)
      let result: SendResult
      try {
        result = await service.send(message, {
          dispatcher: this.#o.dispatcher,
          timeoutMs: this.#timeoutMs,
          userAgent: this.#userAgent,
          now: () => this.#o.clock.now(),
          signal,
          done: progress.done
        })
      } catch (err) {
        result = { outcome: { kind: 'retry', error: toError(err).message, statusCode: null, latencyMs: null } }
      }
      outcome = safeOutcome(result.outcome, service)
      if (result.disable !== undefined) await this.#disable(t, redact(result.disable, service.secrets))
      if (outcome.kind !== 'delivered') break
    }
    if (outcome.kind !== 'retry') this.#progress.delete(batch.target)
    return outcome
  }

  #progressOf (batch: ClaimedBatch): Progress {
    let p = this.#progress.get(batch.target)
    if (p === undefined || p.messageId !== batch.messageId) {
      p = { messageId: batch.messageId, done: new Set() }
      this.#progress.set(batch.target, p)
    }
    return p
  }

  #picture (alarm: DecidedAlarm): string | undefined {
    try {
      return this.#o.pictureUrl(alarm)
    } catch (err) {
      // Without a picture the notification still says what happened.
      this.#o.logger.warn({ err: toError(err), monitorId: alarm.monitorId, eventId: alarm.eventId }, 'targets: cannot build the picture URL; sending without it')
      return undefined
    }
  }

  async #disable (t: Target, reason: string): Promise<void> {
    const masked = t.service?.masked ?? t.name
    try {
      if (!(await this.#o.registry.disable(t.name, reason, this.#o.clock.now()))) return
    } catch (err) {
      this.#o.logger.error({ err: toError(err), target: t.name }, `target "${t.name}": cannot record that it is switched off`)
      return
    }
    const howBack = t.source === 'api'
      ? `fix it and switch it on again: PATCH /api/v1/targets/${t.name} {"active": true}`
      : 'fix its [targets] line and restart Herald'
    this.#o.logger.error({ target: t.name, service: t.service?.service, url: masked, reason },
      `target "${t.name}" (${masked}) switched off: ${reason}. Its queued alarms wait; ${howBack}`)
  }
}

/** An outcome with every secret of the target masked: outcomes reach log lines and the attempt log. */
function safeOutcome (outcome: Outcome, service: ServiceTarget): Outcome {
  if (outcome.kind === 'delivered') return outcome
  return { ...outcome, error: redact(outcome.error, service.secrets) }
}
