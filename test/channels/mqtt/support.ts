import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, connect as tcpConnect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect, type IClientOptions, type MqttClient } from 'mqtt'
import { pino, type Logger } from 'pino'
import { MqttChannel, MQTT_CHANNEL, MQTT_LANE, type MqttChannelOptions } from '../../../src/channels/mqtt/index.js'
import { ZMES_DEFAULTS, type ZmesConfig } from '../../../src/config/zmes/zmes-schema.js'
import { decidedFromData } from '../../../src/decision/decided-alarm.js'
import { DeliveryEngine } from '../../../src/delivery/engine.js'
import { EngineEvents } from '../../../src/delivery/engine-events.js'
import { RetryPolicy } from '../../../src/delivery/retry-policy.js'
import type { HeraldEvent, IncomingEvent } from '../../../src/events/event.js'
import { SqliteStore } from '../../../src/store/sqlite/sqlite-store.js'
import type { IngestResult, Route } from '../../../src/store/store.js'
import { ManualClock } from '../../helpers/manual-clock.js'

/*
 * The MQTT channel against real Mosquitto brokers: the machine's own on 127.0.0.1:1883 (every
 * test under its own topic prefix, so parallel runs never see each other's messages) and, for
 * outages and TLS, private ones started on a free port.
 */

export const SHARED_PORT = 1883
export const MOSQUITTO = '/usr/sbin/mosquitto'

/** A topic prefix no other test (or run) uses. */
export function uniquePrefix (): string {
  return `herald-test/${randomUUID()}`
}

/** Accepts a TCP connection on the port within `ms`. */
export async function portOpen (port: number, ms = 500): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = tcpConnect({ host: '127.0.0.1', port })
    const done = (up: boolean): void => { socket.destroy(); resolve(up) }
    socket.setTimeout(ms, () => { done(false) })
    socket.once('connect', () => { done(true) })
    socket.once('error', () => { done(false) })
  })
}

/**
 * Whether the shared broker is up; says so loudly when it is not. Under CI=true the caller fails
 * instead of skipping: a CI run that skipped every broker test would look green.
 */
export async function sharedBrokerUp (): Promise<boolean> {
  if (await portOpen(SHARED_PORT)) return true
  console.error(`\n*** Mosquitto is not running on 127.0.0.1:${SHARED_PORT}: the MQTT channel tests against it ${process.env.CI === 'true' ? 'FAIL (CI=true)' : 'are SKIPPED'}.\n*** Start it with: mosquitto -d -c /etc/mosquitto/mosquitto.conf\n`)
  return false
}

export const ciRequiresBroker = process.env.CI === 'true'

export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => { resolve(port) })
    })
  })
}

/** A Mosquitto of the test's own, stopped and started again on the same port. */
export class PrivateBroker {
  readonly port: number
  readonly #dir: string
  readonly #conf: string
  #proc: ChildProcess | undefined

