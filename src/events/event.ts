/**
 * The one event model every source feeds. An event is immutable once ingested: channels render
 * their own payloads from it and never change it.
 */
export const EVENT_TYPES = [
  'face_event',
  'body_event',
  'car_event',
  'human_episode',
  'car_episode',
  'counter_record',
  'area_activation',
  'alarm'
] as const
export type EventType = typeof EVENT_TYPES[number]

/** Filter sections: FindFace's seven plus Herald's own `alarms`. */
export const SECTIONS = [
  'face_events',
  'body_events',
  'car_events',
  'human_episodes',
  'car_episodes',
  'counters',
  'areas',
  'alarms'
] as const
export type Section = typeof SECTIONS[number]

export const SECTION_OF: Readonly<Record<EventType, Section>> = Object.freeze({
  face_event: 'face_events',
  body_event: 'body_events',
  car_event: 'car_events',
  human_episode: 'human_episodes',
  car_episode: 'car_episodes',
  counter_record: 'counters',
  area_activation: 'areas',
  alarm: 'alarms'
})

export const TRANSITIONS = ['episode_open', 'episode_event', 'episode_close'] as const
export type Transition = typeof TRANSITIONS[number]

export const ALARM_PHASES = ['start', 'update', 'end'] as const
export type AlarmPhase = typeof ALARM_PHASES[number]

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }
export type JsonObject = { [key: string]: JsonValue }

export interface HeraldEvent {
  /** Store sequence number: the order Herald received events in. */
  readonly seq: number
  readonly type: EventType
  /** The object's own id as posted (FindFace ids are strings for events, integers for the rest). */
  readonly id: string
  /** Idempotency key: the same key posted twice is stored and delivered once. */
  readonly key: string
  readonly transition: Transition | null
  /** The object as posted, without Herald's envelope keys (`type`, `transition`). */
  readonly data: Readonly<JsonObject>
  /** The same object serialised once, so channels can send it without re-serialising. */
  readonly json: string
  /** Milliseconds since the epoch when Herald stored it. */
  readonly receivedAt: number
}

/** An accepted, validated event before it has a sequence number. */
export interface IncomingEvent {
  readonly type: EventType
  readonly id: string
  readonly key: string
  readonly transition: Transition | null
  readonly data: Readonly<JsonObject>
  readonly json: string
}

export function isEventType (value: unknown): value is EventType {
  return typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value)
}
