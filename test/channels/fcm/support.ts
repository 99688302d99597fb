import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { pino, type Logger } from 'pino'
import { Agent } from 'undici'
import { ZMES_DEFAULTS, type ZmesConfig } from '../../../src/config/zmes/zmes-schema.js'
import { readDecidedAlarm, type DecidedAlarm } from '../../../src/decision/decided-alarm.js'
import { DeliveryEngine } from '../../../src/delivery/engine.js'
import { EngineEvents } from '../../../src/delivery/engine-events.js'
import { RetryPolicy } from '../../../src/delivery/retry-policy.js'
import type { HeraldEvent, IncomingEvent } from '../../../src/events/event.js'
import { FcmChannel, type FcmChannelOptions } from '../../../src/channels/fcm/index.js'
import { StoreControlState } from '../../../src/registry/control-state.js'
import { StoreTokenRegistry } from '../../../src/registry/token-registry.js'
import type { TokenRegistration } from '../../../src/registry/contract.js'
import { SqliteStore } from '../../../src/store/sqlite/sqlite-store.js'
import type { IngestResult } from '../../../src/store/store.js'
import { decidedAlarmEvent, type DecidedAlarmFixture } from '../../helpers/decided-alarm.js'
import { ManualClock } from '../../helpers/manual-clock.js'

/*
 * The FCM channel on the real engine and a real SQLite store, with the registry and escontrol
 * state the event server uses; the push endpoints are the local fake (test/fakes/fcm-fake.ts).
 */

type SectionPatch = { [S in keyof ZmesConfig]?: Partial<ZmesConfig[S]> }

/** zmES built-in defaults with some options changed, as read from an ini file. */
export function zmesConfig (patch: SectionPatch = {}): ZmesConfig {
  const c = structuredClone(ZMES_DEFAULTS) as unknown as Record<keyof ZmesConfig, Record<string, unknown>>
  for (const [section, values] of Object.entries(patch)) Object.assign(c[section as keyof ZmesConfig], values)
  return c as unknown as ZmesConfig
}

export interface LogLine { level: number, msg: string, [k: string]: unknown }

/** A pino logger that keeps its lines, so tests can check what was (and was not) logged. */
export function capturingLogger (level = 'debug'): { logger: Logger, lines: LogLine[], text: () => string } {
  const lines: LogLine[] = []
  const raw: string[] = []
  const stream = new Writable({
    write (chunk: Buffer, _enc, done) {
      const s = chunk.toString('utf8')
      raw.push(s)
      for (const line of s.split('\n')) if (line !== '') lines.push(JSON.parse(line) as LogLine)
      done()
    }
  })
  return { logger: pino({ level }, stream), lines, text: () => raw.join('') }
}

/** 12 March 2026 10:15 UTC; a Thursday. */
export const DECIDED_AT = Date.UTC(2026, 2, 12, 10, 15, 0)

/** The decided alarm of a fixture, as a channel reads it (decidedAt defaults to DECIDED_AT). */
export function decided (f: DecidedAlarmFixture = {}): { event: HeraldEvent, alarm: DecidedAlarm } {
  const event = decidedAlarmEvent({ ...f, record: { decidedAt: DECIDED_AT, ...f.record } })
  const alarm = readDecidedAlarm(event)
  if (alarm === undefined) throw new Error('fixture is not a decided alarm')
  return { event, alarm }
}

export function incoming (event: HeraldEvent): IncomingEvent {
  return { type: event.type, id: event.id, key: event.key, transition: event.transition, data: event.data, json: event.json }
}

/** A token of the length FCM issues (≈ 160 characters), distinct by `n`. */
export function fcmToken (n: number | string): string {
  return `tok${String(n).padStart(4, '0')}:APA91bH-${'x'.repeat(140)}`
}

export interface Rig {
  readonly dir: string
  readonly store: SqliteStore
  readonly registry: StoreTokenRegistry
  readonly control: StoreControlState
  readonly clock: ManualClock
  readonly engine: DeliveryEngine
  readonly events: EngineEvents
  readonly channel: FcmChannel
  readonly agent: Agent
  readonly logs: ReturnType<typeof capturingLogger>
  /** The settings the channel reads; change them to play an escontrol `edit`. */
  config: ZmesConfig
  register (registration: Partial<TokenRegistration> & { token: string }): Promise<void>
  /** Routes a decided alarm with the channel, stores it and its deliveries in one transaction, wakes the engine. */
  raise (f?: DecidedAlarmFixture): Promise<IngestResult>
  close (): Promise<void>
}

export interface RigOptions {
  readonly config: ZmesConfig
  readonly clock?: ManualClock
  readonly channel?: Partial<FcmChannelOptions>
}

export async function startRig (options: RigOptions): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-fcm-'))
  const store = new SqliteStore({ file: join(dir, 'herald.db'), synchronous: 'normal' })
  await store.migrate()
  const clock = options.clock ?? new ManualClock(DECIDED_AT)
  const registry = await StoreTokenRegistry.load(store, { clock })
  const control = await StoreControlState.load(store)
  const logs = capturingLogger()
  const agent = new Agent({ keepAliveTimeout: 1000, connections: 16 })
  const holder: { config: ZmesConfig } = { config: options.config }
  const channel = await FcmChannel.create({
    config: () => holder.config,
    tokens: registry,
    control,
    dispatcher: agent,
    clock,
    logger: logs.logger,
    timeoutMs: 2000,
    ...options.channel
  })
  const events = new EngineEvents((err) => { throw err })
  const engine = new DeliveryEngine({
    store,
    channels: new Map([[channel.name, channel]]),
    clock,
    retryPolicy: new RetryPolicy({ maxDelayMs: 100_000, jitter: 0 }),
    events,
    drainTimeoutMs: 500
  })
  await engine.start()
  let seq = 0
  return {
    dir,
    store,
    registry,
    control,
    clock,
    engine,
    events,
    channel,
    agent,
    logs,
    get config () { return holder.config },
    set config (c: ZmesConfig) { holder.config = c },
    async register (r) {
      await registry.register({ platform: 'android', appversion: '1.6.009', ...r })
    },
    async raise (f = {}) {
      const { event, alarm } = decided({ eventId: 1000 + ++seq, ...f })
      // Tests raise the same event id more than once; the store would take the second as a duplicate.
      const unique = { ...incoming(event), key: `${event.key}#${seq}` }
      const [result] = await store.ingest([unique], () => channel.routes(alarm, clock.now()), clock.now())
      if (result === undefined) throw new Error('nothing ingested')
      engine.enqueued([result])
      return result
    },
    async close () {
      await engine.close()
      await agent.close()
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** Polls (real time, a few ms apart) until `check()` holds. */
export async function until (check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}
