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
import { EventServer, WebChannel, WEB_CHANNEL, type EventServerLimits } from './channels/web/index.js'
import { Ingestor, type Router } from './sources/ingest.js'
import { AdminAuth } from './api/auth.js'
import { buildApi } from './api/server.js'
import { createLogger, type Logger } from './observability/logger.js'
import { logDeliveries } from './observability/delivery-log.js'
import { createMetrics } from './observability/metrics.js'
import { SqliteStore } from './store/sqlite/sqlite-store.js'
import type { Store } from './store/store.js'
import { storeFileOf } from './store/store-file.js'
import { loadSettings, type LoadedSettings } from './config/load.js'
import type { ZmesConfig } from './config/zmes/zmes-schema.js'
import { readEffectiveZmes, settleOverrides, type ZmesReadout } from './config/zmes/effective.js'
import { ConfigError } from './errors.js'
import type { UserProvider } from './auth/user-provider.js'
import { HeraldUsers } from './auth/herald-users.js'
import { StoreTokenRegistry } from './registry/token-registry.js'
import { StoreControlState } from './registry/control-state.js'
import { importTokensAtStart } from './registry/import-at-start.js'
import { ZMES_DEFAULTS } from './config/zmes/zmes-schema.js'
import { AlarmDecider } from './decision/alarm-decider.js'
import { DecisionChannel, DECISION_CHANNEL, decisionRoute, type DecisionListener } from './decision/decision-channel.js'
import type { AlarmRecipients } from './decision/decided-alarm.js'
import { HookPool, type HookPoolLimits } from './decision/hooks/hook-pool.js'
import { RulesSource } from './decision/rules/rules-source.js'
import { ApiPushChannel, API_CHANNEL } from './channels/push-script/api-push-channel.js'
import { processScriptRunner } from './channels/push-script/script-runner.js'
import { MqttChannel, MQTT_CHANNEL, MQTT_LANE } from './channels/mqtt/index.js'
import { FcmChannel, FCM_CHANNEL } from './channels/fcm/index.js'
import { TargetsChannel, TargetRegistry, TARGETS_CHANNEL, readConfiguredTargets } from './channels/targets/index.js'
import { pictureSettings, pictureUrl } from './channels/picture/picture-url.js'

export interface HeraldDependencies {
  readonly clock?: Clock
  readonly logger?: Logger
  /** Uniform [0, 1) for retry jitter. */
  readonly random?: () => number
  /** How long close() lets attempts in flight finish before it aborts them. @defaultValue 5000 */
  readonly drainTimeoutMs?: number
  /**
   * The zmeventnotification.ini settings as the file says them, without escontrol overrides: given,
   * Herald runs the zmNinja event server; absent, it does not. Herald puts the stored overrides on
   * top itself (readEffectiveZmes) before anything reads them.
   */
  readonly zmes?: ZmesConfig
  /**
   * The settings file `zmes` was read from. With it, stored escontrol overrides are applied the way
   * zmES applies them (§5.1) and escontrol `restart` re-reads the file; without it, overrides are
   * parsed onto `zmes` as given.
   */
  readonly settings?: LoadedSettings
  /** Who may log in to the event server. @defaultValue Herald's own users (HeraldUsers) */
  readonly users?: UserProvider
  /** Event server limits (handshake timeout, keep-alive, rate limit…), for tests. */
  readonly eventServerLimits?: Partial<EventServerLimits>
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
  /** zmNinja push tokens (store-backed, served from memory); also behind `/api/v1/tokens`. */
  readonly registry: StoreTokenRegistry
  /** escontrol overrides and per-monitor notify states. */
  readonly control: StoreControlState
  /** The zmNinja event server when `deps.zmes` was given. */
  readonly eventServer: EventServer | undefined
  /** Its `ws://` or `wss://` address once started. */
  readonly eventServerAddress: string | undefined
  /** es_rules.json, live. */
  readonly rules: RulesSource
  /** Start/end hooks: max_parallel_hooks, queue, timeout. */
  readonly hooks: HookPool
  /** Calls `listener` after every stored decision (tests, and the UI's live view later). */
  onDecision (listener: DecisionListener): void
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
  const file = storeFileOf(config)
  const store = new SqliteStore({
    file,
    synchronous: config.store.synchronous,
    walCheckpoint: config.store.wal_checkpoint,
    // Delivered outcomes that cannot be written yet (retried), or a failed WAL checkpoint.
    onBackgroundError: (err) => { logger.error({ err }, 'store: background write failed') }
  })
  const { auth, generated } = await AdminAuth.init(store, config.admin.token)

