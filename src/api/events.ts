import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { NotFoundError, ValidationError } from '../errors.js'
import type { HeraldEvent, JsonValue } from '../events/event.js'
import { decisionKey, DECISION_KEY_PREFIX } from '../decision/alarm-decider.js'
import type { Store } from '../store/store.js'
import { EVENT_READ_DOCS } from './openapi/event-docs.js'

export interface EventRoutesOptions {
  readonly store: Store
  readonly preHandler: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
}

function eventView (e: HeraldEvent): Record<string, unknown> {
  return {
    seq: e.seq,
    type: e.type,
    id: e.id,
    key: e.key,
    transition: e.transition,
    received_date: new Date(e.receivedAt).toISOString(),
    data: e.data
  }
}

/**
 * `GET /api/v1/events/{seq}`: an event as stored (`seq` is what the ingest answer gave). For an
 * alarm, `decision` is what was decided about it — hook run, text, detection, rules verdict and
 * why each channel was or was not told — or `null` while the decision is pending; `decided_seq`
 * is the decided event the channels were given.
 */
export async function eventRoutes (app: FastifyInstance, o: EventRoutesOptions): Promise<void> {
  app.get('/api/v1/events/:seq', {
    preHandler: o.preHandler,
    schema: { tags: ['events'], summary: 'Read a stored event and, for an alarm, its decision' },
    config: { docs: EVENT_READ_DOCS }
  }, async (request) => {
    const raw = (request.params as { seq?: string }).seq ?? ''
    if (!/^\d{1,15}$/.test(raw)) throw new ValidationError([{ field: 'seq', message: 'must be a positive integer (the seq of the ingest answer)' }])
    const event = await o.store.getEvent(Number(raw))
    if (event === undefined) throw new NotFoundError('event not found')
    const view = eventView(event)
    if (event.type !== 'alarm') return view
    let decided: HeraldEvent | undefined = event
    if (!event.key.startsWith(DECISION_KEY_PREFIX)) {
      const d = event.data
      const phase = d.phase === 'start' || d.phase === 'end' || d.phase === 'update' ? d.phase : 'start'
      decided = await o.store.getEventByKey(decisionKey(String(d.monitor_id), String(d.event_id), phase, phase === 'update' ? String(event.seq) : undefined))
    }
    const decision: JsonValue = decided?.data.decision ?? null
    return { ...view, decision, decided_seq: decided === undefined || decided === event ? null : decided.seq }
  })
}
