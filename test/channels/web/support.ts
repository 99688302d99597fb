import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino, type Logger } from 'pino'
import { WebSocket, type ClientOptions } from 'ws'
import { loadSettings } from '../../../src/config/load.js'
import { readZmesConfig } from '../../../src/config/zmes/read-zmes.js'
import type { EventServerLimits } from '../../../src/channels/web/index.js'
import { HeraldUsers } from '../../../src/auth/herald-users.js'
import { normalizeEvent } from '../../../src/events/normalize.js'
import type { IncomingEvent } from '../../../src/events/event.js'
import { createHerald, type Herald } from '../../../src/herald.js'
import type { Clock } from '../../../src/clock.js'
import type { IngestResult } from '../../../src/store/store.js'
import type { FcmFake } from '../../fakes/fcm-fake.js'
import { testConfig } from '../../helpers/herald.js'
import { ManualClock } from '../../helpers/manual-clock.js'

/*
 * A real Herald with its event server on 127.0.0.1, port 0, and real `ws` clients. The zmES
 * settings are written to an ini file and read the way `herald serve` reads them, so the escontrol
 * and restart paths see a real file.
 */

export const USER = 'admin'
export const PASSWORD = 'secret'
export const ESCONTROL_PASSWORD = 'control-pw'

/** Sections and keys of zmeventnotification.ini; values as written in the file. */
export type Ini = Record<string, Record<string, string>>

/** Plain WebSocket on loopback: the built-in ssl default is yes, and most tests do not need TLS. */
export const BASE_INI: Ini = { network: { address: '127.0.0.1', port: '0' }, ssl: { enable: 'no' } }

export interface LogLine { level: number, msg: string, [k: string]: unknown }

export interface EventHerald {
  readonly herald: Herald
  readonly clock: Clock
  readonly dir: string
  readonly iniFile: string
  readonly logs: LogLine[]
  /** Event seqs the web lane has delivered. */
  readonly delivered: Set<number>
  /** Raw alarm seq → the stored decision's ingest result. */
  readonly decided: Map<number, IngestResult>
  /** `ws://127.0.0.1:port` */
  readonly url: string
  /** Rewrites the ini file (for escontrol `restart`). */
  writeIni (ini: Ini): void
  /** Closes Herald; `keepData` leaves its folder for a restart on the same store. */
  close (keepData?: boolean): Promise<void>
}

export interface StartOptions {
  readonly ini?: Ini
  /** Replaces BASE_INI (plain WebSocket on 127.0.0.1, port 0). */
  readonly base?: Ini
  readonly clock?: Clock
  /** Reuse the data folder (and so the store) of an earlier Herald. */
  readonly dir?: string
  readonly limits?: Partial<EventServerLimits>
  /** Create the user USER / PASSWORD (default true). */
  readonly user?: boolean
  /**
   * Pushes go to this local fake of the zmNinja proxy. Tests whose clients register push tokens
   * need one: such a client hears of alarms through its pushes (the supplementary alarm).
   */
  readonly fcm?: FcmFake
}

export function iniText (ini: Ini): string {
  return Object.entries(ini).map(([section, values]) =>
    `[${section}]\n${Object.entries(values).map(([k, v]) => `${k} = ${v}`).join('\n')}\n`).join('\n')
}

/** Deep-merges ini sections: later keys win. */
export function mergeIni (...inis: Ini[]): Ini {
  const out: Ini = {}
  for (const ini of inis) {
    for (const [section, values] of Object.entries(ini)) out[section] = { ...out[section], ...values }
  }
  return out
}

export async function startEventHerald (options: StartOptions = {}): Promise<EventHerald> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'herald-web-'))
  const iniFile = join(dir, 'zmeventnotification.ini')
  const fcmIni: Ini = options.fcm !== undefined ? { fcm: { fcm_v1_url: options.fcm.proxyUrl, fcm_v1_key: options.fcm.proxyKey } } : {}
  const writeIni = (ini: Ini): void => writeFileSync(iniFile, iniText(mergeIni(options.base ?? BASE_INI, fcmIni, ini)))
  writeIni(options.ini ?? {})
  const { logger, lines } = captureLogs()
  // As `herald serve` does: the settings file, then its zmES sections.
  const settings = loadSettings({ file: iniFile, env: {} })
  const zmes = readZmesConfig(settings)
  if (zmes.problems.length > 0) throw new Error(`bad test ini: ${JSON.stringify(zmes.problems)}`)
  const clock = options.clock ?? new ManualClock(Date.now())
  const herald = await createHerald(testConfig(dir), {
    clock,
    logger,
    zmes: zmes.config,
    settings,
    ...(options.limits !== undefined ? { eventServerLimits: options.limits } : {})
  })
  const delivered = new Set<number>()
  const decided = new Map<number, IngestResult>()
  herald.onDecision((results, decision) => {
    const r = results[0]
    if (r !== undefined) decided.set(decision.record.alarmSeq, r)
  })
  herald.events.on('delivery:sent', ({ batch }) => {
    if (batch.channel === 'web') for (const item of batch.items) delivered.add(item.event.seq)
  })
  if (options.user !== false) await new HeraldUsers(herald.store, { rounds: 4 }).add(USER, PASSWORD)
  try {
    await herald.start()
  } catch (err) {
    await herald.close()
    if (options.dir === undefined) rmSync(dir, { recursive: true, force: true })
    throw err
  }
  const url = herald.eventServerAddress
  if (url === undefined) throw new Error('event server did not start')
  return {
    herald,
    clock,
    dir,
    iniFile,
    logs: lines,
    delivered,
    decided,
    url,
    writeIni,
    async close (keepData = false) {
      await herald.close()
      if (!keepData && options.dir === undefined) rmSync(dir, { recursive: true, force: true })
    }
  }
}

