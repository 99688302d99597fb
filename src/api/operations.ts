import type { FastifyInstance } from 'fastify'
import type { Registry } from 'prom-client'
import type { Store } from '../store/store.js'
import { HERALD_VERSION } from '../version.js'
import { OPERATION_DOCS } from './openapi/operation-docs.js'

/** `/healthz` (no auth: load balancers and systemd call it) and `/metrics` (Prometheus). */
export async function operationRoutes (app: FastifyInstance, o: { store: Store, metrics: Registry, startedAt: number }): Promise<void> {
  app.get('/healthz', { schema: { tags: ['operations'], summary: 'Liveness and store health', security: [] }, config: { docs: OPERATION_DOCS.health } }, async (_request, reply) => {
    try {
      await o.store.getSetting('health')
      return { status: 'ok', version: HERALD_VERSION, uptime_s: Math.round((Date.now() - o.startedAt) / 1000) }
    } catch (err) {
      return reply.code(503).send({ status: 'error', version: HERALD_VERSION, store: (err as Error).message })
    }
  })
  app.get('/metrics', { schema: { tags: ['operations'], summary: 'Prometheus metrics', security: [] }, config: { docs: OPERATION_DOCS.metrics } }, async (_request, reply) => {
    const body = await o.metrics.metrics()
    return reply.type(o.metrics.contentType).send(body)
  })
}
