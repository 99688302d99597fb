/** MQTT quality of service: 0 at most once, 1 at least once, 2 exactly once. */
export type QoS = 0 | 1 | 2

/** One PUBLISH, rendered from a stored event; the same bytes on every retry. */
export interface MqttMessage {
  readonly topic: string
  readonly payload: string
  readonly qos: QoS
  readonly retain: boolean
}

/**
 * A value used as one topic level (a monitor or camera id). `/` would add levels and `+`/`#`
 * would make the PUBLISH a protocol error that no retry can fix, so they become `_`, as does an
 * empty value.
 */
export function topicLevel (value: string): string {
  const level = value.replace(/[/+#\u0000]/g, '_')
  return level === '' ? '_' : level
}