export function captureLogs (): { logger: Logger, lines: LogLine[] } {
  const lines: LogLine[] = []
  const logger = pino({ level: 'debug' }, {
    write (chunk: string) {
      lines.push(JSON.parse(chunk) as LogLine)
      if (process.env.HERALD_TEST_LOG !== undefined) process.stderr.write(chunk)
    }
  })
  return { logger, lines }
}

export type Json = Record<string, any>

/**
 * A WebSocket client that records what it receives. next() hands out messages in arrival order;
 * closed resolves with the close code.
 */
export class Client {
  readonly ws: WebSocket
  readonly received: Json[] = []
  readonly opened: Promise<void>
  readonly closed: Promise<{ code: number, reason: string }>
  #read = 0
  #waiters: Array<() => void> = []

  constructor (url: string, options: ClientOptions = {}) {
    this.ws = new WebSocket(url, options)
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve())
      this.ws.once('error', reject)
    })
    this.closed = new Promise((resolve) => {
      this.ws.once('close', (code, reason) => {
        this.#wake()
        resolve({ code, reason: reason.toString() })
      })
    })
    this.ws.on('error', () => {})
    this.ws.on('message', (data) => {
      this.received.push(JSON.parse(data.toString()) as Json)
      this.#wake()
    })
  }

  static async connect (url: string, options: ClientOptions = {}): Promise<Client> {
    const c = new Client(url, options)
    await c.opened
    return c
  }

  send (message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message))
  }

  /** The next message not yet read; fails after timeoutMs of real time. */
  async next (timeoutMs = 10_000): Promise<Json> {
    const deadline = Date.now() + timeoutMs
    while (this.#read >= this.received.length) {
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error(`connection closed while waiting for a message (read ${this.#read})`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`no message within ${timeoutMs} ms (got ${JSON.stringify(this.received)})`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.#waiters.push(() => { clearTimeout(timer); resolve() })
      })
    }
    return this.received[this.#read++] as Json
  }

  /**
   * Everything the server sent before it answered a version request sent now: the socket is
   * ordered, so an alarm already delivered shows up here, and one not delivered never will.
   */
  async drain (): Promise<Json[]> {
    this.send({ event: 'control', data: { type: 'version' } })
    const out: Json[] = []
    for (;;) {
      const m = await this.next()
      if (m.event === 'control' && m.type === 'version') return out
      out.push(m)
    }
  }

  close (): void {
    this.ws.terminate()
  }

  #wake (): void {
    const waiters = this.#waiters
    this.#waiters = []
    for (const w of waiters) w()
  }
}

/** Connects and logs in as zmNinja does; returns the client with the auth reply read. */
export async function login (url: string, extra: { data?: Json, category?: string } = {}): Promise<Client> {
  const c = await Client.connect(url)
  c.send({ event: 'auth', ...(extra.category !== undefined ? { category: extra.category } : {}), data: { user: USER, password: PASSWORD, appversion: '1.6.009', ...extra.data } })
  const reply = await c.next()
  if (reply.status !== 'Success') throw new Error(`login failed: ${JSON.stringify(reply)}`)
  return c
}

export async function escontrolLogin (url: string, password = ESCONTROL_PASSWORD): Promise<Client> {
  const c = await Client.connect(url)
  c.send({ event: 'auth', category: 'escontrol', data: { password } })
  const reply = await c.next()
  if (reply.status !== 'Success') throw new Error(`escontrol login failed: ${JSON.stringify(reply)}`)
  return c
}

/** An `alarm` event as a source posts it. */
export function alarm (monitorId: number, eventId: number, phase: 'start' | 'update' | 'end', extra: Json = {}): IncomingEvent {
  const result = normalizeEvent({ type: 'alarm', monitor_id: monitorId, monitor_name: `Cam ${monitorId}`, event_id: eventId, phase, cause: 'Motion All', ...extra })
  if (!result.ok) throw new Error(JSON.stringify(result.problems))
  return result.event
}

/**
 * Ingests alarms and resolves once the web lane has delivered all of them; resolves with how many
 * were routed to the web channel at all.
 */
export async function raise (h: EventHerald, ...events: IncomingEvent[]): Promise<number> {
  return (await raiseDecided(h, ...events)).filter((r) => r.routes.some((route) => route.channel === 'web')).length
}

/**
 * As raise(), and resolves with the stored decisions, in the order of `events`: their routes say
 * which push tokens (`fcm` routes) were told, so a test knows whether a supplementary alarm is
 * still to come or never will.
 */
export async function raiseDecided (h: EventHerald, ...events: IncomingEvent[]): Promise<IngestResult[]> {
  const results = await h.herald.ingestor.ingest(events)
  const raw = results.filter((r) => !r.duplicate).map((r) => r.seq)
  // Each alarm is decided first; the decided alarm is what the web lane carries.
  await waitFor('the alarms to be decided', () => raw.every((seq) => h.decided.has(seq)))
  const decided = raw.map((seq) => h.decided.get(seq)).filter((r): r is IngestResult => r !== undefined)
  const seqs = decided.filter((r) => r.routes.some((route) => route.channel === 'web')).map((r) => r.seq)
  await waitFor('the web lane to deliver', () => seqs.every((seq) => h.delivered.has(seq)))
  return decided
}

/** Whether a decision routed a push to `token`. */
export function pushedTo (decision: IngestResult | undefined, token: string): boolean {
  return decision?.routes.some((r) => r.channel === 'fcm' && r.target === token) ?? false
}

export async function waitFor (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

export const delay = async (ms: number): Promise<void> => await new Promise((resolve) => setTimeout(resolve, ms))
