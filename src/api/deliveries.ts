import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ValidationError } from '../errors.js'
import type { Store } from '../store/store.js'
import { deliveryView, parseDeliveryPage, queryParam } from './views.js'
import { deliveryLogDocs } from './openapi/delivery-docs.js'

export interface DeliveryRoutesOptions {
  readonly store: Store
  /** The channels the engine knows (`webhook`, `web`, `fcm`, `mqtt`, `api`, `targets`, `decision`). */
  readonly channels: readonly string[]
  readonly preHandler: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
}

/**
 * `GET /api/v1/deliveries?channel=fcm&target=<token>`: the attempt log of any recipient of any
 * channel — a push token, a target name, `broker` for MQTT, `clients` for the websocket, a
 * `<monitor>/<event>` for the api script and the decision. Webhooks also have it under their own
 * path (`/api/v1/hooks/{id}/deliveries`).
 */
export async function deliveryRoutes (app: FastifyInstance, o: DeliveryRoutesOptions): Promise<void> {
  app.get('/api/v1/deliveries', {
    preHandler: o.preHandler,
    schema: { tags: ['deliveries'], summary: 'Attempt log of one recipient of a channel: newest first, paginated with before=<delivery id>' },
    config: { docs: deliveryLogDocs(o.channels) }
  }, async (request) => {
    const channel = queryParam(request.query, 'channel')
    const target = queryParam(request.query, 'target')
    if (channel === undefined || !o.channels.includes(channel)) {
      throw new ValidationError([{ field: 'channel', message: `must be one of ${o.channels.join(', ')}` }])
    }
    if (target === undefined || target === '' || target.length > 4096) {
      throw new ValidationError([{ field: 'target', message: 'must name the recipient (1 to 4096 characters)' }])
    }
    const q = parseDeliveryPage(request.query, `/api/v1/deliveries?channel=${encodeURIComponent(channel)}&target=${encodeURIComponent(target)}`)
    const page = await o.store.listDeliveries(channel, target, { limit: q.limit, before: q.before, state: q.status })
    return { results: page.results.map(deliveryView), next_page: q.next(page.next) }
  })
}
