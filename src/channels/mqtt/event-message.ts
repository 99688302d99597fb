import type { HeraldEvent, JsonValue } from '../../events/event.js'
import { topicLevel, type MqttMessage } from './mqtt-message.js'

/**
 * Herald's own topic for an event: `<herald_topic>/events/<type>/<camera>`, QoS 1, not retained
 * (an event happened once; a retained one would replay to every new subscriber as if new).
 *
 * The payload is an envelope with the stored event as `data`, verbatim:
 *
 *   {"type":"face_event","id":"4f1…","seq":42,"key":"face_event:4f1…","transition":null,
 *    "camera":"7","received_at":"2026-01-01T00:00:00.000Z","data":{…the event as posted…}}
 *
 * `key` is the idempotency key: delivery is at-least-once, so a subscriber that must not act
 * twice de-duplicates on it. For a decided alarm `data` is the decided alarm (cause, detection and
 * the `decision` record).
 */
export function renderEventMessage (event: HeraldEvent, prefix: string): MqttMessage {
  const camera = cameraOf(event)
  const head = JSON.stringify({
    type: event.type,
    id: event.id,
    seq: event.seq,
    key: event.key,
    transition: event.transition,
    camera: camera ?? null,
    received_at: new Date(event.receivedAt).toISOString()
  })
  // The stored JSON is spliced in as it is: events can be large and are serialised once, at ingest.
  const payload = `${head.slice(0, -1)},"data":${event.json}}`
  return { topic: `${prefix}/events/${event.type}/${camera === undefined ? '_' : topicLevel(camera)}`, payload, qos: 1, retain: false }
}

/**
 * The camera an event is about: its `camera`, an alarm's monitor, an episode's only camera;
 * undefined when there is none (or several).
 */
export function cameraOf (event: HeraldEvent): string | undefined {
  const d = event.data
  const camera = idOf(d.camera)
  if (camera !== undefined) return camera
  if (event.type === 'alarm') return idOf(d.monitor_id)
  const cameras = d.cameras
  if (Array.isArray(cameras) && cameras.length === 1) return idOf(cameras[0])
  return undefined
}

function idOf (value: JsonValue | undefined): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  if (typeof value === 'string' && value !== '') return value
  return undefined
}
