import { Type, type TSchema } from '@sinclair/typebox'
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler'
import type { EventType } from './event.js'

/*
 * Ingest schemas. They type the fields Herald reads (filters, rendering, routing) and let every
 * other FindFace REST field through untouched, so a producer that sends the full REST object keeps
 * working and receivers get it back byte-for-byte in meaning.
 */
/*
 * JSON.parse rounds integers past 2^53, so two different large ids would become one (the second
 * event a "duplicate", the receiver the wrong id). Those must come as strings; a union's
 * `description` is what a 400 says when neither branch fits (normalize.ts).
 */
const SafeInteger = Type.Integer({ minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER })
const Id = Type.Union([Type.String({ minLength: 1, maxLength: 256 }), SafeInteger], {
  description: 'a non-empty string of at most 256 characters, or an integer up to 2^53−1 (send larger ids as strings: JSON numbers past 2^53 lose digits)'
})
const RefId = Type.Union([SafeInteger, Type.String({ maxLength: 256 }), Type.Null()], {
  description: 'an id: an integer up to 2^53−1, a string of at most 256 characters, or null'
})
const IntList = Type.Array(Type.Integer(), { maxItems: 10_000 })
const Url = Type.Union([Type.String({ maxLength: 8192 }), Type.Null()], { description: 'a link (a string of at most 8192 characters) or null' })
const Score = Type.Union([Type.Number(), Type.Null()], { description: 'a number or null' })
const Feature = Type.Object({
  name: Type.Optional(Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()], { description: 'a string, number, boolean or null' })),
  confidence: Type.Optional(Score)
})
const Features = Type.Record(Type.String(), Type.Union([Feature, Type.Null()], { description: 'an object {name, confidence} or null' }))
const open = { additionalProperties: true } as const

const recognitionEvent = Type.Object({
  id: Id,
  created_date: Type.Optional(Type.String({ maxLength: 64 })),
  bs_type: Type.Optional(Type.Union([Type.Literal('overall'), Type.Literal('realtime'), Type.Null()], { description: 'overall, realtime or null' })),
  camera: Type.Optional(RefId),
  camera_group: Type.Optional(RefId),
  matched: Type.Optional(Type.Boolean()),
  matched_card: Type.Optional(RefId),
  matched_lists: Type.Optional(IntList),
  confidence: Type.Optional(Score),
  temperature: Type.Optional(Score),
  liveness: Type.Optional(Score),
  thumbnail: Type.Optional(Url),
  fullframe: Type.Optional(Url),
  features: Type.Optional(Features)
}, open)

const Transition = Type.Union([Type.Literal('episode_open'), Type.Literal('episode_event'), Type.Literal('episode_close')], { description: 'episode_open, episode_event or episode_close' })
const episode = Type.Object({
  id: Id,
  transition: Transition,
  open: Type.Optional(Type.Boolean()),
  events_count: Type.Optional(Type.Integer({ minimum: 0 })),
  cameras: Type.Optional(IntList),
  camera_groups: Type.Optional(IntList),
  matched_lists: Type.Optional(IntList),
  matched_card: Type.Optional(RefId)
}, open)

const counterRecord = Type.Object({
  id: Id,
  counter: Type.Optional(RefId),
  camera: Type.Optional(RefId),
  camera_group: Type.Optional(RefId),
  faces_count: Type.Optional(Type.Integer({ minimum: 0 })),
  silhouettes_count: Type.Optional(Type.Integer({ minimum: 0 })),
  cars_count: Type.Optional(Type.Integer({ minimum: 0 })),
  proximity_min: Type.Optional(Score),
  proximity_avg: Type.Optional(Score),
  proximity_max: Type.Optional(Score),
  thumbnail: Type.Optional(Url),
  fullframe: Type.Optional(Url)
}, open)

const areaActivation = Type.Object({
  id: Id,
  area: Type.Optional(RefId),
  camera: Type.Optional(RefId),
  camera_group: Type.Optional(RefId),
  active: Type.Optional(Type.Boolean()),
  duration: Type.Optional(Type.Number({ minimum: 0 })),
  max_body_count: Type.Optional(Type.Integer({ minimum: 0 }))
}, open)

const DetectionObject = Type.Object({
  labels: Type.Array(Type.String({ maxLength: 256 }), { maxItems: 1000 }),
  scores: Type.Optional(Type.Array(Type.Number(), { maxItems: 1000 })),
  boxes: Type.Optional(Type.Array(Type.Array(Type.Number(), { maxItems: 8 }), { maxItems: 1000 }))
}, open)
const DetectionItem = Type.Object({
  label: Type.String({ maxLength: 256 }),
  score: Type.Optional(Type.Number()),
  confidence: Type.Optional(Type.Union([Type.Number(), Type.String({ maxLength: 32 })], { description: 'a number or a string of at most 32 characters' })),
  box: Type.Optional(Type.Array(Type.Number(), { maxItems: 8 }))
}, open)

const alarm = Type.Object({
  id: Type.Optional(Id),
  monitor_id: Type.Union([Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }), Type.String({ minLength: 1, maxLength: 256 })], { description: 'a monitor id: an integer ≥ 0 up to 2^53−1 or a non-empty string of at most 256 characters' }),
  monitor_name: Type.Optional(Type.String({ maxLength: 1024 })),
  event_id: Type.Union([Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }), Type.String({ minLength: 1, maxLength: 256 })], { description: 'an event id: an integer ≥ 0 up to 2^53−1 or a non-empty string of at most 256 characters' }),
  cause: Type.Optional(Type.String({ maxLength: 8192 })),
  phase: Type.Union([Type.Literal('start'), Type.Literal('update'), Type.Literal('end')], { description: 'start, update or end' }),
  notes: Type.Optional(Type.String({ maxLength: 65_536 })),
  detection: Type.Optional(Type.Union([DetectionObject, Type.Array(DetectionItem, { maxItems: 1000 }), Type.Null()], { description: 'an object {labels, scores, boxes}, a list of at most 1000 detections, or null' }))
}, open)

export const EVENT_SCHEMAS: Readonly<Record<EventType, TSchema>> = Object.freeze({
  face_event: recognitionEvent,
  body_event: recognitionEvent,
  car_event: recognitionEvent,
  human_episode: episode,
  car_episode: episode,
  counter_record: counterRecord,
  area_activation: areaActivation,
  alarm
})

/* Compiled once at load: ingest is the hot path. */
export const EVENT_CHECKS: Readonly<Record<EventType, TypeCheck<TSchema>>> = Object.freeze(
  Object.fromEntries(
    Object.entries(EVENT_SCHEMAS).map(([type, schema]) => [type, TypeCompiler.Compile(schema)])
  ) as Record<EventType, TypeCheck<TSchema>>
)
