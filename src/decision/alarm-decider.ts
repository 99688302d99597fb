import type { Logger } from 'pino'
import type { ZmesChannel, ZmesConfig } from '../config/zmes/zmes-schema.js'
import type { HeraldEvent, IncomingEvent, JsonObject, JsonValue } from '../events/event.js'
import type { Route } from '../store/store.js'
import { channelRuling } from './channel-routing.js'
import { endHookInvocation, startHookInvocation, userScriptInvocation, type HookEventContext, type HookInvocation } from './hooks/hook-invocation.js'
import type { HookRun } from './hooks/hook-run.js'
import {
  decidedFromData,
  encodeDecision,
  type AlarmRecipients,
  type ChannelVerdict,
  type DecidedAlarm,
  type DecidedPhase,
  type DecisionRecord,
  type FrameType,
  type HookRecord,
  type RulesRecord
} from './decided-alarm.js'

/** Runs one hook invocation (HookPool: max_parallel_hooks, queue, timeout); never throws for a hook problem. */
export interface HookRunner {
  run (invocation: HookInvocation): Promise<HookRun>
}

export interface RulesCheck {
  evaluate (input: { readonly monitorId: string, readonly cause: string, readonly at: number }): RulesRecord
}

/** Everything a decision reads about the alarm it decides: the raw alarm and what went before. */
export interface DecisionInput {
  readonly alarm: HeraldEvent
  /** The decision of this alarm's start, for an end or an update. */
  readonly start: DecidedAlarm | undefined
  readonly startRecord: JsonObject | undefined
  /** True when the end of this alarm was decided already (an update after the end). */
  readonly ended: boolean
  readonly now: number
}

export interface Decision {
  /** The decided event to store, with its routes in the same transaction. */
  readonly event: IncomingEvent
  readonly alarm: DecidedAlarm
  readonly record: DecisionRecord
  readonly routes: readonly Route[]
  readonly logLine: string
}

export interface AlarmDeciderOptions {
  readonly config: () => ZmesConfig
  readonly hooks: HookRunner
  readonly rules: RulesCheck
  /** zmES's channels and Herald's targets, by list name. */
  readonly recipients: readonly AlarmRecipients[]
  /** Webhooks with an `alarms` section: filters are applied to the decided event. */
  readonly webhooks: (event: IncomingEvent) => Route[]
  readonly logger: Logger
}

export const DECISION_KEY_PREFIX = 'decision:'

/** The idempotency key of the decision of one phase of one alarm. */
export function decisionKey (monitorId: string, eventId: string, phase: DecidedPhase, updateId?: string): string {
  const base = `${DECISION_KEY_PREFIX}${monitorId}/${eventId}/${phase}`
  return phase === 'update' ? `${base}/${updateId ?? ''}` : base
}

/**
 * The notification decision of zmES §9 for one phase of one alarm, event-driven: the hook runs as
 * soon as the alarm arrives, and the decision is stored the moment the hook (and its userscript)
 * return — no 2-second steps (quirk 16). What was decided, and why each channel was or was not
 * told, is recorded with the decided event and logged on one line.
 */
export class AlarmDecider {
  readonly #o: AlarmDeciderOptions

  constructor (options: AlarmDeciderOptions) {
    this.#o = options
  }