  const directory = await WebhookDirectory.load(store)
  const catalog = await EntityCatalog.load(store)
  const agent: Agent = createHttpAgent()
  const events = new EngineEvents((err) => logger.error({ err }, 'engine event listener failed'))
  const registry = await StoreTokenRegistry.load(store, { clock })
  const control = await StoreControlState.load(store)

  // The zmES settings in force: the file with the stored escontrol overrides on top. Everything
  // below is built from `zmesStart` or reads `zmesNow()`, never deps.zmes, so an override is
  // obeyed after a restart exactly as the same value written in the file would be.
  const zmesLog = logger.child({ component: 'event-server' })
  let zmesSettings = deps.settings
  const readWith = (settings: LoadedSettings | undefined) => (overrides: ReadonlyMap<string, string>): ZmesReadout =>
    readEffectiveZmes(deps.zmes ?? ZMES_DEFAULTS, settings, overrides)
  // Always the settings file as last read (escontrol `restart` reads it again).
  const readZmes = (overrides: ReadonlyMap<string, string>): ZmesReadout => readWith(zmesSettings)(overrides)
  const initial = deps.zmes === undefined ? undefined : settledReadout(readZmes, control.overrides(), zmesLog)
  const zmesStart = initial?.config ?? ZMES_DEFAULTS
  const tokensLog = logger.child({ component: 'tokens' })
  await importTokenFile(zmesStart, registry, tokensLog)

  /*
   * escontrol `restart` (zmES re-executes itself): read the file again, put the overrides on top,
   * and apply to everything a restart of Herald would rebuild. Every new setting is checked
   * before any is applied, so a refused one (an invalid rules file, TLS files missing) leaves all
   * the previous settings in force.
   */
  const restart = async (): Promise<void> => {
    if (web === undefined) return
    const next = zmesSettings?.file !== undefined ? loadSettings({ file: zmesSettings.file }) : zmesSettings
    const readout = settledReadout(readWith(next), control.overrides(), zmesLog)
    if (readout.problems.length > 0) throw new ConfigError([...readout.problems])
    const config = readout.config
    const limits = hookLimits(config)
    const switchRules = await rules.prepareSwitch(rulesLocation(config))
    const switchMqtt = mqtt.prepareRestart(config)
    const switchFcm = await fcm.prepareRestart(config)
    await web.server.reload(readout)
    zmesSettings = next
    switchRules?.()
    switchFcm?.()
    hooks.configure(limits)
    await switchMqtt?.()
    await importTokenFile(config, registry, tokensLog)
  }
  const web = initial === undefined ? undefined : createEventServer(initial, readZmes, restart, store, clock, zmesLog, deps, registry, control)
  // No shared dispatcher: each webhook gets its own connection pool (see WebhookChannel).
  const webhooks = new WebhookChannel({
    directory,
    catalog,
    clock,
    timeoutMs: config.webhooks.timeout * 1000,
    verboseDefault: config.webhooks.verbose_webhooks,
    publicBaseUrl: config.http.public_base_url,
    userAgent: config.webhooks.user_agent,
    maxInFlight: config.webhooks.max_in_flight
  })
  const channels = new Map<string, Channel>([[WEBHOOK_CHANNEL, webhooks]])
  if (web !== undefined) channels.set(WEB_CHANNEL, web.channel)

