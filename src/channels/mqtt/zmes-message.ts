import type { DecidedAlarm } from '../../decision/decided-alarm.js'
import { topicLevel, type MqttMessage, type QoS } from './mqtt-message.js'

export interface ZmesMessageOptions {
  /** `[mqtt] topic`. */
  readonly topic: string
  /** `[mqtt] retain`. */
  readonly retain: boolean
  /** Herald's `[mqtt] qos` (zmES publishes with 0). */
  readonly qos: QoS
  /** `[hook] keep_frame_match_type`. */
  readonly keepFrameMatchType: boolean
}

/**
 * zmES's MQTT message (spec §10.4, `sendOverMQTTBroker`) for a decided start or end; undefined for
 * an update, which zmES never sends. Keys in the order zmES's documentation shows them (Perl's
 * `encode_json` itself prints a hash in no fixed order, so no subscriber can depend on one).
 *
 *   {"monitor":"3","name":"Front Door:(1234) [a] detected:person:97% Motion All","state":"alarm",
 *    "eventid":"1234","hookvalue":0,"eventtype":"event_start","detection":[]}
 *
 * `name` is `<MonitorName>:(<eid>) <Cause>`, the whole of it prefixed `Ended:` for an end (zmES
 * prefixes the description, not the monitor name). Built from the immutable alarm each time, so
 * there is no `End:End:` (quirk 8).
 */
export function renderZmesMessage (alarm: DecidedAlarm, options: ZmesMessageOptions): MqttMessage | undefined {
  if (alarm.phase !== 'start' && alarm.phase !== 'end') return undefined
  const cause = options.keepFrameMatchType ? alarm.cause : stripFrameMatchType(alarm.cause)
  const description = `${alarm.monitorName}:(${alarm.eventId}) ${cause}`
  const payload = JSON.stringify({
    monitor: alarm.monitorId,
    name: alarm.phase === 'end' ? `Ended:${description}` : description,
    state: 'alarm',
    eventid: alarm.eventId,
    hookvalue: alarm.hookResult,
    eventtype: alarm.phase === 'end' ? 'event_end' : 'event_start',
    detection: alarm.detection
  })
  return { topic: `${options.topic}/${topicLevel(alarm.monitorId)}`, payload, qos: options.qos, retain: options.retain }
}

/**
 * zmES: `substr($Cause, 4) if $Cause =~ /^\[.\]/`, i.e. the bracketed letter and the character after
 * it (the space of `[a] `), whatever that character is.
 */
export function stripFrameMatchType (cause: string): string {
  return /^\[.\]/u.test(cause) ? cause.replace(/^\[.\][^]?/u, '') : cause
}
