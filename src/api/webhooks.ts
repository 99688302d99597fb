import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { NotFoundError, ValidationError } from '../errors.js'
import type { DeliveryEngine } from '../delivery/engine.js'
import { laneOf } from '../delivery/contract.js'
import { generateSecret } from '../delivery/interceptors/signature.js'
import { WEBHOOK_CHANNEL, type WebhookDirectory } from '../channels/webhook/webhook-directory.js'
import type { Store, WebhookRow } from '../store/store.js'
import type { Clock } from '../clock.js'
import { MAX_SECRET_GRACE_PERIOD_SECONDS } from '../config/schema.js'
import { createdDateWindows } from './created-date-window.js'
import { maskSecret, parseWebhookInput } from './webhook-input.js'
import { deliveryView, parseDeliveryPage, parseId, parseIdList, parseLimit, queryParam } from './views.js'
import { WEBHOOK_DOCS } from './openapi/webhook-docs.js'

export interface WebhookRoutesOptions {
  readonly store: Store
  readonly directory: WebhookDirectory
  readonly engine: DeliveryEngine
  readonly clock: Clock
  readonly secretGracePeriodSeconds: number
  readonly preHandler: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
}

const ORDERINGS = ['id', 'name', 'url', 'active'] as const

/** The object FindFace's `/hooks/` returns, plus Herald's `verbose`, `max_in_flight` and (masked) `secret`. */
function hookView (row: WebhookRow, options: { revealSecret?: boolean, warnings?: string[] } = {}): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: row.id,
    name: row.name,
    active: row.active,
    url: row.url,
    batch_size: row.batch_size,
    send_attempts: row.send_attempts,
    filters: row.filters,
    verbose: row.verbose,
    max_in_flight: row.max_in_flight,
    secret: row.secret === null ? null : options.revealSecret === true ? row.secret : maskSecret(row.secret),
    created_by: row.created_by,
    created_date: row.created_date,
    modified_date: row.modified_date
  }
  if (row.previous_secret_until !== null) view.previous_secret_until = isoTime(row.previous_secret_until)
  if (options.warnings !== undefined && options.warnings.length > 0) view.warnings = options.warnings
  return view
}

/** The range of a JavaScript Date: ±100,000,000 days around 1970. */
const MAX_DATE_MS = 8.64e15

/**
 * A stored time as ISO 8601. Versions without a cap on the grace period stored times past what a
 * Date can hold, and toISOString() throws on those: one such row made every listing of webhooks a
 * 500. Such a time means "never" in practice, so it is shown as the last time a Date can hold.
 */
function isoTime (ms: number): string {
  const clamped = Number.isNaN(ms) ? MAX_DATE_MS : Math.min(MAX_DATE_MS, Math.max(-MAX_DATE_MS, ms))
  return new Date(clamped).toISOString()
}

const DATE_BOUNDS: ReadonlyArray<readonly [string, (a: string, b: string) => boolean]> = [
  ['created_date_gt', (a, b) => a > b],
  ['created_date_gte', (a, b) => a >= b],
  ['created_date_lt', (a, b) => a < b],
  ['created_date_lte', (a, b) => a <= b]
]

