import { Type, type TSchema } from '@sinclair/typebox'
import { WebhookFiltersSchema } from '../../decision/filters/filter-schema.js'
import { MAX_SECRET_GRACE_PERIOD_SECONDS } from '../../config/schema.js'
import { MAX_BATCH_SIZE, MAX_IN_FLIGHT } from '../webhook-input.js'
import { docComponent } from './doc-component.js'
import { DateTime, Nullable, StringEnum } from './doc-types.js'
import { ADMIN_ERRORS, BODY_ERRORS, errorAnswer, errorAnswers } from './error-docs.js'
import { delivery, DELIVERY_PAGE_QUERY } from './delivery-docs.js'
import { NewestFirstPageOf, PageOf } from './page-docs.js'
import type { RouteDocs } from './route-docs.js'

/* The webhook API (src/api/webhooks.ts, src/api/webhook-input.ts): FindFace's objects and Herald's additions. */

export const webhookFilters = docComponent('WebhookFilters', WebhookFiltersSchema)

export const webhook = docComponent('Webhook', Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  active: Type.Boolean({ description: 'false: no new event is queued for it, and what is queued already waits.' }),
  url: Type.String({ description: 'Where the events are POSTed.' }),
  batch_size: Type.Integer({ description: 'Most events in one request.' }),
  send_attempts: Type.Integer({ description: 'Attempts per batch before it is marked failed; 0 = no limit.' }),
  filters: webhookFilters.ref(),
  verbose: Nullable(Type.Boolean(), { description: 'Embed cameras, camera groups, watch lists and cards in each event; null follows `[webhooks] verbose_webhooks`.' }),
  max_in_flight: Nullable(Type.Integer(), { description: 'Batches sent before the first is answered; null follows `[webhooks] max_in_flight`.' }),
  secret: Nullable(Type.String(), { description: 'The Standard Webhooks signing secret (whsec_…), or null when deliveries are not signed. Masked (its first 10 characters and …) except in the answer that set it: create, rotate-secret, or a PUT/PATCH with a new secret.' }),
  previous_secret_until: Type.Optional(DateTime({ description: 'Set after rotate-secret: until then the previous secret signs too.' })),
  created_by: Nullable(Type.Integer()),
  created_date: DateTime(),
  modified_date: DateTime(),
  warnings: Type.Optional(Type.Array(Type.String(), { description: 'Answers of create and change only: filters that are legal but almost surely a mistake (an empty list matches nothing).' }))
}, { description: 'A webhook as FindFace\'s /hooks/ shows it, with Herald\'s verbose, max_in_flight and secret.' }))

/* Fields of a GET answer a client may send back: accepted and ignored. */
const ECHOED = ['id', 'created_by', 'created_date', 'modified_date', 'warnings', 'previous_secret_until', 'has_previous_secret'] as const

/**
 * The body of POST and PUT (`create`: required fields, omitted ones take their defaults) or of
 * PATCH (`patch`: any subset, the rest is kept). Unknown fields are refused.
 */
function webhookInput (mode: 'create' | 'patch'): TSchema {
  const create = mode === 'create'
  const initially = (value: unknown): { default?: unknown } => (create ? { default: value } : {})
  const requiredOnCreate = (schema: TSchema): TSchema => (create ? schema : Type.Optional(schema))
  const echoed = Object.fromEntries(ECHOED.map((key) => [key, Type.Optional(Type.Unknown({ readOnly: true, description: 'Ignored: accepted so that a GET answer can be sent back.' }))]))
  return Type.Object({
    name: requiredOnCreate(Type.String({ minLength: 1, maxLength: 100, pattern: '\\S', description: 'Not blank, at most 100 characters.' })),
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'FindFace\'s alias of name, accepted in its place. With name, both must be equal.' })),
    url: requiredOnCreate(Type.String({ maxLength: 300, format: 'uri', description: 'Absolute http:// or https:// URL, at most 300 characters.' })),
    active: Type.Optional(Type.Boolean(initially(true))),
    batch_size: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_BATCH_SIZE, ...initially(1), description: 'Most events in one request.' })),
    send_attempts: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, ...initially(10), description: 'Attempts per batch before it is marked failed; 0 = no limit.' })),
    filters: Type.Optional(webhookFilters.ref()),
    verbose: Type.Optional(Nullable(Type.Boolean(), { ...initially(null), description: 'Embed cameras, camera groups, watch lists and cards in each event; null follows `[webhooks] verbose_webhooks`.' })),
    max_in_flight: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: MAX_IN_FLIGHT }), { ...initially(null), description: `Batches sent before the first is answered (1 to ${MAX_IN_FLIGHT}); null follows \`[webhooks] max_in_flight\`.` })),
    secret: Type.Optional(Type.Union([Type.Boolean(), Type.Null(), Type.String({ pattern: '^whsec_' })], {
      ...initially(null),
      description: 'true: Herald generates one (shown once, in this answer); null or false: deliveries are not signed; a whsec_ secret of 24 to 64 base64 bytes: that one; the masked secret of a GET answer: keep the current one.'
    })),
    ...echoed
  }, {
    additionalProperties: false,
    description: create
      ? 'A webhook. Required: name (or its alias title) and url; omitted fields take their defaults (on PUT too). Unknown fields are refused.'
      : 'Only the fields to change; the others are kept. Unknown fields are refused.'
  })
}

