import { resolve } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Registry } from 'prom-client'
import type { Agent } from 'undici'
import { systemClock, type Clock } from './clock.js'
import type { HeraldConfig } from './config/schema.js'
import { EntityCatalog } from './entities/catalog.js'
import { DeliveryEngine } from './delivery/engine.js'
import { EngineEvents } from './delivery/engine-events.js'
import { createHttpAgent } from './delivery/http-transport.js'
import { RetryPolicy } from './delivery/retry-policy.js'
import type { Channel } from './delivery/contract.js'
import { WebhookChannel } from './channels/webhook/webhook-channel.js'
import { WEBHOOK_CHANNEL, WebhookDirectory } from './channels/webhook/webhook-directory.js'
import { Ingestor } from './sources/ingest.js'
import { AdminAuth } from './api/auth.js'
import { buildApi } from './api/server.js'
import { createLogger, type Logger } from './observability/logger.js'
import { logDeliveries } from './observability/delivery-log.js'
import { createMetrics } from './observability/metrics.js'
import { SqliteStore } from './store/sqlite/sqlite-store.js'
import type { Store } from './store/store.js'

export interface HeraldDependencies {
  readonly clock?: Clock
  readonly logger?: Logger
  /** Uniform [0, 1) for retry jitter. */
  readonly random?: () => number
}

export interface Herald {
  readonly config: HeraldConfig
  readonly store: Store
  readonly engine: DeliveryEngine
  readonly ingestor: Ingestor
  readonly events: EngineEvents
  readonly api: FastifyInstance
  readonly metrics: Registry
  /** Set on the first start when no admin token was configured: shown once, then only its hash is kept. */
  readonly generatedAdminToken: string | undefined
  /** Starts delivering and listening; resolves with the HTTP address. */
  start (): Promise<string>
  /** Stops taking requests, drains in-flight deliveries, closes the store. */
  close (): Promise<void>
}

const PRUNE_EVERY_MS = 10 * 60 * 1000
const PRUNE_CHUNK = 5000

/** Wires the modules together. The only place that knows all of them. */
export async function createHerald (config: HeraldConfig, deps: HeraldDependencies = {}): Promise<Herald> {
  const clock = deps.clock ?? systemClock
  const logger = deps.logger ?? createLogger(config.log.level)
  const file = config.store.file !== '' ? config.store.file : resolve(config.data.dir, 'herald.db')
  const store = new SqliteStore({ file, synchronous: config.store.synchronous })
  const { auth, generated } = await AdminAuth.init(store, config.admin.token)

  const directory = await WebhookDirectory.load(store)
  const catalog = await EntityCatalog.load(store)
  const agent: Agent = createHttpAgent()
  const events = new EngineEvents((err) => logger.error({ err }, 'engine event listener failed'))
  const channels = new Map<string, Channel>([
    [WEBHOOK_CHANNEL, new WebhookChannel({
      directory,
      catalog,
      dispatcher: agent,
      clock,
      timeoutMs: config.webhooks.timeout * 1000,
      verboseDefault: config.webhooks.verbose_webhooks,
      publicBaseUrl: config.http.public_base_url,
      userAgent: config.webhooks.user_agent
    })]
  ])
  const retryPolicy = new RetryPolicy({
    maxDelayMs: config.webhooks.max_retry_delay * 1000,
    jitter: config.webhooks.retry_jitter,
    ...(deps.random !== undefined ? { random: deps.random } : {})
  })
  const engine = new DeliveryEngine({ store, channels, clock, retryPolicy, events })
  const ingestor = new Ingestor(store, (event) => directory.routes(event), engine, clock)
  const metrics = createMetrics(events, engine, ingestor)
  logDeliveries(events, logger.child({ component: 'delivery' }))

  const api = await buildApi({
    logger,
    bodyLimit: config.http.body_limit,
    store,
    auth,
    ingestToken: config.http.ingest_token,
    ingestor,
    directory,
    catalog,
    engine,
    metrics,
    clock,
    secretGracePeriodSeconds: config.webhooks.secret_grace_period
  })

  let pruneTimer: NodeJS.Timeout | undefined
  // In chunks with a yield between them: one DELETE over millions of rows would stall the event loop.
  const prune = async (): Promise<void> => {
    if (config.store.retention_days <= 0) return
    const before = clock.now() - config.store.retention_days * 86_400_000
    const total = { deliveries: 0, events: 0 }
    for (;;) {
      const removed = await store.prune(before, PRUNE_CHUNK)
      total.deliveries += removed.deliveries
      total.events += removed.events
      if (removed.deliveries < PRUNE_CHUNK && removed.events < PRUNE_CHUNK) break
      await new Promise((resolve) => setImmediate(resolve))
    }
    if (total.deliveries + total.events > 0) logger.info(total, 'pruned finished deliveries and events past retention')
  }

  return {
    config,
    store,
    engine,
    ingestor,
    events,
    api,
    metrics,
    generatedAdminToken: generated,
    async start () {
      await engine.start()
      const address = await api.listen({ host: config.http.address, port: config.http.port })
      pruneTimer = setInterval(() => { prune().catch((err: unknown) => logger.error({ err }, 'prune failed')) }, PRUNE_EVERY_MS)
      pruneTimer.unref()
      return address
    },
    async close () {
      if (pruneTimer !== undefined) clearInterval(pruneTimer)
      await api.close()
      await engine.close()
      await agent.close()
      await store.close()
    }
  }
}
