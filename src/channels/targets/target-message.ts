import type { DecidedAlarm } from '../../decision/decided-alarm.js'
import { displayCause } from '../picture/picture-url.js'

/** What every push target says about one alarm; each service lays it out its own way. */
export interface TargetMessage {
  /** `<monitor name> Alarm (<event id>)`, `Ended: …` for an end. */
  readonly title: string
  /** The decided cause, `… ended` for an end. */
  readonly body: string
  /** es_rules `critical_notify`: each service's high or urgent priority. */
  readonly critical: boolean
  /** The alarm's end rather than its start. */
  readonly ended: boolean
  /** The event's picture, also the link a click opens. */
  readonly pictureUrl: string | undefined
  readonly monitorId: string
  readonly eventId: string
  /** When the alarm was decided (ms since the epoch). */
  readonly at: number
}

/**
 * The zmES FCM wording (spec §10.2), so a notification reads the same on every channel:
 * title `Front Door Alarm (1234)`, body the cause; an end gets `Ended: ` and ` ended`.
 */
export function renderTargetMessage (alarm: DecidedAlarm, pictureUrl: string | undefined, keepFrameMatchType: boolean): TargetMessage {
  const end = alarm.phase === 'end'
  const title = `${end ? 'Ended: ' : ''}${alarm.monitorName} Alarm (${alarm.eventId})`
  // The words FCM shows: with keep_frame_match_type off, without the hook's `[a] ` prefix.
  const shown = displayCause(alarm.cause, keepFrameMatchType)
  const cause = shown.trim() === '' ? 'Alarm' : shown
  return {
    title,
    body: end ? `${cause} ended` : cause,
    critical: alarm.rulesObject.notification_type === 'critical',
    ended: end,
    pictureUrl: pictureUrl === undefined || pictureUrl === '' ? undefined : pictureUrl,
    monitorId: alarm.monitorId,
    eventId: alarm.eventId,
    at: alarm.decidedAt
  }
}

/** Cuts text to a service's limit, marking the cut. */
export function truncate (text: string, max: number): string {
  if (text.length <= max) return text
  return `${text.slice(0, Math.max(0, max - 1))}…`
}

/** For HTML bodies (Telegram, e-mail): the five characters HTML gives meaning to. */
export function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c] as string)
}

const HTML_ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }
