import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { pino, type Logger } from 'pino'
import { Agent } from 'undici'
import type { DecidedAlarm } from '../../../src/decision/decided-alarm.js'
import { readDecidedAlarm } from '../../../src/decision/decided-alarm.js'
import { DeliveryEngine } from '../../../src/delivery/engine.js'
import { EngineEvents } from '../../../src/delivery/engine-events.js'
import { RetryPolicy } from '../../../src/delivery/retry-policy.js'
import type { HeraldEvent, IncomingEvent } from '../../../src/events/event.js'
import { SqliteStore } from '../../../src/store/sqlite/sqlite-store.js'
import type { Delivery } from '../../../src/store/store.js'
import { parseTargetUrl, renderTargetMessage, TargetRegistry, TargetsChannel, type ConfiguredTarget, type ServiceTarget } from '../../../src/channels/targets/index.js'
import type { SendResult } from '../../../src/channels/targets/service.js'
import { decidedAlarmEvent, type DecidedAlarmFixture } from '../../helpers/decided-alarm.js'
import { ManualClock } from '../../helpers/manual-clock.js'

export const PICTURE = 'https://zm.example.com/zm/index.php?view=image&eid=1234&fid=snapshot&width=600'

/** Parses a URL a test knows to be good. */
export function target (url: string): ServiceTarget {
  const parsed = parseTargetUrl(url)
  if (!parsed.ok) throw new Error(`${url} ${parsed.message}`)
  return parsed.target
}

export function alarmOf (f: DecidedAlarmFixture = {}): DecidedAlarm {
  const alarm = readDecidedAlarm(decidedAlarmEvent(f))
  if (alarm === undefined) throw new Error('not a decided alarm')
  return alarm
}

const agent = new Agent({ keepAliveTimeout: 10 })

/** One send straight to a service, outside the engine: for payload and answer tests. `picture` null: no picture. */
export async function sendOnce (url: string, f: DecidedAlarmFixture = {}, picture: string | null = PICTURE, done = new Set<string>()): Promise<SendResult> {
  return target(url).send(renderTargetMessage(alarmOf(f), picture ?? undefined, true), {
    dispatcher: agent,
    timeoutMs: 2000,
    userAgent: 'Herald-test',
    now: () => Date.now(),
    signal: new AbortController().signal,
    done
  })
}

export function incoming (event: HeraldEvent): IncomingEvent {
  return { type: event.type, id: event.id, key: event.key, transition: event.transition, data: event.data, json: event.json }
}

/** Log lines a test can read back. */
export class LogLines {
  readonly lines: Array<Record<string, unknown>> = []
  readonly logger: Logger

  constructor () {
    const sink = new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        for (const line of chunk.toString('utf8').split('\n')) if (line !== '') this.lines.push(JSON.parse(line) as Record<string, unknown>)
        cb()
      }
    })
    this.logger = pino({ level: 'debug' }, sink)
  }

  get text (): string {
    return this.lines.map((l) => JSON.stringify(l)).join('\n')
  }

  messages (level?: number): string[] {
    return this.lines.filter((l) => level === undefined || l.level === level).map((l) => String(l.msg))
  }
}

export interface HarnessOptions {
  readonly configured?: readonly ConfiguredTarget[]
  readonly maxAttempts?: number
  readonly pictureUrl?: (alarm: DecidedAlarm) => string | undefined
  readonly timeoutMs?: number
}

/** The targets channel on the real DeliveryEngine and SqliteStore, with a manual clock. */
export class Harness {
  readonly clock = new ManualClock()
  readonly log = new LogLines()
  readonly dir = mkdtempSync(join(tmpdir(), 'herald-targets-'))
  readonly store = new SqliteStore({ file: join(this.dir, 'herald.db'), synchronous: 'normal' })
  readonly events = new EngineEvents(() => {})
  registry!: TargetRegistry
  channel!: TargetsChannel
  engine!: DeliveryEngine
  #seq = 0

  static async create (o: HarnessOptions = {}): Promise<Harness> {
    const h = new Harness()
    await h.store.migrate()
    h.registry = await TargetRegistry.load({ store: h.store, configured: o.configured ?? [], logger: h.log.logger })
    h.channel = new TargetsChannel({
      registry: h.registry,
      dispatcher: agent,
      clock: h.clock,
      logger: h.log.logger,
      pictureUrl: o.pictureUrl ?? (() => PICTURE),
      timeoutMs: o.timeoutMs ?? 2000,
      ...(o.maxAttempts !== undefined ? { maxAttempts: o.maxAttempts } : {})
    })
    h.engine = new DeliveryEngine({
      store: h.store,
      channels: new Map([[h.channel.name, h.channel]]),
      clock: h.clock,
      retryPolicy: new RetryPolicy({ maxDelayMs: 100_000, jitter: 0 }),
      events: h.events
    })
    await h.engine.start()
    return h
  }

  /** Decides alarms the way the decision module would: stores each, queued to the channel's routes. */
  async alarm (f: DecidedAlarmFixture = {}): Promise<number> {
    const event = decidedAlarmEvent({ eventId: 1000 + ++this.#seq, ...f })
    const alarm = readDecidedAlarm(event)
    if (alarm === undefined) throw new Error('not a decided alarm')
    const results = await this.store.ingest([incoming(event)], () => this.channel.routes(alarm, this.clock.now()), this.clock.now())
    this.engine.enqueued(results)
    return results[0]?.routes.length ?? 0
  }

  async deliveries (name: string): Promise<Delivery[]> {
    return [...(await this.store.listDeliveries('targets', name, { limit: 1000 })).results].reverse()
  }

  /** Waits (real time, briefly) until the condition holds: HTTP round trips on loopback take a few ms. */
  async until (what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }

  async close (): Promise<void> {
    await this.engine.close()
    await this.registry.close()
    await this.store.close()
    rmSync(this.dir, { recursive: true, force: true })
  }
}
