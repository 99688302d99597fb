import type { HeraldEvent, JsonValue } from '../../events/event.js'

/** The fields of an `alarm` event the WebSocket channel reads, as zmES names them. */
export interface AlarmView {
  readonly monitorId: string
  readonly eventId: string
  readonly phase: 'start' | 'update' | 'end'
  readonly name: string
  /** The cause as the source gave it (falling back to the notes), before any `End:` prefix. */
  readonly cause: string | null
  readonly detection: JsonValue
}

export interface PictureOptions {
  /** `[customize] include_picture`. */
  readonly include: boolean
  /** `[customize] picture_url`; unset or '' means no picture. */
  readonly url: string | undefined
  readonly username: string | undefined
  readonly password: string | undefined
}

/** Reads an alarm event; undefined for anything that is not a well-formed alarm. */
export function viewAlarm (event: HeraldEvent): AlarmView | undefined {
  if (event.type !== 'alarm') return undefined
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
    detection: d.detection ?? []
  }
}

/**
 * The `alarm` message of spec §4 for one event, as the bytes every recipient gets. Built from the
 * immutable event each time, never by editing a shared object, so no client can see the
 * `End:End:` of zmES's quirk 8. Ids are strings, as in zmES's history; `RulesObject` stays `{}`
 * until the decision module fills it.
 */
export function renderAlarm (alarm: AlarmView, picture: PictureOptions): string {
  const item: Record<string, JsonValue> = {
    Name: alarm.name,
    MonitorId: alarm.monitorId,
    EventId: alarm.eventId,
    Cause: alarm.phase === 'end' ? `End:${alarm.cause ?? ''}` : alarm.cause,
    DetectionJson: alarm.detection,
    RulesObject: {}
  }
  const url = pictureUrl(alarm, picture)
  if (url !== undefined) item.Picture = url
  return JSON.stringify({ event: 'alarm', type: '', status: 'Success', events: [item] })
}

/**
 * zmES v7's websocket `Picture` (spec §10.6 steps 1 and 4): `EVENTID` (and Herald's `MONITORID`)
 * replaced, portal credentials appended so that the client can load the image. The snapshot and
 * BESTMATCH rewrites depend on hook results and arrive with the decision module.
 */
export function pictureUrl (alarm: AlarmView, picture: PictureOptions): string | undefined {
  if (!picture.include || picture.url === undefined || picture.url === '') return undefined
  let url = picture.url.replaceAll('EVENTID', alarm.eventId).replaceAll('MONITORID', alarm.monitorId)
  if (picture.username !== undefined && picture.username !== '') url += `&username=${picture.username}`
  if (picture.password !== undefined && picture.password !== '') url += `&password=${encodeURIComponent(picture.password)}`
  return url
}

function isId (value: unknown): value is string | number {
  return (typeof value === 'string' && value !== '') || (typeof value === 'number' && Number.isFinite(value))
}
