import type { Logger } from 'pino'
import type { ZmesChannel, ZmesConfig } from '../config/zmes/zmes-schema.js'
import type { HeraldEvent, IncomingEvent, JsonObject, JsonValue } from '../events/event.js'
import type { Route } from '../store/store.js'
import { channelRuling } from './channel-routing.js'
import type { MatchInput } from './filters/compile-filters.js'
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
  /** True when the end of this alarm was decided already (an update, or a late start, after the end). */
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
  /** Webhooks with an `alarms` section: filters are applied to the decided alarm's fields. */
  readonly webhooks: (event: MatchInput) => Route[]
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
    const alarm = readAlarm(input)
    const skipped = config.general.skip_monitors.includes(Number(alarm.monitorId))
    const lateStart = alarm.phase === 'start' && input.ended
    const hooked = skipped || alarm.phase === 'update' || lateStart
      ? unhooked(alarm)
      : alarm.phase === 'start' ? await this.#startHook(alarm, config) : await this.#endHook(alarm, input, config)
    if (alarm.phase === 'end' && input.start === undefined) hooked.notices.push('end without a start: decided on its own')
    const startResult = input.start?.hookResult ?? null

    let rules: RulesRecord = { allowed: true, rulesObject: {}, rule: null, reason: 'not evaluated' }
    let blocked: string | undefined
    if (skipped) {
      blocked = 'monitor is in skip_monitors'
    } else if (alarm.phase === 'update' && input.ended) {
      blocked = 'update after the end of the alarm'
    } else if (lateStart) {
      blocked = 'start after the end of the alarm'
    } else if (alarm.phase === 'end' && config.hook.event_end_notify_if_start_success && startResult !== null && startResult !== 0) {
      blocked = `start hook failed (${startResult}) and event_end_notify_if_start_success is on`
    } else {
      rules = this.#o.rules.evaluate({ monitorId: alarm.monitorId, cause: rulesCause(alarm.phase, hooked.cause, input.start?.cause), at: input.now })
      if (!rules.allowed) blocked = `rules: ${rules.reason}`
    }

    const hookResult = hooked.hook?.result ?? 0
    const decided: DecidedAlarm = {
      monitorId: alarm.monitorId,
      monitorName: alarm.name,
      eventId: alarm.eventId,
      phase: alarm.phase,
      cause: hooked.cause,
      notes: hooked.notes,
      detection: hooked.detection,
      hookResult,
      hookConfigured: hooked.configured,
      frameType: frameTypeOf(hooked.hook, hooked.cause, hooked.detection),
      rulesObject: rules.rulesObject,
      eventPath: alarm.eventPath,
      alarmSeq: input.alarm.seq,
      decidedAt: input.now
    }
    const record = (channels: Readonly<Record<string, ChannelVerdict>>): DecisionRecord => ({
      phase: alarm.phase,
      cause: hooked.cause,
      notes: hooked.notes,
      detection: hooked.detection,
      hook: hooked.hook,
      hookConfigured: hooked.configured,
      userscript: hooked.userscript,
      frameType: decided.frameType,
      startHookResult: startResult,
      rules,
      channels,
      alarmSeq: input.alarm.seq,
      decidedAt: input.now
    })
    const updateId = alarm.phase === 'update' ? String(input.alarm.seq) : undefined
    const build = (rec: DecisionRecord): IncomingEvent => {
      const data = encodeDecision(withoutEnvelope(input.alarm.data), rec)
      const id = `${alarm.monitorId}/${alarm.eventId}/${alarm.phase}${updateId !== undefined ? `/${updateId}` : ''}`
      return { type: 'alarm', id, key: decisionKey(alarm.monitorId, alarm.eventId, alarm.phase, updateId), transition: null, data, json: JSON.stringify(data) }
    }

    // Each channel: on at all, then §10.1, then its recipients (per-recipient filters are the channel's).
    const channels: Record<string, ChannelVerdict> = {}
    const routes: Route[] = []
    const facts = { phase: alarm.phase, hookConfigured: hooked.configured, hookResult }
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
    // Webhook filters (cause_regex, labels_in…) see the decided cause and detection.
    const decidedData: JsonObject = { ...withoutEnvelope(input.alarm.data), cause: hooked.cause, detection: hooked.detection }
    if (hooked.notes !== null) decidedData.notes = hooked.notes
    consider('webhooks', true, () => this.#o.webhooks({ type: 'alarm', transition: null, data: decidedData }))

    const final = record(channels)
    const event = build(final)
    if (decidedFromData(event.data) === undefined) throw new Error(`decision of event ${alarm.eventId} of monitor ${alarm.monitorId} does not read back`)
    return { event, alarm: decided, record: final, routes, logLine: describeDecision(decided, final, hooked.notices) }
  }

  /** zmES §9.1 step 1 and §9.3 at the start. */
  async #startHook (alarm: AlarmFacts, config: ZmesConfig): Promise<Hooked> {
    const out = unhooked(alarm)
    const run = await this.#runHook('start', alarm, alarm.cause, out, config)
    if (run === undefined) return out
    if (config.hook.use_hook_description && run.result === 0) {
      // zmES §9.3: Cause = text + ' ' + cause, DetectionJson = the hook's JSON, Notes prefixed.
      out.cause = joinText(run.text, alarm.cause)
      out.detection = run.detection
      out.notes = joinText(run.text, alarm.notes ?? '')
    }
    return out
  }

  /** zmES §9.1 step 3 and §9.3 at the end. */
  async #endHook (alarm: AlarmFacts, input: DecisionInput, config: ZmesConfig): Promise<Hooked> {
    const out = unhooked(alarm)
    // The end hook gets ZoneMinder's Notes; when they lost the start hook's text, zmES prepends it again.
    let endNotes = alarm.notes ?? alarm.cause
    const startText = input.start !== undefined ? startHookText(input.startRecord) : undefined
    if (config.hook.use_hook_description && startText !== undefined && startText !== '' && !endNotes.includes('detected:')) {
      endNotes = joinText(startText, endNotes)
    }
    out.cause = endNotes
    out.notes = alarm.notes === null ? null : endNotes
    const run = await this.#runHook('end', alarm, endNotes, out, config)
    if (run === undefined) return out
    // zmES §9.3: the end cause is the end hook's text. zmES then prepends the same text once more
    // with use_hook_description (quirk 9, the doubled text): Herald writes it once.
    if (run.text !== '') out.cause = run.text
    if (config.hook.use_hook_description && run.result === 0 && run.text.includes('detected:')) {
      out.detection = run.detection
      out.notes = endNotes.includes(run.text) ? endNotes : joinText(run.text, endNotes)
    }
    return out
  }

  /**
   * Runs the phase's hook, if `use_hooks` and the hook are set and the monitor is not skipped,
   * then its userscript; both recorded in `out`. Undefined when no hook ran. `text` is the last
   * argument: the cause for a start, ZoneMinder's notes for an end.
   */
  async #runHook (phase: 'start' | 'end', alarm: AlarmFacts, text: string, out: Hooked, config: ZmesConfig): Promise<HookRun | undefined> {
    const command = config.customize.use_hooks ? nonEmpty(phase === 'start' ? config.hook.event_start_hook : config.hook.event_end_hook) : undefined
    if (command === undefined) return undefined
    out.configured = true
    if (config.hook.hook_skip_monitors.includes(Number(alarm.monitorId))) {
      out.notices.push(`${phase} hook skipped (hook_skip_monitors): success`)
      return undefined
    }
    const options = { passImagePath: config.hook.hook_pass_image_path }
    const invocation = phase === 'start' ? startHookInvocation(command, alarm.context, text, options) : endHookInvocation(command, alarm.context, text, options)
    const run = await this.#o.hooks.run(invocation)
    out.hook = hookRecord(run)
    out.userscript = await this.#userscript(phase, run, alarm.context, config)
    return run
  }

  async #userscript (phase: 'start' | 'end', hook: HookRun, context: HookEventContext, config: ZmesConfig): Promise<HookRecord | null> {
    const command = nonEmpty(phase === 'start' ? config.hook.event_start_hook_notify_userscript : config.hook.event_end_hook_notify_userscript)
    if (command === undefined) return null
    const run = await this.#o.hooks.run(userScriptInvocation(command, phase, hook, context, { passImagePath: config.hook.hook_pass_image_path }))
    return hookRecord(run)
  }
}

