import type { HeraldEvent, JsonValue } from '../../events/event.js'
import { readDecidedAlarm, type DecidedAlarm, type FrameType } from '../../decision/decided-alarm.js'
import { displayCause, pictureUrl, type PictureSettings } from '../picture/picture-url.js'

/** The fields of an `alarm` event the WebSocket channel reads, as zmES names them. */
export interface AlarmView {
  readonly monitorId: string
  readonly eventId: string
  readonly phase: 'start' | 'update' | 'end'
  readonly name: string
  /** The cause as the source gave it (falling back to the notes), before any `End:` prefix. */
  readonly cause: string | null
  readonly detection: JsonValue
  /** es_rules' RulesObject: `{}` or `{ notification_type: 'critical' }`. */
  readonly rulesObject: Readonly<Record<string, string>>
  /** When the decision was made (the throttle clock), undefined for an undecided alarm. */
  readonly decidedAt: number | undefined
  readonly hookResult: number
  readonly hookConfigured: boolean
  readonly frameType: FrameType | null
}

/**
 * Reads a decided alarm, or a raw one (queued for the web channel by a Herald from before the
 * decision module); undefined for anything that is not a well-formed alarm.
 */
export function viewAlarm (event: HeraldEvent): AlarmView | undefined {
  if (event.type !== 'alarm') return undefined
  const decided = readDecidedAlarm(event)
  if (decided !== undefined) return viewDecided(decided)
  const d = event.data
  const phase = d.phase
  if (phase !== 'start' && phase !== 'update' && phase !== 'end') return undefined
  if (!isId(d.monitor_id) || !isId(d.event_id)) return undefined
  const monitorId = String(d.monitor_id)
  // zmES's End.Cause is ZoneMinder's Events.Notes; a source that only sends notes gets the same.
  const cause = typeof d.cause === 'string' ? d.cause : typeof d.notes === 'string' ? d.notes : null
  return {
    monitorId,
    eventId: String(d.event_id),
    phase,
    name: typeof d.monitor_name === 'string' ? d.monitor_name : `Monitor ${monitorId}`,
    cause,
    detection: d.detection ?? [],
    rulesObject: {},
    decidedAt: undefined,
    hookResult: 0,
    hookConfigured: false,
    frameType: null
  }
}

/** The view of an alarm the decision has read already (the FCM channel hands these over). */
export function viewDecided (decided: DecidedAlarm): AlarmView {
  return {
    monitorId: decided.monitorId,
    eventId: decided.eventId,
    phase: decided.phase,
    name: decided.monitorName,
    cause: decided.cause,
    detection: decided.detection,
    rulesObject: decided.rulesObject,
    decidedAt: decided.decidedAt,
    hookResult: decided.hookResult,
    hookConfigured: decided.hookConfigured,
    frameType: decided.frameType
  }
}

/**
 * The `alarm` message of spec §4 for one event, as the bytes every recipient gets. Built from the
 * immutable event each time, never by editing a shared object, so no client can see the
 * `End:End:` of zmES's quirk 8. Ids are strings, as in zmES's history; `RulesObject` is the
 * es_rules verdict of the decision; `Picture` (zmES v7) is the §10.6 link.
 *
 * `supplementary` makes it the copy zmES sends to the open socket of a phone it has just pushed
 * to: zmNinja lists it but plays no sound and leaves its counter alone, since the push did that.
 */
export function renderAlarm (alarm: AlarmView, picture: PictureSettings, keepFrameMatchType = true, supplementary = false): string {
  const cause = alarm.cause === null ? null : displayCause(alarm.cause, keepFrameMatchType)
  const item: Record<string, JsonValue> = {
    Name: alarm.name,
    MonitorId: alarm.monitorId,
    EventId: alarm.eventId,
    Cause: alarm.phase === 'end' ? `End:${cause ?? ''}` : cause,
    DetectionJson: alarm.detection,
    RulesObject: { ...alarm.rulesObject }
  }
  const url = pictureUrl(alarm, picture)
  if (url !== undefined) item.Picture = url
  // zmES sends the flag as the string "true", and zmNinja compares it with that string.
  return JSON.stringify({ event: 'alarm', type: '', status: 'Success', ...(supplementary ? { supplementary: 'true' } : {}), events: [item] })
}

function isId (value: unknown): value is string | number {
  return (typeof value === 'string' && value !== '') || (typeof value === 'number' && Number.isFinite(value))
}
