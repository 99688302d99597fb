import { Type, type TObject } from '@sinclair/typebox'
import { EVENT_TYPES, TRANSITIONS, type EventType } from '../../events/event.js'
import { EVENT_SCHEMAS } from '../../events/event-schema.js'
import { MAX_JSON_DEPTH } from '../../events/json-depth.js'
import { docComponent, type DocComponent } from './doc-component.js'
import { DateTime, Nullable, StringEnum } from './doc-types.js'
import { ADMIN_ERRORS, BODY_ERRORS, errorAnswer, errorAnswers } from './error-docs.js'
import type { RouteDocs } from './route-docs.js'

/* Events: what POST /api/v1/events takes (src/events/event-schema.ts) and GET /api/v1/events/{seq} shows. */

function componentName (type: EventType): string {
  return type.split('_').map((word) => `${word.charAt(0).toUpperCase()}${word.slice(1)}`).join('')
}

/**
 * One ingested event of each type: the schema ingest checks, with the `type` that selects it.
 * Every other FindFace REST field is accepted and passed on as sent.
 */
const EVENT_INPUTS: ReadonlyArray<readonly [EventType, DocComponent]> = EVENT_TYPES.map((type) => {
  const checked = EVENT_SCHEMAS[type] as TObject
  return [type, docComponent(componentName(type), Type.Object({
    type: Type.Literal(type),
    ...checked.properties
  }, {
    additionalProperties: true,
    description: `${/^[aeiou]/.test(type) ? 'An' : 'A'} ${type}: the fields Herald reads are typed, any other field is kept and passed on as sent. At most ${MAX_JSON_DEPTH} levels deep.`
  }))] as const
})

export const eventInputs: readonly DocComponent[] = EVENT_INPUTS.map(([, component]) => component)

const INGEST_ITEM = Type.Unsafe({
  oneOf: eventInputs.map((c) => c.ref()),
  discriminator: { propertyName: 'type', mapping: Object.fromEntries(EVENT_INPUTS.map(([type, component]) => [type, component.pointer])) }
})

const INGEST_ANSWER = Type.Object({
  accepted: Type.Integer({ minimum: 0, description: 'Events stored by this request.' }),
  duplicates: Type.Integer({ minimum: 0, description: 'Events whose idempotency key Herald had stored already: not stored or delivered again.' }),
  events: Type.Array(Type.Object({
    type: StringEnum(EVENT_TYPES),
    id: Type.String({ description: 'The event\'s id, as a string.' }),
    seq: Type.Integer({ description: 'Its store sequence number (the first one\'s for a duplicate): GET /api/v1/events/{seq}.' }),
    duplicate: Type.Boolean(),
    deliveries: Type.Integer({ minimum: 0, description: 'Deliveries queued for it (webhooks, channels); 0 for a duplicate.' })
  }), { description: 'One entry per posted event, in order.' })
}, { description: 'Stored durably; delivery follows.' })

/** `POST /api/v1/events`; `maxEvents` is the most one request may carry. */
export function ingestDocs (maxEvents: number): RouteDocs {
  return {
    body: Type.Union([
      INGEST_ITEM,
      Type.Array(INGEST_ITEM, { minItems: 1, maxItems: maxEvents, description: `Up to ${maxEvents} events, accepted or refused as a whole.` })
    ], { description: 'One event or an array of events. `type` selects the schema.' }),
    response: {
      202: INGEST_ANSWER,
      400: errorAnswer('HRD_ERR_VALIDATION: an event is wrong, named by JSON pointer (`/0/camera`); nothing of the request is stored. HRD_ERR_API_BAD_JSON: the body is not JSON.'),
      401: errorAnswer('HRD_ERR_AUTH_MISSING: no `Authorization: Token <token>` (or `Bearer`) header.'),
      403: errorAnswer('HRD_ERR_AUTH_INVALID: the token is neither the admin token nor `[http] ingest_token`.'),
      ...errorAnswers(413, 415)
    }
  }
}

const HOOK_RUN = Nullable(Type.Object({
  command: Type.String({ description: 'The configured command (its arguments are not recorded).' }),
  result: Type.Integer({ description: 'Exit status; 0 = success.' }),
  text: Type.String(),
  detection: Type.Unknown(),
  frame_type: Nullable(StringEnum(['alarm', 'snapshot', 'other'])),
  timed_out: Type.Boolean(),
  skipped: Nullable(Type.String(), { description: 'Why the hook was not run (queue full, shutting down); null when it ran.' }),
  duration_ms: Type.Number()
}), { description: 'The hook run; null when none ran.' })

const DECISION = Nullable(Type.Object({
  phase: StringEnum(['start', 'update', 'end']),
  hook: HOOK_RUN,
  userscript: HOOK_RUN,
  hook_configured: Type.Boolean(),
  frame_type: Nullable(StringEnum(['alarm', 'snapshot', 'other'])),
  start_hook_result: Nullable(Type.Integer(), { description: 'For an end: the start hook\'s result; null when the start was never decided.' }),
  rules: Type.Object({
    allowed: Type.Boolean(),
    rules_object: Type.Record(Type.String(), Type.String(), { description: 'zmES RulesObject: `{}` or `{"notification_type": "critical"}`.' }),
    rule: Nullable(Type.Integer(), { description: 'The rule that decided, counted from 0; null when none did.' }),
    reason: Type.String()
  }, { description: 'The es_rules verdict.' }),
  channels: Type.Record(Type.String(), Type.Object({
    told: Type.Boolean(),
    reason: Type.String(),
    recipients: Type.Integer({ minimum: 0 })
  }), { description: 'By channel: whether it was told, why, and how many recipients were queued.' }),
  alarm_seq: Type.Integer({ description: 'The raw alarm this decision is about.' }),
  decided_at: Type.Integer({ description: 'Milliseconds since the epoch.' })
}), { description: 'Alarms only: how the alarm was decided; null while the decision is pending.' })

const EVENT_VIEW = Type.Object({
  seq: Type.Integer(),
  type: StringEnum(EVENT_TYPES),
  id: Type.String(),
  key: Type.String({ description: 'Idempotency key: the same key posted again is a duplicate.' }),
  transition: Nullable(StringEnum(TRANSITIONS)),
  received_date: DateTime(),
  data: Type.Object({}, { additionalProperties: true, description: 'The event as posted, without `type` and `transition`.' }),
  decision: Type.Optional(DECISION),
  decided_seq: Type.Optional(Nullable(Type.Integer(), { description: 'Alarms only: the decided event the channels were given; null while pending, or when this is that event.' }))
}, { description: 'The event as stored.' })

/** `GET /api/v1/events/{seq}`. */
export const EVENT_READ_DOCS: RouteDocs = {
  params: Type.Object({ seq: Type.Integer({ minimum: 0, maximum: 999_999_999_999_999, description: 'The seq of the ingest answer.' }) }),
  response: { 200: EVENT_VIEW, ...errorAnswers(400), ...ADMIN_ERRORS, 404: errorAnswer('HRD_ERR_NOT_FOUND: no event with this seq (pruned after `[store] retention_days`, or never stored).') }
}