const WEBHOOK_CREATE = webhookInput('create')
const WEBHOOK_PATCH = webhookInput('patch')

const ID_PARAMS = Type.Object({ id: Type.Integer({ minimum: 1, description: 'The webhook\'s id.' }) })

const LIST_QUERY = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'Webhooks per page.' })),
  page: Type.Optional(Type.String({ description: 'A cursor from next_page or prev_page.' })),
  ordering: Type.Optional(StringEnum(['id', '-id', 'name', '-name', 'url', '-url', 'active', '-active'], { description: 'Sort key; a leading - reverses it. Default: id.' })),
  id_in: Type.Optional(Type.String({ pattern: '^\\d+(,\\d+)*$', description: 'Only these ids, comma-separated (`id_in=1,2`); the parameter may also be repeated (`id_in=1&id_in=2`).' })),
  created_date_last_n_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 36_500, description: 'Created in the last N × 24 hours.' })),
  created_date_nth_full_week: Type.Optional(Type.Integer({ minimum: 0, maximum: 5_200, description: 'Created in the Monday-to-Monday week (UTC) N weeks before this one; 0 = this week.' })),
  created_date_nth_work_week: Type.Optional(Type.Integer({ minimum: 0, maximum: 5_200, description: 'Created Monday to Friday (UTC) of the week N weeks before this one; 0 = this week.' })),
  created_date_gt: Type.Optional(Type.String({ description: 'Created after this ISO 8601 date or date-time.' })),
  created_date_gte: Type.Optional(Type.String({ description: 'Created at or after this ISO 8601 date or date-time.' })),
  created_date_lt: Type.Optional(Type.String({ description: 'Created before this ISO 8601 date or date-time.' })),
  created_date_lte: Type.Optional(Type.String({ description: 'Created at or before this ISO 8601 date or date-time.' }))
}, { description: 'Every filter must hold. Each parameter but id_in is given at most once; unknown parameters are ignored.' })

const NOT_FOUND = errorAnswer('HRD_ERR_NOT_FOUND: no webhook with this id.')
const SAVED_ANSWER = webhook.ref('The webhook as saved: the secret in full if this request set it, masked otherwise.')

/** `/hooks/` and `/api/v1/hooks/`: the same documentation under both prefixes. */
export const WEBHOOK_DOCS = {
  list: {
    querystring: LIST_QUERY,
    response: { 200: PageOf(webhook.ref(), 'A page of webhooks, by id unless ordering says otherwise (secrets masked).'), ...errorAnswers(400), ...ADMIN_ERRORS }
  },
  create: {
    body: WEBHOOK_CREATE,
    response: { 201: webhook.ref('The new webhook, with its secret in full: the only answer that shows it.'), ...BODY_ERRORS, ...ADMIN_ERRORS }
  },
  read: {
    params: ID_PARAMS,
    response: { 200: webhook.ref('The webhook (secret masked).'), ...errorAnswers(400), ...ADMIN_ERRORS, 404: NOT_FOUND }
  },
  replace: {
    params: ID_PARAMS,
    body: WEBHOOK_CREATE,
    response: { 200: SAVED_ANSWER, ...BODY_ERRORS, ...ADMIN_ERRORS, 404: NOT_FOUND }
  },
  patch: {
    params: ID_PARAMS,
    body: WEBHOOK_PATCH,
    response: { 200: SAVED_ANSWER, ...BODY_ERRORS, ...ADMIN_ERRORS, 404: NOT_FOUND }
  },
  remove: {
    params: ID_PARAMS,
    response: { 204: Type.Null({ description: 'Deleted, with every delivery still queued for it.' }), ...errorAnswers(400), ...ADMIN_ERRORS, 404: NOT_FOUND }
  },
  rotateSecret: {
    params: ID_PARAMS,
    body: Type.Object({
      grace_period_seconds: Type.Optional(Type.Integer({
        minimum: 0,
        maximum: MAX_SECRET_GRACE_PERIOD_SECONDS,
        description: 'Seconds the previous secret keeps signing too (both signatures are sent); 0 drops it at once. Default: `[webhooks] secret_grace_period`.'
      }))
    }, { additionalProperties: false, description: 'Optional: no body, or `{}`, uses the server\'s grace period. Other fields are refused.' }),
    bodyRequired: false,
    response: { 200: webhook.ref('The webhook with its new secret in full, and previous_secret_until when the old one still signs.'), ...BODY_ERRORS, ...ADMIN_ERRORS, 404: NOT_FOUND }
  },
  attemptLog: {
    params: ID_PARAMS,
    querystring: DELIVERY_PAGE_QUERY,
    response: { 200: NewestFirstPageOf(delivery.ref(), 'The webhook\'s deliveries, newest first.'), ...errorAnswers(400), ...ADMIN_ERRORS, 404: NOT_FOUND }
  },
  resend: {
    params: Type.Object({
      id: Type.Integer({ minimum: 1, description: 'The webhook\'s id.' }),
      delivery_id: Type.Integer({ minimum: 1, description: 'A delivery of this webhook, from its attempt log.' })
    }),
    response: {
      202: delivery.ref('The new delivery, queued behind what the webhook already has.'),
      ...errorAnswers(400),
      ...ADMIN_ERRORS,
      404: errorAnswer('HRD_ERR_NOT_FOUND: no webhook with this id, or no such delivery of it.')
    }
  }
} satisfies Record<string, RouteDocs>