  /** `extraConfig` lines follow the listener; `anonymous: false` requires a login. */
  constructor (port: number, extraConfig: readonly string[] = [], anonymous = true) {
    this.port = port
    this.#dir = mkdtempSync(join(tmpdir(), 'herald-mosquitto-'))
    this.#conf = join(this.#dir, 'mosquitto.conf')
    writeFileSync(this.#conf, [`allow_anonymous ${String(anonymous)}`, 'persistence false', `listener ${port} 127.0.0.1`, ...extraConfig, ''].join('\n'))
  }

  get dir (): string {
    return this.#dir
  }

  async start (): Promise<void> {
    const proc = spawn(MOSQUITTO, ['-c', this.#conf], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    proc.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    this.#proc = proc
    for (let i = 0; i < 250; i++) {
      if (proc.exitCode !== null) throw new Error(`mosquitto exited with ${proc.exitCode}: ${stderr}`)
      if (await portOpen(this.port, 200)) return
      await sleep(20)
    }
    throw new Error(`mosquitto did not listen on ${this.port}: ${stderr}`)
  }

  async stop (): Promise<void> {
    const proc = this.#proc
    this.#proc = undefined
    if (proc === undefined || proc.exitCode !== null) return
    const exited = new Promise((resolve) => proc.once('exit', resolve))
    proc.kill('SIGTERM')
    await exited
  }

  async dispose (): Promise<void> {
    await this.stop()
    rmSync(this.#dir, { recursive: true, force: true })
  }
}

export interface Received {
  readonly topic: string
  readonly payload: string
  readonly qos: number
  readonly retain: boolean
}

/** A second MQTT client that records what arrives under a topic filter. */
export class Subscriber {
  readonly messages: Received[] = []
  readonly #client: MqttClient
  #waiters: Array<() => void> = []

  private constructor (client: MqttClient) {
    this.#client = client
    client.on('message', (topic, payload, packet) => {
      this.messages.push({ topic, payload: payload.toString(), qos: packet.qos, retain: packet.retain })
      for (const w of this.#waiters) w()
    })
  }

  static async open (filter: string, port = SHARED_PORT, options: IClientOptions = {}): Promise<Subscriber> {
    const client = connect({ host: '127.0.0.1', port, protocol: 'mqtt', reconnectPeriod: 0, connectTimeout: 2000, ...options })
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => { resolve() })
      client.once('error', reject)
    })
    const subscriber = new Subscriber(client)
    await client.subscribeAsync(filter, { qos: 1 })
    return subscriber
  }

  /** Resolves once `n` messages (in all) have arrived; rejects after `ms`. */
  async waitFor (n: number, ms = 10_000): Promise<Received[]> {
    const deadline = Date.now() + ms
    while (this.messages.length < n) {
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`expected ${n} messages, got ${this.messages.length}: ${JSON.stringify(this.messages.map((m) => m.topic))}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.#waiters.push(() => { clearTimeout(timer); resolve() })
      })
      this.#waiters = []
    }
    return this.messages.slice(0, n)
  }

  /** Waits a little and returns what arrived, for "nothing more came". */
  async settle (ms = 150): Promise<Received[]> {
    await sleep(ms)
    return [...this.messages]
  }

  async publish (topic: string, payload: string, retain: boolean): Promise<void> {
    await this.#client.publishAsync(topic, payload, { qos: 1, retain })
  }

  async close (): Promise<void> {
    await this.#client.endAsync()
  }
}

/** Removes retained messages a test left on the shared broker (an empty retained payload deletes one). */
export async function clearRetained (topics: readonly string[], port = SHARED_PORT): Promise<void> {
  const client = connect({ host: '127.0.0.1', port, protocol: 'mqtt', reconnectPeriod: 0 })
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => { resolve() })
    client.once('error', reject)
  })
  for (const topic of topics) await client.publishAsync(topic, '', { qos: 1, retain: true })
  await client.endAsync()
}

export type Sections = { [S in keyof ZmesConfig]?: Partial<ZmesConfig[S]> }

export function zmesConfig (sections: Sections = {}): ZmesConfig {
  const c = structuredClone(ZMES_DEFAULTS) as unknown as Record<string, Record<string, unknown>>
  for (const [section, values] of Object.entries(sections)) Object.assign(c[section] as object, values)
  return c as unknown as ZmesConfig
}

export function incoming (event: HeraldEvent): IncomingEvent {
  return { type: event.type, id: event.id, key: event.key, transition: event.transition, data: event.data, json: event.json }
}

export interface Rig {
  readonly channel: MqttChannel
  readonly engine: DeliveryEngine
  readonly store: SqliteStore
  readonly clock: ManualClock
  readonly events: EngineEvents
  config: ZmesConfig
  /** Stores the events as the decision and the ingest router would, and wakes the engine. */
  ingest (...events: HeraldEvent[]): Promise<IngestResult[]>
  /** Resolves when the channel is connected. */
  connected (ms?: number): Promise<void>
  close (): Promise<void>
}

export interface RigOptions extends Partial<Omit<MqttChannelOptions, 'config' | 'clock' | 'logger'>> {
  readonly config: ZmesConfig
  readonly logger?: Logger
}

/** The MQTT channel behind a real DeliveryEngine and SQLite store, with a manual clock. */
export async function startRig (options: RigOptions): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-mqtt-'))
  const store = new SqliteStore({ file: join(dir, 'herald.db'), synchronous: 'normal' })
  await store.migrate()
  const clock = new ManualClock()
  const events = new EngineEvents(() => {})
  let engine: DeliveryEngine | undefined
  const state = { config: options.config }
  let closed = false
  const channel = new MqttChannel({
    reconnectPeriodMs: 100,
    connectTimeoutMs: 2000,
    onReconnect: () => { void engine?.retryNow(MQTT_LANE) },
    ...options,
    config: () => state.config,
    clock,
    logger: options.logger ?? pino({ level: process.env.HERALD_TEST_LOG ?? 'silent' })
  })
  const rig: Rig = {
    get config () { return state.config },
    set config (c) { state.config = c },
    channel,
    get engine () { return engine as DeliveryEngine },
    store,
    clock,
    events,
    async ingest (...list) {
      const route = (e: IncomingEvent): readonly Route[] => {
        if (e.type === 'alarm') {
          const alarm = decidedFromData(e.data)
          return alarm === undefined ? [] : rig.channel.routes(alarm, clock.now())
        }
        const r = rig.channel.routeEvent(e)
        return r === undefined ? [] : [r]
      }
      const results = await store.ingest(list.map(incoming), route, clock.now())
      rig.engine.enqueued(results)
      return results
    },
    async connected (ms = 10_000) {
      const deadline = Date.now() + ms
      while (!rig.channel.connected()) {
        if (Date.now() > deadline) throw new Error('the MQTT channel did not connect')
        await sleep(10)
      }
    },
    async close () {
      if (closed) return
      closed = true
      await rig.engine.close()
      await rig.channel.close()
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }
  engine = new DeliveryEngine({
    store,
    channels: new Map([[MQTT_CHANNEL, rig.channel]]),
    clock,
    retryPolicy: new RetryPolicy({ maxDelayMs: 100_000, jitter: 0 }),
    events
  })
  await engine.start()
  rig.channel.start()
  return rig
}

export async function sleep (ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

/** Resolves when the lane has no open deliveries left. */
export async function drained (rig: Rig, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  while (rig.engine.depth(MQTT_LANE) > 0) {
    if (Date.now() > deadline) throw new Error(`lane still has ${rig.engine.depth(MQTT_LANE)} open deliveries`)
    await sleep(10)
  }
}
