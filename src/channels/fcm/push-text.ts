import type { ZmesConfig } from '../../config/zmes/zmes-schema.js'
import type { DecidedAlarm } from '../../decision/decided-alarm.js'
import type { PushToken } from '../../registry/contract.js'
import { displayCause, pictureSettings, pictureUrl } from '../picture/picture-url.js'
import type { ZonedStrftime } from '../time-format/zoned-strftime.js'
import type { Push, PushStyle } from './push-sender.js'

/**
 * What one token is told about one alarm (spec §10.2), the same for the proxy and direct FCM:
 *  - title `<Monitor> Alarm`, ` (<eid>)` with tag_alarm_event_id, `Ended:` in front for an end;
 *  - body: the cause (frame prefix removed unless keep_frame_match_type), ` ended` for an end,
 *    then ` at ` and the decision time in `date_format`;
 *  - badge: the token's badge + 1.
 * The time is when the alarm was decided, not when the push went out (zmES: "now"): a push
 * retried after an outage still says when it happened, and every retry sends the same text.
 */
export function renderPush (alarm: DecidedAlarm, phase: 'start' | 'end', token: PushToken, config: ZmesConfig, time: ZonedStrftime): Push {
  const end = phase === 'end'
  let title = `${alarm.monitorName} Alarm`
  if (config.customize.tag_alarm_event_id) title += ` (${alarm.eventId})`
  if (end) title = `Ended:${title}`
  const cause = displayCause(alarm.cause, config.hook.keep_frame_match_type)
  const body = `${cause}${end ? ' ended' : ''} at ${time.format(config.fcm.date_format, alarm.decidedAt)}`
  return {
    token: token.token,
    platform: token.platform,
    appversion: token.appversion,
    monitorId: alarm.monitorId,
    eventId: alarm.eventId,
    monitorName: alarm.monitorName,
    phase,
    title,
    body,
    cause,
    badge: token.badge + 1,
    image: pictureUrl(alarm, pictureSettings(config))
  }
}

export function pushStyle (config: ZmesConfig): PushStyle {
  const f = config.fcm
  return {
    replacePushMessages: f.replace_push_messages,
    androidPriority: f.fcm_android_priority,
    androidTtl: f.fcm_android_ttl,
    logMessageId: f.fcm_log_message_id,
    logRawMessage: f.fcm_log_raw_message
  }
}