  async decide (input: DecisionInput): Promise<Decision> {
    const config = this.#o.config()
    const d = input.alarm.data
    const phase = d.phase as DecidedPhase
    const monitorId = String(d.monitor_id)
    const eventId = String(d.event_id)
    const name = typeof d.monitor_name === 'string' ? d.monitor_name : `Monitor ${monitorId}`
    const eventPath = typeof d.event_path === 'string' ? d.event_path : null
    const label = `event ${eventId} of monitor ${monitorId}`
    const context: HookEventContext = { eventId, monitorId, monitorName: name, eventPath }
    const pass = { passImagePath: config.hook.hook_pass_image_path }
    const rawCause = typeof d.cause === 'string' ? d.cause : typeof d.notes === 'string' ? d.notes : ''
    const notes = typeof d.notes === 'string' ? d.notes : null

    let cause = rawCause
    let decidedNotes = notes
    // A source may have detected already (Frigate, an analytics engine): its detection stands
    // unless a hook's replaces it.
    let detection: JsonValue = d.detection ?? []
    let hook: HookRecord | null = null
    let userscript: HookRecord | null = null
    let hookConfigured = false
    let hookResult = 0
    const notices: string[] = []
    const skipped = config.general.skip_monitors.includes(Number(monitorId))

    if (phase === 'start' && !skipped) {
      const command = config.customize.use_hooks ? nonEmpty(config.hook.event_start_hook) : undefined
      hookConfigured = command !== undefined
      if (command !== undefined && config.hook.hook_skip_monitors.includes(Number(monitorId))) {
        notices.push('start hook skipped (hook_skip_monitors): success')
      } else if (command !== undefined) {
        const run = await this.#o.hooks.run(startHookInvocation(command, context, rawCause, pass))
        hook = hookRecord(run)
        hookResult = hook.result
        userscript = await this.#userscript('start', run, context, config)
        if (config.hook.use_hook_description && hook.result === 0) {
          // zmES §9.3: Cause = text + ' ' + cause, DetectionJson = the hook's JSON, Notes prefixed.
          cause = joinText(hook.text, rawCause)
          detection = hook.detection
          decidedNotes = joinText(hook.text, notes ?? '')
        }
      }
    } else if (phase === 'end' && !skipped) {
      const command = config.customize.use_hooks ? nonEmpty(config.hook.event_end_hook) : undefined
      hookConfigured = command !== undefined
      // The end hook gets ZoneMinder's Notes; when they lost the start hook's text, zmES prepends it again.
      let endNotes = notes ?? rawCause
      const startText = input.start !== undefined ? startHookText(input.startRecord) : undefined
      if (config.hook.use_hook_description && startText !== undefined && startText !== '' && !endNotes.includes('detected:')) {
        endNotes = joinText(startText, endNotes)
      }
      cause = endNotes
      decidedNotes = notes === null ? null : endNotes
      if (command !== undefined && config.hook.hook_skip_monitors.includes(Number(monitorId))) {
        notices.push('end hook skipped (hook_skip_monitors): success')
      } else if (command !== undefined) {
        const run = await this.#o.hooks.run(endHookInvocation(command, context, endNotes, pass))
        hook = hookRecord(run)
        hookResult = hook.result
        userscript = await this.#userscript('end', run, context, config)
        // zmES §9.3: the end cause is the end hook's text. zmES then prepends the same text once
        // more with use_hook_description (quirk 9, the doubled text): Herald writes it once.
        if (hook.text !== '') cause = hook.text
        if (config.hook.use_hook_description && hook.result === 0 && hook.text.includes('detected:')) {
          detection = hook.detection
          decidedNotes = endNotes.includes(hook.text) ? endNotes : joinText(hook.text, endNotes)
        }
      }
      if (input.start === undefined) notices.push('end without a start: decided on its own')
    }

    const frameType = frameTypeOf(hook, detection)
    const startResult = input.start?.hookResult ?? null
    const alarm: DecidedAlarm = {
      monitorId,
      monitorName: name,
      eventId,
      phase,
      cause,
      notes: decidedNotes,
      detection,
      hookResult,
      hookConfigured,
      frameType,
      rulesObject: {},
      eventPath,
      alarmSeq: input.alarm.seq,
      decidedAt: input.now
    }

    // Rules see the start cause; for an end, the end's if only that one carries a detection (§7).
    let rules: RulesRecord = { allowed: true, rulesObject: {}, rule: null, reason: 'not evaluated' }
    let blocked: string | undefined
    if (skipped) {
      blocked = 'monitor is in skip_monitors'
    } else if (phase === 'update' && input.ended) {
      blocked = 'update after the end of the alarm'
    } else if (phase === 'end' && config.hook.event_end_notify_if_start_success && startResult !== null && startResult !== 0) {
      blocked = `start hook failed (${startResult}) and event_end_notify_if_start_success is on`
    } else {
      let rulesCause = cause
      if (phase === 'end') {
        const startCause = input.start?.cause ?? ''
        rulesCause = startCause.includes('detected:') || !cause.includes('detected:') ? (startCause === '' ? cause : startCause) : cause
      }
      rules = this.#o.rules.evaluate({ monitorId, cause: rulesCause, at: input.now })
      if (!rules.allowed) blocked = `rules: ${rules.reason}`
    }
    const decided: DecidedAlarm = { ...alarm, rulesObject: rules.rulesObject }

    // Each channel: on at all, then §10.1, then its recipients (per-recipient filters are the channel's).
    const channels: Record<string, ChannelVerdict> = {}
    const routes: Route[] = []
    const facts = { phase, hookConfigured, hookResult }
    const consider = (name: ZmesChannel, enabled: boolean, recipients: () => readonly Route[]): void => {
      if (!enabled) { channels[name] = { told: false, reason: 'disabled', recipients: 0 }; return }
      if (blocked !== undefined) { channels[name] = { told: false, reason: blocked, recipients: 0 }; return }
      const ruling = channelRuling(name, facts, config)
      if (!ruling.allowed) { channels[name] = { told: false, reason: ruling.reason, recipients: 0 }; return }
      const chosen = recipients()
      routes.push(...chosen)
      channels[name] = chosen.length > 0
        ? { told: true, reason: ruling.reason, recipients: chosen.length }
        : { told: false, reason: `${ruling.reason}, but no recipient wants it`, recipients: 0 }
    }
    for (const r of this.#o.recipients) consider(r.channel, r.enabled(), () => r.routes(decided, input.now))
    const updateId = phase === 'update' ? input.alarm.id : undefined
    const id = `${monitorId}/${eventId}/${phase}${updateId !== undefined ? `/${updateId}` : ''}`
    const key = decisionKey(monitorId, eventId, phase, updateId)
    const build = (rec: DecisionRecord): IncomingEvent => {
      const data = encodeDecision(withoutEnvelope(d), rec)
      return { type: 'alarm', id, key, transition: null, data, json: JSON.stringify(data) }
    }
    // Webhook filters (cause_regex, labels_in…) see the decided cause and detection.
    const draft: DecisionRecord = { phase, cause, notes: decidedNotes, detection, hook, hookConfigured, userscript, frameType, startHookResult: startResult, rules, channels: {}, alarmSeq: input.alarm.seq, decidedAt: input.now }
    const forWebhooks = build(draft)
    consider('webhooks', true, () => this.#o.webhooks(forWebhooks))

    const record: DecisionRecord = {
      phase,
      cause,
      notes: decidedNotes,
      detection,
      hook,
      hookConfigured,
      userscript,
      frameType,
      startHookResult: startResult,
      rules,
      channels,
      alarmSeq: input.alarm.seq,
      decidedAt: input.now
    }
    const event = build(record)
    if (decidedFromData(event.data) === undefined) throw new Error(`decision of ${label} does not read back`)
    return { event, alarm: decided, record, routes, logLine: describeDecision(decided, record, notices) }
  }

  async #userscript (phase: 'start' | 'end', hook: HookRun, context: HookEventContext, config: ZmesConfig): Promise<HookRecord | null> {
    const command = nonEmpty(phase === 'start' ? config.hook.event_start_hook_notify_userscript : config.hook.event_end_hook_notify_userscript)
    if (command === undefined) return null
    const run = await this.#o.hooks.run(userScriptInvocation(command, phase, hook, context, { passImagePath: config.hook.hook_pass_image_path }))
    return hookRecord(run)
  }
}

function hookRecord (run: HookRun): HookRecord {
  // A hook killed because Herald is closing says nothing about the alarm: the decision is not
  // stored, and the alarm is decided again after the restart.
  if (run.aborted || run.skipped === 'shutting down') throw new Error('Herald is shutting down: decision postponed')
  return {
    command: run.command,
    result: run.result,
    text: run.text,
    detection: run.detection,
    frameType: run.frameType,
    timedOut: run.timedOut,
    skipped: run.skipped,
    durationMs: Math.round(run.durationMs)
  }
}

function nonEmpty (value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' || value.trim() === '0' ? undefined : value
}

/** zmES joins `text . ' ' . cause`; zm_detect's text ends in a blank, which is not doubled here. */
function joinText (text: string, rest: string): string {
  const head = text.trimEnd()
  return rest === '' ? head : `${head} ${rest}`
}

function startHookText (record: JsonObject | undefined): string | undefined {
  const decision = record?.decision
  if (decision === null || typeof decision !== 'object' || Array.isArray(decision)) return undefined
  const hook = decision.hook
  if (hook === null || typeof hook !== 'object' || Array.isArray(hook)) return undefined
  return hook.result === 0 && typeof hook.text === 'string' ? hook.text : undefined
}

/** `[a] `/`[s] `/`[x] ` of the hook text, else the detection's `frame_id` (zmES v7). */
function frameTypeOf (hook: HookRecord | null, detection: JsonValue): FrameType | null {
  if (hook?.frameType != null) return hook.frameType
  if (detection !== null && typeof detection === 'object' && !Array.isArray(detection)) {
    const id = detection.frame_id
    if (id === 'alarm' || id === 'snapshot') return id
    if (typeof id === 'number' || (typeof id === 'string' && /^\d+$/.test(id))) return 'other'
  }
  return null
}

function withoutEnvelope (data: Readonly<JsonObject>): JsonObject {
  const { decision: _previous, ...rest } = data
  return rest
}

/** One line that says why each channel was or was not told. */
export function describeDecision (alarm: DecidedAlarm, record: DecisionRecord, notices: readonly string[]): string {
  const parts: string[] = [`decision: monitor ${alarm.monitorId} event ${alarm.eventId} ${alarm.phase}`]
  if (record.hook !== null) {
    const h = record.hook
    const how = h.skipped !== null ? `not run (${h.skipped})` : h.timedOut ? 'timed out, killed' : `exit ${h.result}`
    parts.push(`hook ${how} ${JSON.stringify(h.text.slice(0, 120))} in ${h.durationMs} ms`)
  } else {
    parts.push('no hook')
  }
  for (const n of notices) parts.push(n)
  parts.push(`rules: ${record.rules.allowed ? 'allowed' : 'muted'} (${record.rules.reason})`)
  for (const [name, v] of Object.entries(record.channels)) {
    parts.push(v.told ? `${name}: told ${v.recipients} (${v.reason})` : `${name}: not told (${v.reason})`)
  }
  return parts.join('; ')
}
