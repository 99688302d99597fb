import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { DeliveryEngine } from '../delivery/engine.js'
import type { EngineEvents } from '../delivery/engine-events.js'
import type { Ingestor } from '../sources/ingest.js'

/** Prometheus metrics, fed by engine and ingest events only. */
export function createMetrics (events: EngineEvents, engine: DeliveryEngine, ingestor: Ingestor): Registry {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'herald_' })

  const deliveries = new Counter({
    name: 'herald_deliveries_total',
    help: 'Delivery attempts by channel, recipient and outcome (ok, retry, failed), counted per item',
    labelNames: ['channel', 'target', 'outcome'] as const,
    registers: [registry]
  })
  const attemptLatency = new Histogram({
    name: 'herald_delivery_attempt_seconds',
    help: 'Duration of one delivery attempt (request to response)',
    labelNames: ['channel'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry]
  })
  const endToEnd = new Histogram({
    name: 'herald_delivery_latency_seconds',
    help: 'From event ingested to delivered',
    labelNames: ['channel'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 120, 600],
    registers: [registry]
  })
  new Gauge({
    name: 'herald_queue_depth',
    help: 'Deliveries waiting or in flight, per lane (one lane per recipient, e.g. webhook:6)',
    labelNames: ['channel', 'lane'] as const,
    registers: [registry],
    collect () {
      this.reset()
      for (const [lane, depth] of engine.depths()) this.set({ channel: lane.slice(0, lane.indexOf(':')), lane }, depth)
    }
  })
  const ingested = new Counter({
    name: 'herald_events_ingested_total',
    help: 'Events stored, by type',
    labelNames: ['type'] as const,
    registers: [registry]
  })
  const duplicates = new Counter({
    name: 'herald_events_duplicate_total',
    help: 'Events ignored because the same one was already stored',
    labelNames: ['type'] as const,
    registers: [registry]
  })

  events.on('delivery:sent', ({ batch, outcome, at }) => {
    deliveries.inc({ channel: batch.channel, target: batch.target, outcome: 'ok' }, batch.items.length)
    if (outcome.kind === 'delivered') attemptLatency.observe({ channel: batch.channel }, outcome.latencyMs / 1000)
    for (const item of batch.items) endToEnd.observe({ channel: batch.channel }, Math.max(0, at - item.event.receivedAt) / 1000)
  })
  events.on('delivery:retry', ({ batch }) => {
    deliveries.inc({ channel: batch.channel, target: batch.target, outcome: 'retry' }, batch.items.length)
  })
  events.on('delivery:failed', ({ batch }) => {
    if (batch.items.length > 0) deliveries.inc({ channel: batch.channel, target: batch.target, outcome: 'failed' }, batch.items.length)
  })
  ingestor.onIngested((results, incoming) => {
    for (let i = 0; i < results.length; i++) {
      const type = incoming[i]?.type ?? 'unknown'
      if (results[i]?.duplicate === true) duplicates.inc({ type })
      else ingested.inc({ type })
    }
  })
  return registry
}