/** The raw alarm's fields a decision reads. */
interface AlarmFacts {
  readonly phase: DecidedPhase
  readonly monitorId: string
  readonly eventId: string
  readonly name: string
  readonly cause: string
  readonly notes: string | null
  /** A source may have detected already (Frigate, an analytics engine): it stands unless a hook's replaces it. */
  readonly detection: JsonValue
  readonly eventPath: string | null
  readonly context: HookEventContext
}

/** What the phase's hook made of the alarm. */
interface Hooked {
  cause: string
  notes: string | null
  detection: JsonValue
  hook: HookRecord | null
  userscript: HookRecord | null
  /** `use_hooks` on and the phase's hook set (a hook_skip_monitors monitor counts: its result is 0). */
  configured: boolean
  readonly notices: string[]
}

function readAlarm (input: DecisionInput): AlarmFacts {
  const d = input.alarm.data
  const monitorId = String(d.monitor_id)
  const eventId = String(d.event_id)
  const name = typeof d.monitor_name === 'string' ? d.monitor_name : `Monitor ${monitorId}`
  const eventPath = typeof d.event_path === 'string' ? d.event_path : null
  return {
    phase: d.phase as DecidedPhase,
    monitorId,
    eventId,
    name,
    cause: typeof d.cause === 'string' ? d.cause : typeof d.notes === 'string' ? d.notes : '',
    notes: typeof d.notes === 'string' ? d.notes : null,
    detection: d.detection ?? [],
    eventPath,
    context: { eventId, monitorId, monitorName: name, eventPath }
  }
}

function unhooked (alarm: AlarmFacts): Hooked {
  return { cause: alarm.cause, notes: alarm.notes, detection: alarm.detection, hook: null, userscript: null, configured: false, notices: [] }
}

/** §7: rules match the start cause; for an end, the end's when only that one carries a detection. */
function rulesCause (phase: DecidedPhase, cause: string, startCause: string | undefined): string {
  if (phase !== 'end' || startCause === undefined || startCause === '') return cause
  return !startCause.includes('detected:') && cause.includes('detected:') ? cause : startCause
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

/**
 * `[a] `/`[s] `/`[x] ` of this phase's hook text, else of the cause (spec §10.6 step 5 reads the
 * cause: an end without its own hook carries its start's text), else the detection's `frame_id`
 * (zmES v7).
 */
function frameTypeOf (hook: HookRecord | null, cause: string, detection: JsonValue): FrameType | null {
  if (hook?.frameType != null) return hook.frameType
  const prefix = /^\[([asx])\]/.exec(cause)?.[1]
  if (prefix !== undefined) return prefix === 'a' ? 'alarm' : prefix === 's' ? 'snapshot' : 'other'
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
