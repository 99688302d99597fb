import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ValidationError, type FieldProblem } from '../../errors.js'
import type { IncomingEvent } from '../../events/event.js'
import { normalizeEvent } from '../../events/normalize.js'
import { ingestDocs } from '../../api/openapi/event-docs.js'
import type { Ingestor } from '../ingest.js'

export interface HttpIngestOptions {
  readonly ingestor: Ingestor
  /** Most events in one request. @defaultValue 10000 */
  readonly maxEvents?: number
  readonly preHandler: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
}

/**
 * `POST /api/v1/events`: one event or an array. All or nothing: one bad item rejects the whole
 * request with every problem named, and nothing of it is stored. 202 means stored durably.
 */
export async function httpIngestRoutes (app: FastifyInstance, options: HttpIngestOptions): Promise<void> {
  const maxEvents = options.maxEvents ?? 10_000
  app.post('/api/v1/events', {
    preHandler: options.preHandler,
    schema: {
      tags: ['events'],
      summary: 'Ingest one event or an array of events',
      description: 'Each item has `type` (face_event, body_event, car_event, human_episode, car_episode, counter_record, area_activation, alarm) and the FindFace REST fields of that object. Returns 202 once stored.',
      body: {}
    },
    config: { docs: ingestDocs(maxEvents) }
  }, async (request, reply) => {
    const body = request.body as unknown
    if (body === undefined) throw new ValidationError([{ field: 'body', message: 'required: one event or an array of events' }])
    const items = Array.isArray(body) ? body : [body]
    if (items.length === 0) throw new ValidationError([{ field: 'body', message: 'empty array: send at least one event' }])
    if (items.length > maxEvents) throw new ValidationError([{ field: 'body', message: `at most ${maxEvents} events per request, got ${items.length}` }])
    const events: IncomingEvent[] = []
    const problems: FieldProblem[] = []
    for (let i = 0; i < items.length; i++) {
      const result = normalizeEvent(items[i], Array.isArray(body) ? `/${i}` : '')
      if (result.ok) events.push(result.event)
      else if (problems.length < 100) problems.push(...result.problems)
    }
    if (problems.length > 0) throw new ValidationError(problems.slice(0, 100))
    const results = await options.ingestor.ingest(events)
    let duplicates = 0
    const out = results.map((r, i) => {
      if (r.duplicate) duplicates++
      const e = events[i] as IncomingEvent
      return { type: e.type, id: e.id, seq: r.seq, duplicate: r.duplicate, deliveries: r.routes.length }
    })
    return reply.code(202).send({ accepted: results.length - duplicates, duplicates, events: out })
  })
}