  // What the zmES settings say now: the event server keeps them, as escontrol edit, reset and
  // restart change them.
  const zmesNow = (): ZmesConfig => web?.server.config() ?? zmesStart
  const rules = await RulesSource.open({ ...rulesLocation(zmesStart), logger, store })
  const hooks = new HookPool({ logger: logger.child({ component: 'hooks' }), ...hookLimits(zmesStart) })
  const apiPush = new ApiPushChannel({ config: zmesNow, runner: processScriptRunner, clock, logger: logger.child({ component: 'api-push' }) })
  channels.set(API_CHANNEL, apiPush)
  const mqtt = new MqttChannel({
    config: zmesNow,
    control,
    clock,
    logger: logger.child({ component: 'mqtt' }),
    onReconnect: () => { engine.retryNow(MQTT_LANE).catch((err: unknown) => { logger.error({ err }, 'mqtt: cannot retry the queue') }) }
  })
  // Registered even when disabled, so that a queue left from when it was on is dropped.
  channels.set(MQTT_CHANNEL, mqtt)
  const fcm = await FcmChannel.create({ config: zmesNow, tokens: registry, control, dispatcher: agent, clock, logger: logger.child({ component: 'fcm' }), liveApps: web?.channel })
  channels.set(FCM_CHANNEL, fcm)
  // A socket that registered a push token hears of alarms through its pushes (zmES's FCM entry).
  web?.channel.leavePushedTokensTo(fcm)
  const targetLog = logger.child({ component: 'targets' })
  const targetRegistry = await TargetRegistry.load({
    store,
    configured: deps.settings !== undefined ? readConfiguredTargets(deps.settings) : [],
    logger: targetLog
  })
  const targets = new TargetsChannel({
    registry: targetRegistry,
    dispatcher: agent,
    clock,
    logger: targetLog,
    pictureUrl: (alarm) => pictureUrl(alarm, pictureSettings(zmesNow())),
    keepFrameMatchType: () => zmesNow().hook.keep_frame_match_type,
    timeoutMs: config.webhooks.timeout * 1000,
    userAgent: config.webhooks.user_agent
  })
  channels.set(TARGETS_CHANNEL, targets)
  const recipients: AlarmRecipients[] = []
  if (web !== undefined) recipients.push(web.channel)
  recipients.push(fcm, mqtt, apiPush, targets)
  const decisionLog = logger.child({ component: 'decision' })
  const decisionListeners: DecisionListener[] = []
  // zmES lists every monitor ZoneMinder has, so escontrol `get` shows them and `mute` without a
  // list silences them all. Herald learns a monitor from its first decided alarm, whichever
  // channels that alarm goes to, and lists it then with state 0.
  const listMonitor = (monitorId: string): void => {
    if (!zmesNow().general.use_escontrol_interface || control.monitorStates().has(monitorId)) return
    control.setMonitorStates([monitorId], 0).catch((err: unknown) => { decisionLog.error({ err }, 'escontrol: cannot record monitor') })
  }
  const decider = new AlarmDecider({ config: zmesNow, hooks, rules, recipients, webhooks: (event) => directory.routes(event), logger: decisionLog })
  channels.set(DECISION_CHANNEL, new DecisionChannel({
    store,
    decider,
    clock,
    logger: decisionLog,
    onDecided: (results, decision) => {
      listMonitor(decision.alarm.monitorId)
      engine.enqueued(results)
      for (const listener of decisionListeners) {
        try { listener(results, decision) } catch (err) { decisionLog.error({ err }, 'decision listener failed') }
      }
    }
  }))
  const retryPolicy = new RetryPolicy({
    maxDelayMs: config.webhooks.max_retry_delay * 1000,
    jitter: config.webhooks.retry_jitter,
    ...(deps.random !== undefined ? { random: deps.random } : {})
  })
  const engine = new DeliveryEngine({ store, channels, clock, retryPolicy, events, drainTimeoutMs: deps.drainTimeoutMs })
  // Alarms are decided (hooks, rules, channel routing) before anything is told; other events go
  // straight to the webhooks whose filters match.
  const router: Router = (event) => {
    if (event.type === 'alarm') return [decisionRoute(event)]
    const routes = directory.routes(event)
    const toMqtt = mqtt.routeEvent(event)
    if (toMqtt !== undefined) routes.push(toMqtt)
    return routes
  }
  const ingestor = new Ingestor(store, router, engine, clock)
  const metrics = createMetrics(events, engine, ingestor, {
    // Push tokens and per-alarm lanes are summed per channel: /metrics has no token.
    targetLabel: (channel, target) => channels.get(channel)?.transientLanes === true ? '*' : target,
    hooks
  })
  logDeliveries(events, logger.child({ component: 'delivery' }), (channel, target) => channels.get(channel)?.displayTarget?.(target) ?? target)

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
    secretGracePeriodSeconds: config.webhooks.secret_grace_period,
    tokens: registry,
    rules,
    targets: targetRegistry,
    channels: [...channels.keys()]
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

