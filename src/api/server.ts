import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { Clock } from '../clock.js'
import type { EntityCatalog } from '../entities/catalog.js'
import type { DeliveryEngine } from '../delivery/engine.js'
import type { WebhookDirectory } from '../channels/webhook/webhook-directory.js'
import type { Ingestor } from '../sources/ingest.js'
import type { TokenRegistry } from '../registry/contract.js'
import { httpIngestRoutes } from '../sources/http-ingest/routes.js'
import type { Store } from '../store/store.js'
import { HERALD_VERSION } from '../version.js'
import type { AdminAuth } from './auth.js'
import { registerBodyParsers } from './body-parsers.js'
import { entityRoutes } from './entities.js'
import { eventRoutes } from './events.js'
import { deliveryRoutes } from './deliveries.js'
import { rulesRoutes } from './rules.js'
import { targetRoutes } from './targets.js'
import type { TargetRegistry } from '../channels/targets/index.js'
import type { RulesSource } from '../decision/rules/rules-source.js'
import { clientErrorHandler, frameworkErrorHandler, registerErrorHandler } from './error-handler.js'
import { operationRoutes } from './operations.js'
import { tokenRoutes } from './tokens.js'
import { webhookRoutes } from './webhooks.js'
import { componentSchemas } from './openapi/components.js'
import { transform, transformObject } from './openapi/route-docs.js'

export interface ApiOptions {
  readonly logger: Logger
  readonly bodyLimit: number
  readonly store: Store
  readonly auth: AdminAuth
  readonly ingestToken: string
  readonly ingestor: Ingestor
  readonly directory: WebhookDirectory
  readonly catalog: EntityCatalog
  readonly engine: DeliveryEngine
  readonly metrics: Registry
  readonly clock: Clock
  readonly secretGracePeriodSeconds: number
  /** zmNinja push tokens, for `/api/v1/tokens`. */
  readonly tokens: TokenRegistry
  /** es_rules, for `/api/v1/rules`. */
  readonly rules: RulesSource
  /** Push targets, for `/api/v1/targets`. */
  readonly targets: TargetRegistry
  /** Channel names, for `/api/v1/deliveries`. */
  readonly channels: readonly string[]
}

export async function buildApi (o: ApiOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: o.logger.child({ component: 'api' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: o.bodyLimit,
    // Strict: no silent coercion of "10" to 10 and no dropping of unknown keys.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: true } },
    return503OnClosing: true,
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    // FindFace clients always write `/hooks/1/`, `/cameras/`; Herald's own docs drop the slash.
    // FCM tokens (~160 characters) are path parameters of /api/v1/tokens/:token; fastify's
    // default limit of 100 would answer them 404.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 4096 }
  })
  registerErrorHandler(app)
  registerBodyParsers(app)
  await app.register(swagger, {
    openapi: {
      info: { title: 'Herald', version: HERALD_VERSION, description: 'Event notification server: ingest, FindFace-compatible webhooks, durable delivery.' },
      components: {
        securitySchemes: { token: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'Token <admin token> (or Bearer <admin token>)' } },
        schemas: componentSchemas()
      },
      security: [{ token: [] }]
    },
    // Bodies, parameters and answers come from each route's config.docs, never its schema: the
    // handlers validate by hand and fastify must not validate or serialize with them.
    transform,
    transformObject
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })

  const admin = o.auth.preHandler
  const ingestAuth = o.auth.alsoAccepting(o.ingestToken)

  await app.register(operationRoutes, { store: o.store, metrics: o.metrics, startedAt: Date.now() })
  await app.register(httpIngestRoutes, { ingestor: o.ingestor, preHandler: ingestAuth })
  await app.register(webhookRoutes, {
    store: o.store,
    directory: o.directory,
    engine: o.engine,
    clock: o.clock,
    secretGracePeriodSeconds: o.secretGracePeriodSeconds,
    preHandler: admin
  })
  await app.register(entityRoutes, { store: o.store, catalog: o.catalog, clock: o.clock, preHandler: admin })
  await app.register(tokenRoutes, { tokens: o.tokens, preHandler: admin })
  await app.register(eventRoutes, { store: o.store, preHandler: admin })
  await app.register(deliveryRoutes, { store: o.store, channels: o.channels, preHandler: admin })
  await app.register(rulesRoutes, { rules: o.rules, preHandler: admin })
  await app.register(targetRoutes, { registry: o.targets, lanes: o.engine, clock: o.clock, preHandler: admin })
  return app
}
