import type { HeraldEvent, JsonObject, JsonValue } from '../events/event.js'
import type { ZmesChannel } from '../config/zmes/zmes-schema.js'
import type { Route } from '../store/store.js'

/*
 * What a decision hands to the channels. A decision is stored as an event of its own (type
 * `alarm`, key `<alarm key>#decided`), with the alarm as posted, its cause, notes and detection
 * replaced by the decided ones, and a `decision` object that records how it was decided. Channels
 * render their payloads from it and never from the raw alarm, so every channel sees the same
 * hook text, detection and rules verdict, and a crash between a hook and the store write re-runs
 * the decision instead of notifying twice (the key makes the second write a duplicate).
 */

export type FrameType = 'alarm' | 'snapshot' | 'other'
export type DecidedPhase = 'start' | 'update' | 'end'

/** One hook run, as recorded with the decision. */
export interface HookRecord {
  /** The configured command string (never the arguments: they may hold secrets of a name). */
  readonly command: string
  /** 0 = success; zmES's `hookvalue`. */
  readonly result: number
  readonly text: string
  readonly detection: JsonValue
  readonly frameType: FrameType | null
  readonly timedOut: boolean
  /** Set when the hook was not run at all (queue full, shutting down). */
  readonly skipped: string | null
  readonly durationMs: number
}

export interface RulesRecord {
  readonly allowed: boolean
  /** zmES RulesObject: `{}` or `{ notification_type: 'critical' }`. */
  readonly rulesObject: Readonly<Record<string, string>>
  readonly rule: number | null
  readonly reason: string
}

/** Why a channel was or was not told, for the decision log line and the event view. */
export interface ChannelVerdict {
  readonly told: boolean
  readonly reason: string
  /** Recipients queued (tokens, targets, webhooks, the web clients' lane). */
  readonly recipients: number
}

/** The decided alarm as channels read it. */
export interface DecidedAlarm {
  readonly monitorId: string
  readonly monitorName: string
  readonly eventId: string
  readonly phase: DecidedPhase
  /** The decided cause (hook text prefixed per `use_hook_description`), without any `End:` prefix. */
  readonly cause: string
  readonly notes: string | null
  /** `[]` when there is none. */
  readonly detection: JsonValue
  /** The relevant hook's result (start hook for starts, end hook for ends); 0 when no hook ran. */
  readonly hookResult: number
  /** True when `use_hooks` is on and the phase's hook is configured (picture URL §10.6 step 3). */
  readonly hookConfigured: boolean
  /** `[a] `/`[s] `/`[x] ` of the hook text, or the detection's `frame_id`. */
  readonly frameType: FrameType | null
  readonly rulesObject: Readonly<Record<string, string>>
  /** The ZoneMinder event folder, when the source knows it. */
  readonly eventPath: string | null
  /** Store sequence number of the raw alarm this decision is about. */
  readonly alarmSeq: number
  readonly decidedAt: number
}

/**
 * A channel that decisions can route alarms to. `routes` runs inside the store transaction that
 * records the decision: synchronous, no I/O. Per-recipient filters (monlist, escontrol state,
 * intlist throttle, pushstate, one notification per token per event) belong here or in deliver().
 */
export interface AlarmRecipients {
  /** The name `*_notify_on_hook_*` lists use for this channel. */
  readonly channel: ZmesChannel
  /** Whether the channel is on at all (`[mqtt] enable`, `[push] use_api_push`, …). */
  enabled (): boolean
  routes (alarm: DecidedAlarm, now: number): readonly Route[]
}

export const DECIDED_SUFFIX = '#decided'

/** Reads a decided alarm; undefined for a raw alarm or anything else. */
export function readDecidedAlarm (event: HeraldEvent): DecidedAlarm | undefined {
  if (event.type !== 'alarm') return undefined
  return decidedFromData(event.data)
}

export function decidedFromData (d: Readonly<JsonObject>): DecidedAlarm | undefined {
  const decision = d.decision
  if (decision === null || typeof decision !== 'object' || Array.isArray(decision)) return undefined
  const phase = d.phase
  if (phase !== 'start' && phase !== 'update' && phase !== 'end') return undefined
  const monitorId = String(d.monitor_id)
  const rules = objectOf(decision.rules)
  const hook = objectOf(decision.hook)
  return {
    monitorId,
    monitorName: typeof d.monitor_name === 'string' ? d.monitor_name : `Monitor ${monitorId}`,
    eventId: String(d.event_id),
    phase,
    cause: typeof d.cause === 'string' ? d.cause : '',
    notes: typeof d.notes === 'string' ? d.notes : null,
    detection: d.detection ?? [],
    hookResult: typeof hook?.result === 'number' ? hook.result : 0,
    hookConfigured: decision.hook_configured === true,
    frameType: isFrameType(decision.frame_type) ? decision.frame_type : null,
    rulesObject: stringRecord(rules?.rules_object),
    eventPath: typeof d.event_path === 'string' ? d.event_path : null,
    alarmSeq: typeof decision.alarm_seq === 'number' ? decision.alarm_seq : 0,
    decidedAt: typeof decision.decided_at === 'number' ? decision.decided_at : 0
  }
}

function objectOf (value: JsonValue | undefined): { readonly [key: string]: JsonValue } | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : undefined
}

function stringRecord (value: JsonValue | undefined): Readonly<Record<string, string>> {
  const o = objectOf(value)
  if (o === undefined) return {}
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(o)) if (typeof v === 'string') out[k] = v
  return out
}

function isFrameType (value: JsonValue | undefined): value is FrameType {
  return value === 'alarm' || value === 'snapshot' || value === 'other'
}

export interface DecisionRecord {
  readonly phase: DecidedPhase
  readonly cause: string
  readonly notes: string | null
  readonly detection: JsonValue
  readonly hook: HookRecord | null
  readonly hookConfigured: boolean
  readonly userscript: HookRecord | null
  readonly frameType: FrameType | null
  /** For an end: the start hook's result (null when the start was never decided). */
  readonly startHookResult: number | null
  readonly rules: RulesRecord
  readonly channels: Readonly<Record<string, ChannelVerdict>>
  readonly alarmSeq: number
  readonly decidedAt: number
}

/** The data of the decided event: the alarm as posted, with the decided cause, notes and detection. */
export function encodeDecision (alarm: Readonly<JsonObject>, record: DecisionRecord): JsonObject {
  const channels: JsonObject = {}
  for (const [name, v] of Object.entries(record.channels)) channels[name] = { told: v.told, reason: v.reason, recipients: v.recipients }
  return {
    ...alarm,
    cause: record.cause,
    ...(record.notes !== null ? { notes: record.notes } : {}),
    detection: record.detection,
    decision: {
      phase: record.phase,
      hook: record.hook === null ? null : hookJson(record.hook),
      userscript: record.userscript === null ? null : hookJson(record.userscript),
      hook_configured: record.hookConfigured,
      frame_type: record.frameType,
      start_hook_result: record.startHookResult,
      rules: { allowed: record.rules.allowed, rules_object: { ...record.rules.rulesObject }, rule: record.rules.rule, reason: record.rules.reason },
      channels,
      alarm_seq: record.alarmSeq,
      decided_at: record.decidedAt
    }
  }
}

function hookJson (h: HookRecord): JsonObject {
  return {
    command: h.command,
    result: h.result,
    text: h.text,
    detection: h.detection,
    frame_type: h.frameType,
    timed_out: h.timedOut,
    skipped: h.skipped,
    duration_ms: h.durationMs
  }
}
