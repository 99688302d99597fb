import type { ZmesConfig } from '../../config/zmes/zmes-schema.js'
import type { DecidedAlarm } from '../../decision/decided-alarm.js'

/*
 * The picture link of pushes and websocket alarms (`[customize] picture_url`, spec §10.6), built
 * from a decided alarm the way zmES 6.1.29's sendOverFCMV1 builds it, with two differences on
 * purpose: Herald also replaces `MONITORID`, and BESTMATCH is resolved before the portal
 * credentials are appended (zmES replaced it after, so a password spelling BESTMATCH was changed).
 */

/** The picture settings of `[customize]`. */
export interface PictureSettings {
  /** `include_picture`. */
  readonly include: boolean
  /** `picture_url`; unset or '' means no picture. */
  readonly url: string | undefined
  readonly username: string | undefined
  readonly password: string | undefined
  /**
   * A start hook is set and hooks are on (zmES: `$event_start_hook && $use_hooks`): only then can
   * an `objdetect_xxx` animation exist, for the start and for the end of the event alike.
   */
  readonly startHook: boolean
}

/** What of a decided alarm the link depends on. */
export type PictureAlarm = Pick<DecidedAlarm, 'eventId' | 'monitorId' | 'hookResult' | 'frameType'>

export function pictureSettings (config: ZmesConfig): PictureSettings {
  const c = config.customize
  const startHook = c.use_hooks && config.hook.event_start_hook !== undefined && config.hook.event_start_hook !== ''
  return { include: c.include_picture, url: c.picture_url, username: c.picture_portal_username, password: c.picture_portal_password, startHook }
}

/**
 * The link for one alarm, or undefined when `include_picture` is off or `picture_url` unset.
 * Steps of §10.6 in zmES's order:
 *  1. `EVENTID` (and `MONITORID`) replaced;
 *  2. hook result 1 (the hook said "nothing found"): `objdetect` and `objdetect_xxx` → `snapshot`,
 *     there is no objdetect image to show;
 *  3. no start hook, or hooks off: only the suffixed `objdetect_xxx` → `snapshot` (no animation
 *     was made; an end without its own hook still shows the one its start made); a plain
 *     `objdetect` stays;
 *  4. BESTMATCH → `alarm` or `snapshot` by the frame the hook matched (its `[a]`/`[s]` prefix, in
 *     the cause too when the end carries the start's text); `[x]` or none leaves it;
 *  5. `&username=` as written and `&password=` URI-escaped, when set.
 * `_xxx` is three characters, as zmES's `objdetect(_...)`.
 */
export function pictureUrl (alarm: PictureAlarm, settings: PictureSettings): string | undefined {
  if (!settings.include || settings.url === undefined || settings.url === '') return undefined
  let url = settings.url.replaceAll('EVENTID', alarm.eventId).replaceAll('MONITORID', alarm.monitorId)
  if (alarm.hookResult === 1) url = url.replace(/objdetect(?:_.{3})?/g, 'snapshot')
  if (!settings.startHook) url = url.replace(/objdetect_.{3}/g, 'snapshot')
  if (alarm.frameType === 'alarm') url = url.replaceAll('BESTMATCH', 'alarm')
  else if (alarm.frameType === 'snapshot') url = url.replaceAll('BESTMATCH', 'snapshot')
  if (settings.username !== undefined && settings.username !== '') url += `&username=${settings.username}`
  if (settings.password !== undefined && settings.password !== '') url += `&password=${uriEscape(settings.password)}`
  return url
}

/** Perl URI::Escape's uri_escape: everything but `A-Za-z0-9-._~` is escaped (encodeURIComponent keeps `!'()*`). */
export function uriEscape (value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/*
 * Query values that are credentials. zmES masked `pass=` and `password=`; ZoneMinder links also
 * carry `token=` and `auth=` (its login hash), and the others are there for links users paste.
 */
const SECRET_PARAM = /([?&;]|^)(password|pass|token|auth|access_token|api_key|apikey|key)=([^&#\s"'}]*)/gi

/** A link (or any text holding one, such as a JSON body) fit for a log line: credential values become `xxx`. */
export function maskPassword (text: string): string {
  return text.replace(SECRET_PARAM, (_whole, lead: string, name: string) => `${lead}${name}=xxx`)
}

/*
 * `[a] `, `[s] ` or `[x] `: the frame the hook matched, written in front of its text. zmES strips
 * any one character in brackets for websocket and MQTT (`/^\[.\]/`), so this does too.
 */
const FRAME_PREFIX = /^\[.\]/

/**
 * The cause as pushes show it: with `keep_frame_match_type` off, the 4-character frame prefix
 * (`[a] `) is removed, as zmES removes it.
 */
export function displayCause (cause: string, keepFrameMatchType: boolean): string {
  return !keepFrameMatchType && FRAME_PREFIX.test(cause) ? cause.slice(4) : cause
}
