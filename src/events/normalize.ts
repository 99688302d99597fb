import { createHash } from 'node:crypto'
import { ValueErrorType } from '@sinclair/typebox/errors'
import type { FieldProblem } from '../errors.js'
import { EVENT_TYPES, isEventType, type EventType, type IncomingEvent, type JsonObject, type Transition } from './event.js'
import { EVENT_CHECKS } from './event-schema.js'
import { MAX_JSON_DEPTH, tooDeepAt } from './json-depth.js'

/** Most problems reported for one item: a hostile payload must not produce a megabyte of errors. */
const MAX_PROBLEMS_PER_ITEM = 20

export type NormalizeResult =
  | { ok: true, event: IncomingEvent }
  | { ok: false, problems: FieldProblem[] }

/**
 * Validates one posted object and turns it into an IncomingEvent. `path` prefixes field names
 * (`/3` for the fourth element of an array body) so a 400 names exactly what was wrong.
 */
export function normalizeEvent (raw: unknown, path = ''): NormalizeResult {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, problems: [{ field: path || '/', message: 'must be an object' }] }
  }
  const obj = raw as Record<string, unknown>
  const type = obj.type
  if (!isEventType(type)) {
    return {
      ok: false,
      problems: [{ field: `${path}/type`, message: `must be one of ${EVENT_TYPES.join(', ')}` }]
    }
  }
  const deep = tooDeepAt(obj, path)
  if (deep !== undefined) {
    return { ok: false, problems: [{ field: deep, message: `nested more than ${MAX_JSON_DEPTH} levels deep` }] }
  }
  const check = EVENT_CHECKS[type]
  if (!check.Check(obj)) {
    const problems: FieldProblem[] = []
    const seen = new Set<string>()
    for (const error of check.Errors(obj)) {
      // A missing required union reports twice (missing, then not matching): name the field once.
      const field = `${path}${error.path || '/'}`
      if (seen.has(field)) continue
      seen.add(field)
      problems.push({ field, message: error.type === ValueErrorType.Union && typeof error.schema.description === 'string' ? `must be ${error.schema.description}` : error.message })
      if (problems.length >= MAX_PROBLEMS_PER_ITEM) break
    }
    return { ok: false, problems }
  }
  const { type: _type, transition: rawTransition, ...rest } = obj
  const data = rest as JsonObject
  const transition = (typeof rawTransition === 'string' ? rawTransition : null) as Transition | null
  const json = JSON.stringify(data)
  const id = eventId(type, data, json)
  return { ok: true, event: { type, id, key: dedupeKey(type, id, transition, data, json), transition, data, json } }
}

function eventId (type: EventType, data: JsonObject, json: string): string {
  if (data.id !== undefined && data.id !== null) return String(data.id)
  // Only alarms may omit `id` (schema-enforced). Their identity is the ZoneMinder event and phase;
  // an update carries new information each time, so identical bytes are the duplicate.
  const base = `${String(data.monitor_id)}/${String(data.event_id)}/${String(data.phase)}`
  if (type === 'alarm' && data.phase === 'update') {
    return `${base}/${createHash('sha1').update(json).digest('hex').slice(0, 16)}`
  }
  return base
}

/**
 * The idempotency key. Recognition events and counter records are notified once per object, so
 * the id alone identifies them. Episodes and area activations are notified repeatedly for the same
 * object as they change, so the key includes what changes between notifications.
 */
export function dedupeKey (type: EventType, id: string, transition: Transition | null, data: JsonObject, json = JSON.stringify(data)): string {
  switch (type) {
    case 'face_event':
    case 'body_event':
    case 'car_event':
    case 'counter_record':
      return `${type}:${id}`
    case 'alarm':
      // A source's own `id` may name the alarm rather than the message: its start and end are
      // still two notifications, and each update a new one.
      if (data.id === undefined || data.id === null) return `${type}:${id}`
      return data.phase === 'update'
        ? `${type}:${id}/update/${createHash('sha1').update(json).digest('hex').slice(0, 16)}`
        : `${type}:${id}/${String(data.phase)}`
    case 'human_episode':
    case 'car_episode':
      return `${type}:${id}:${transition ?? ''}:${String(data.events_count ?? '')}`
    case 'area_activation':
      return `${type}:${id}:${String(data.active ?? '')}:${String(data.duration ?? '')}`
    default: {
      const never: never = type
      throw new Error(`unknown event type ${String(never)}`)
    }
  }
}