  /**
   * Stops everything that start() started, in the order that loses nothing. Once: a failed start
   * closes, and so may its caller afterwards.
   */
  let closed: Promise<void> | undefined
  async function close (): Promise<void> {
    closed ??= closeAll()
    await closed
  }
  async function closeAll (): Promise<void> {
    if (pruneTimer !== undefined) clearInterval(pruneTimer)
    await api.close()
    await web?.server.close()
    rules.close()
    // Hooks are killed before the engine drains: a decision waiting on a hook then ends at once
    // (its alarm is decided again after the restart).
    await hooks.close()
    await engine.close()
    await webhooks.close()
    await mqtt.close()
    await targetRegistry.close()
    await agent.close()
    await store.close()
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
    registry,
    control,
    eventServer: web?.server,
    get eventServerAddress () { return web?.server.address },
    rules,
    hooks,
    onDecision (listener) { decisionListeners.push(listener) },
    async start () {
      try {
        await engine.start()
        mqtt.start()
        await web?.server.start()
        const address = await api.listen({ host: config.http.address, port: config.http.port })
        pruneTimer = setInterval(() => { prune().catch((err: unknown) => logger.error({ err }, 'prune failed')) }, PRUNE_EVERY_MS)
        pruneTimer.unref()
        return address
      } catch (err) {
        // A port taken, a listener refused: what did start stops again, so that the process ends
        // and a service manager sees the failure, instead of an engine running without its API.
        await close().catch((closeErr: unknown) => logger.error({ err: closeErr }, 'stopping after a failed start failed'))
        throw err
      }
    },
    close
  }
}

/**
 * The zmNinja event server and its delivery channel, started with the effective settings; escontrol
 * `edit` and `reset` read them again through `readConfig`, `restart` through `onRestart`.
 */
function createEventServer (
  initial: ZmesReadout,
  readConfig: (overrides: ReadonlyMap<string, string>) => ZmesReadout,
  onRestart: () => Promise<void>,
  store: Store, clock: Clock, log: Logger, deps: HeraldDependencies, tokens: StoreTokenRegistry, control: StoreControlState
): { server: EventServer, channel: WebChannel } {
  const server: EventServer = new EventServer({
    initial,
    readConfig,
    onRestart,
    users: deps.users ?? new HeraldUsers(store, { clock }),
    tokens,
    control,
    clock,
    logger: log,
    ...(deps.eventServerLimits !== undefined ? { limits: deps.eventServerLimits } : {})
  })
  return { server, channel: new WebChannel({ server, clock, logger: log }) }
}

/** The effective settings; a stored override this Herald refuses is left out, with a warning. */
function settledReadout (read: (overrides: ReadonlyMap<string, string>) => ZmesReadout, overrides: ReadonlyMap<string, string>, log: Logger): ZmesReadout {
  const { readout, dropped } = settleOverrides(read, overrides)
  for (const d of dropped) log.warn(`${d.problem.field}: ${d.problem.message}; the stored escontrol override ${d.name} is not applied`)
  return readout
}

function rulesLocation (zmes: ZmesConfig): { file: string | undefined, timeZone: string | undefined } {
  return { file: nonEmpty(zmes.customize.es_rules), timeZone: nonEmpty(zmes.customize.timezone) }
}

function hookLimits (zmes: ZmesConfig): HookPoolLimits {
  return { maxParallel: zmes.hook.max_parallel_hooks, maxQueued: zmes.hook.max_queued_hooks, timeoutMs: zmes.hook.hook_timeout * 1000 }
}

/** zmES reads tokens.txt only with FCM on; an unchanged file is not imported twice (importTokensAtStart). */
async function importTokenFile (zmes: ZmesConfig, registry: StoreTokenRegistry, log: Logger): Promise<void> {
  if (zmes.fcm.enable && zmes.fcm.token_file !== '') await importTokensAtStart(zmes.fcm.token_file, registry, log)
}

function nonEmpty (value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value
}