/** `/hooks/` (FindFace's path) and `/api/v1/hooks/`: same handlers, admin only. */
export async function webhookRoutes (app: FastifyInstance, o: WebhookRoutesOptions): Promise<void> {
  const lane = (id: number): string => laneOf(WEBHOOK_CHANNEL, String(id))
  const mustGet = async (id: number): Promise<WebhookRow> => {
    const row = await o.store.getWebhook(id)
    if (row === undefined) throw new NotFoundError(`webhook ${id} not found`)
    return row
  }
  const saved = (row: WebhookRow): void => {
    o.directory.put(row)
    // Re-enabled or re-limited: let its queue move again.
    o.engine.wake(lane(row.id))
  }

  for (const prefix of ['/hooks', '/api/v1/hooks']) {
    const tags = prefix === '/hooks' ? ['webhooks (FindFace path)'] : ['webhooks']
    app.get(`${prefix}/`, { preHandler: o.preHandler, schema: { tags, summary: 'List webhooks (paginated: results, next_page, prev_page)' }, config: { docs: WEBHOOK_DOCS.list } }, async (request) => {
      const q = request.query
      const limit = parseLimit(queryParam(q, 'limit'), 100, 1000)
      const offset = parseCursor(queryParam(q, 'page'))
      const ordering = queryParam(q, 'ordering')
      const idIn = parseIdList(q, 'id_in')
      // Every filter goes back into next_page/prev_page, so walking the pages keeps filtering.
      const keep = new URLSearchParams({ limit: String(limit) })
      let rows = await o.store.listWebhooks()
      if (idIn !== undefined) {
        rows = rows.filter((r) => idIn.has(r.id))
        keep.set('id_in', [...idIn].join(','))
      }
      for (const w of createdDateWindows(q, o.clock.now())) {
        rows = rows.filter((r) => r.created_date >= w.since && (w.until === undefined || r.created_date < w.until))
        keep.set(w.key, w.value)
      }
      for (const [key, cmp] of DATE_BOUNDS) {
        const bound = queryParam(q, key)
        if (bound === undefined) continue
        const t = Date.parse(bound)
        if (Number.isNaN(t)) throw new ValidationError([{ field: key, message: 'must be an ISO 8601 date-time' }])
        const iso = new Date(t).toISOString()
        rows = rows.filter((r) => cmp(r.created_date, iso))
        keep.set(key, bound)
      }
      if (ordering !== undefined) {
        const desc = ordering.startsWith('-')
        const field = (desc ? ordering.slice(1) : ordering) as typeof ORDERINGS[number]
        if (!ORDERINGS.includes(field)) throw new ValidationError([{ field: 'ordering', message: `must be one of ${ORDERINGS.join(', ')} (prefix - for descending)` }])
        rows.sort((a, b) => (a[field] < b[field] ? -1 : a[field] > b[field] ? 1 : a.id - b.id) * (desc ? -1 : 1))
        keep.set('ordering', ordering)
      }
      const page = rows.slice(offset, offset + limit)
      const link = (at: number): string => {
        const params = new URLSearchParams(keep)
        params.set('page', cursor(at))
        return `${prefix}/?${params.toString()}`
      }
      return {
        results: page.map((r) => hookView(r)),
        next_page: offset + limit < rows.length ? link(offset + limit) : null,
        prev_page: offset > 0 ? link(Math.max(0, offset - limit)) : null
      }
    })

    app.post(`${prefix}/`, { preHandler: o.preHandler, schema: { tags, summary: 'Create a webhook' }, config: { docs: WEBHOOK_DOCS.create } }, async (request, reply) => {
      const { patch, warnings } = parseWebhookInput(request.body, 'create')
      const row = await o.store.createWebhook({
        name: patch.name as string,
        active: patch.active ?? true,
        url: patch.url as string,
        batch_size: patch.batch_size ?? 1,
        send_attempts: patch.send_attempts ?? 10,
        filters: patch.filters ?? {},
        verbose: patch.verbose ?? null,
        max_in_flight: patch.max_in_flight ?? null,
        secret: patch.secret ?? null,
        previous_secret: null,
        previous_secret_until: null,
        created_by: 1
      }, new Date(o.clock.now()))
      saved(row)
      return reply.code(201).send(hookView(row, { revealSecret: true, warnings }))
    })

    app.get(`${prefix}/:id/`, { preHandler: o.preHandler, schema: { tags, summary: 'Read a webhook' }, config: { docs: WEBHOOK_DOCS.read } }, async (request) => {
      return hookView(await mustGet(parseId(request.params)))
    })

    const update = (mode: 'replace' | 'patch') => async (request: FastifyRequest, reply: FastifyReply) => {
      const id = parseId(request.params)
      const current = await mustGet(id)
      const { patch, warnings } = parseWebhookInput(request.body, mode, current.secret)
      // Before the engine can claim at the new size: see Store.pinInFlight.
      if (patch.batch_size !== undefined && patch.batch_size > current.batch_size) await o.store.pinInFlight(lane(id))
      const row = await o.store.updateWebhook(id, patch, new Date(o.clock.now()))
      if (row === undefined) throw new NotFoundError(`webhook ${id} not found`)
      saved(row)
      // Someone fixed the receiver's address or switched the webhook back on: a retry that was
      // scheduled up to 100 s away should not make them wait.
      if (row.active && (row.url !== current.url || !current.active)) await o.engine.retryNow(lane(row.id))
      return reply.send(hookView(row, { revealSecret: patch.secret !== undefined && patch.secret !== null, warnings }))
    }
    app.patch(`${prefix}/:id/`, { preHandler: o.preHandler, schema: { tags, summary: 'Change some fields of a webhook' }, config: { docs: WEBHOOK_DOCS.patch } }, update('patch'))
    app.put(`${prefix}/:id/`, { preHandler: o.preHandler, schema: { tags, summary: 'Replace a webhook' }, config: { docs: WEBHOOK_DOCS.replace } }, update('replace'))

    app.delete(`${prefix}/:id/`, { preHandler: o.preHandler, schema: { tags, summary: 'Delete a webhook and drop its queue' }, config: { docs: WEBHOOK_DOCS.remove } }, async (request, reply) => {
      const id = parseId(request.params)
      if (!(await o.store.deleteWebhook(id))) throw new NotFoundError(`webhook ${id} not found`)
      o.directory.remove(id)
      await o.engine.dropLane(lane(id))
      return reply.code(204).send()
    })
  }

  app.post('/api/v1/hooks/:id/rotate-secret', {
    preHandler: o.preHandler,
    schema: { tags: ['webhooks'], summary: 'New signing secret; the old one keeps signing for a grace period' },
    config: { docs: WEBHOOK_DOCS.rotateSecret }
  }, async (request) => {
    const id = parseId(request.params)
    const current = await mustGet(id)
    const raw: unknown = request.body ?? {}
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new ValidationError([{ field: 'body', message: 'must be a JSON object ({"grace_period_seconds": …}) or empty' }])
    }
    const unknownKey = Object.keys(raw).find((k) => k !== 'grace_period_seconds')
    if (unknownKey !== undefined) throw new ValidationError([{ field: unknownKey, message: 'unknown field; rotate-secret takes grace_period_seconds' }])
    const body = raw as { grace_period_seconds?: unknown }
    // The setting is checked when it is loaded; capping it again keeps a value passed in code from
    // storing a time no Date can hold.
    let grace = Math.min(o.secretGracePeriodSeconds, MAX_SECRET_GRACE_PERIOD_SECONDS)
    if (body.grace_period_seconds !== undefined) {
      if (!Number.isInteger(body.grace_period_seconds) || (body.grace_period_seconds as number) < 0 || (body.grace_period_seconds as number) > MAX_SECRET_GRACE_PERIOD_SECONDS) {
        throw new ValidationError([{ field: 'grace_period_seconds', message: `must be an integer from 0 to ${MAX_SECRET_GRACE_PERIOD_SECONDS}` }])
      }
      grace = body.grace_period_seconds as number
    }
    const now = o.clock.now()
    const row = await o.store.updateWebhook(id, {
      secret: generateSecret(),
      previous_secret: current.secret,
      previous_secret_until: current.secret === null || grace === 0 ? null : now + grace * 1000
    }, new Date(now))
    // Deleted between the read and the write.
    if (row === undefined) throw new NotFoundError(`webhook ${id} not found`)
    saved(row)
    return hookView(row, { revealSecret: true })
  })

  app.get('/api/v1/hooks/:id/deliveries', {
    preHandler: o.preHandler,
    schema: { tags: ['webhooks'], summary: 'Attempt log: newest first, paginated with before=<delivery id>' },
    config: { docs: WEBHOOK_DOCS.attemptLog }
  }, async (request) => {
    const id = parseId(request.params)
    await mustGet(id)
    const q = parseDeliveryPage(request.query, `/api/v1/hooks/${id}/deliveries`)
    const page = await o.store.listDeliveries(WEBHOOK_CHANNEL, String(id), { limit: q.limit, before: q.before, state: q.status })
    return { results: page.results.map(deliveryView), next_page: q.next(page.next) }
  })

  app.post('/api/v1/hooks/:id/deliveries/:delivery_id/resend', {
    preHandler: o.preHandler,
    schema: { tags: ['webhooks'], summary: 'Queue a delivery\'s event again for this webhook (a new delivery at the tail)' },
    config: { docs: WEBHOOK_DOCS.resend }
  }, async (request, reply) => {
    const id = parseId(request.params)
    await mustGet(id)
    const deliveryId = parseId(request.params, 'delivery_id')
    const existing = await o.store.getDelivery(deliveryId)
    if (existing === undefined || existing.channel !== WEBHOOK_CHANNEL || existing.target !== String(id)) {
      throw new NotFoundError(`delivery ${deliveryId} of webhook ${id} not found`)
    }
    const created = await o.store.resend(deliveryId, o.clock.now())
    o.engine.added(created.lane)
    return reply.code(202).send(deliveryView(created))
  })
}

function cursor (offset: number): string {
  return Buffer.from(`o=${offset}`).toString('base64url')
}

function parseCursor (page: string | undefined): number {
  if (page === undefined || page === '') return 0
  const m = /^o=(\d{1,9})$/.exec(Buffer.from(page, 'base64url').toString())
  if (m === null) throw new ValidationError([{ field: 'page', message: 'invalid page cursor' }])
  return Number(m[1])
}
