import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { DeliveryEngine } from '../delivery/engine.js'
import type { EngineEvents } from '../delivery/engine-events.js'
import type { Outcome } from '../delivery/contract.js'
import type { Ingestor } from '../sources/ingest.js'

/** The hook pool's counters (src/decision/hooks/hook-pool.ts). */
export interface HookCounters {
  readonly running: number
  readonly queued: number
  readonly startedTotal: number
  readonly timedOutTotal: number
  readonly rejectedTotal: number
}

export interface MetricsSources {
  /**
   * The `target` / `lane` label of a recipient. Recipients that are secrets or unbounded (push
   * tokens, one lane per alarm) must come back aggregated: /metrics is unauthenticated, and one
   * series per token or alarm would grow without end.
   */
  readonly targetLabel?: (channel: string, target: string) => string
  readonly hooks?: HookCounters
}

/** Prometheus metrics, fed by engine and ingest events, and the hook pool's counters. */
export function createMetrics (events: EngineEvents, engine: DeliveryEngine, ingestor: Ingestor, sources: MetricsSources = {}): Registry {
  const label = sources.targetLabel ?? ((_channel: string, target: string) => target)
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
    help: 'Duration of one delivery attempt that got an answer (request to response), by outcome (ok, retry, failed)',
    labelNames: ['channel', 'outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry]
  })
  // A slow receiver shows in its failed attempts too (a 500 after 8 s); only attempts without an
  // answer (timeout, refused connection) have no duration to record.
  const observeAttempt = (channel: string, outcome: 'ok' | 'retry' | 'failed', o: Outcome): void => {
    if (o.latencyMs !== null) attemptLatency.observe({ channel, outcome }, o.latencyMs / 1000)
  }
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
      const sums = new Map<string, { channel: string, depth: number }>()
      for (const [lane, depth] of engine.depths()) {
        const i = lane.indexOf(':')
        const channel = i === -1 ? lane : lane.slice(0, i)
        const shown = `${channel}:${label(channel, lane.slice(i + 1))}`
        const sum = sums.get(shown) ?? { channel, depth: 0 }
        sum.depth += depth
        sums.set(shown, sum)
      }
      for (const [lane, { channel, depth }] of sums) this.set({ channel, lane }, depth)
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
    deliveries.inc({ channel: batch.channel, target: label(batch.channel, batch.target), outcome: 'ok' }, batch.items.length)
    observeAttempt(batch.channel, 'ok', outcome)
    for (const item of batch.items) endToEnd.observe({ channel: batch.channel }, Math.max(0, at - item.event.receivedAt) / 1000)
  })
  events.on('delivery:retry', ({ batch, outcome }) => {
    deliveries.inc({ channel: batch.channel, target: label(batch.channel, batch.target), outcome: 'retry' }, batch.items.length)
    observeAttempt(batch.channel, 'retry', outcome)
  })
  events.on('delivery:failed', ({ batch, outcome }) => {
    if (batch.items.length > 0) deliveries.inc({ channel: batch.channel, target: label(batch.channel, batch.target), outcome: 'failed' }, batch.items.length)
    observeAttempt(batch.channel, 'failed', outcome)
  })
  ingestor.onIngested((results, incoming) => {
    for (let i = 0; i < results.length; i++) {
      const type = incoming[i]?.type ?? 'unknown'
      if (results[i]?.duplicate === true) duplicates.inc({ type })
      else ingested.inc({ type })
    }
  })
  const hooks = sources.hooks
  if (hooks !== undefined) {
    const gauge = (name: string, help: string, read: () => number): void => {
      new Gauge({ name, help, registers: [registry], collect () { this.set(read()) } })
    }
    // Totals that only grow are counters (`_total`), so rate() and increase() work on them.
    const total = (name: string, help: string, read: () => number): void => {
      new Counter({ name, help, registers: [registry], collect () { this.reset(); this.inc(read()) } })
    }
    gauge('herald_hooks_running', 'Hook processes running now', () => hooks.running)
    gauge('herald_hooks_queued', 'Hooks waiting for a max_parallel_hooks slot', () => hooks.queued)
    total('herald_hooks_started_total', 'Hook processes started since Herald started', () => hooks.startedTotal)
    total('herald_hooks_timed_out_total', 'Hooks killed by hook_timeout since Herald started', () => hooks.timedOutTotal)
    total('herald_hooks_rejected_total', 'Hooks not run because the queue was full, since Herald started', () => hooks.rejectedTotal)
  }
  return registry
}
