import { Type, type TObject } from '@sinclair/typebox'
import { DELIVERY_STATES } from '../../delivery/states.js'
import { EVENT_TYPES } from '../../events/event.js'
import { docComponent } from './doc-component.js'
import { DateTime, Nullable, StringEnum } from './doc-types.js'
import { ADMIN_ERRORS, errorAnswers } from './error-docs.js'
import { NewestFirstPageOf } from './page-docs.js'
import type { RouteDocs } from './route-docs.js'

/* The attempt log (deliveryView and parseDeliveryPage of src/api/views.ts). */

export const delivery = docComponent('Delivery', Type.Object({
  id: Type.Integer({ description: 'The delivery\'s id: what `before` and resend take.' }),
  status: StringEnum(DELIVERY_STATES, { description: 'pending: queued or waiting for a retry; sending: on the way; delivered; failed: attempts exhausted.' }),
  event: Type.Object({
    seq: Type.Integer({ description: 'The stored event (GET /api/v1/events/{seq}).' }),
    type: StringEnum(EVENT_TYPES),
    id: Type.String({ description: 'The event\'s own id as posted.' })
  }),
  section: Type.String({ description: 'For webhooks the filter section the event matched (face_events, …, alarms); for other channels the channel\'s group.' }),
  message_id: Nullable(Type.String(), { description: 'Id of the batch last sent with this delivery: the idempotency key receivers see. null before the first attempt.' }),
  attempts: Type.Integer({ minimum: 0 }),
  last_status_code: Nullable(Type.Integer(), { description: 'HTTP status of the last answer; null when there was none (refused, timed out) or no attempt yet.' }),
  last_error: Nullable(Type.String(), { description: 'Why the last attempt failed; null when it did not.' }),
  latency_ms: Nullable(Type.Number(), { description: 'Duration of the last attempt in milliseconds, to 0.01 ms.' }),
  next_attempt_at: Nullable(DateTime(), { description: 'When it is tried next; null when finished.' }),
  created_at: DateTime(),
  updated_at: DateTime(),
  delivered_at: Nullable(DateTime())
}, { description: 'One event for one recipient, and how its sending went.' }))

/** `limit`, `before` and `status` of an attempt-log query. */
const DELIVERY_PAGE_PROPERTIES = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50, description: 'Deliveries per page.' })),
  before: Type.Optional(Type.Integer({ minimum: 1, description: 'Only deliveries with a smaller id (older ones): follow next_page.' })),
  status: Type.Optional(StringEnum(DELIVERY_STATES, { description: 'Only deliveries in this state.' }))
}

export const DELIVERY_PAGE_QUERY: TObject = Type.Object(DELIVERY_PAGE_PROPERTIES)

/** `GET /api/v1/deliveries`: `channels` are the channels this Herald runs. */
export function deliveryLogDocs (channels: readonly string[]): RouteDocs {
  return {
    querystring: Type.Object({
      channel: StringEnum(channels, { description: 'The channel of the recipient.' }),
      target: Type.String({ minLength: 1, maxLength: 4096, description: 'The recipient: a webhook id, a push token, a target name, `broker` (mqtt), `clients` (web), `<monitor>/<event>` (api, decision).' }),
      ...DELIVERY_PAGE_PROPERTIES
    }),
    response: { 200: NewestFirstPageOf(delivery.ref(), 'The recipient\'s deliveries, newest first.'), ...errorAnswers(400), ...ADMIN_ERRORS }
  }
}
