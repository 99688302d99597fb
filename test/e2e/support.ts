import type { ServerResponse } from 'node:http'
import { after, afterEach, before } from 'node:test'
import { pino, type Logger } from 'pino'
import { api, startHerald, type TestHerald } from '../helpers/herald.js'
import { ManualClock } from '../helpers/manual-clock.js'
import { Receiver, type ReceivedRequest } from '../helpers/receiver.js'

/*
 * Shared by the e2e delivery tests: event builders, API shortcuts, polling and a gate that holds
 * a receiver's answers. Nothing here replaces a Herald component; it only drives the real one.
 */

export interface Delivery {
  id: number
  status: 'pending' | 'sending' | 'delivered' | 'failed'
  event: { seq: number, type: string, id: string }
  section: string
  message_id: string | null
  attempts: number
  last_status_code: number | null
  last_error: string | null
  latency_ms: number | null
  next_attempt_at: string | null
  created_at: string
  updated_at: string
  delivered_at: string | null
}

export interface Hook {
  id: number
  url: string
  active: boolean
  batch_size: number
  send_attempts: number
  max_in_flight: number | null
  secret: string | null
}

export function face (id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'face_event', id, camera: 1, camera_group: 1, matched: true, confidence: 0.9, ...extra }
}

export function body (id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'body_event', id, camera: 1, camera_group: 1, matched: false, ...extra }
}

export interface LogLine { level: number, msg: string, [k: string]: unknown }

export interface HeraldEnv {
  readonly h: TestHerald
  readonly clock: ManualClock
  /** Every log line of the current test, as parsed pino JSON. */
  readonly logs: LogLine[]
}

/**
 * One Herald for the tests of the enclosing describe: manual clock, zero jitter, captured logs.
 * After each test every webhook is deleted (dropping its queue and pending retry) and the
 * finished deliveries and events are pruned, so the next test starts empty and may reuse event
 * ids. Starting a Herald per test would cost most of the suite's time.
 */
export function useHerald (overrides: Parameters<typeof startHerald>[0] = {}, options: { start?: number } = {}): HeraldEnv {
  let h: TestHerald | undefined
  let clock: ManualClock | undefined
  const { logger, lines } = captureLogs()
  before(async () => {
    clock = new ManualClock(options.start)
    h = await startHerald(overrides, { clock, random: () => 0.5, logger })
  })
  afterEach(async () => {
    if (h === undefined) return
    const list = await api<{ results: Hook[] }>(h.url, 'GET', '/api/v1/hooks/?limit=1000')
    for (const hook of list.body.results) await api(h.url, 'DELETE', `/api/v1/hooks/${hook.id}/`)
    await h.herald.store.prune(Number.MAX_SAFE_INTEGER)
    lines.length = 0
  })
  after(async () => { await h?.close() })
  return {
    get h () { if (h === undefined) throw new Error('Herald not started'); return h },
    get clock () { if (clock === undefined) throw new Error('Herald not started'); return clock },
    logs: lines
  }
}

/** A Herald whose retries move only when the test advances the clock; jitter is zero. */
export async function startManual (overrides: Parameters<typeof startHerald>[0] = {}, logger?: Logger): Promise<{ h: TestHerald, clock: ManualClock }> {
  const clock = new ManualClock()
  const h = await startHerald(overrides, { clock, random: () => 0.5, ...(logger !== undefined ? { logger } : {}) })
  return { h, clock }
}

export async function createHook (h: TestHerald, fields: Record<string, unknown>): Promise<Hook> {
  const res = await api<Hook>(h.url, 'POST', '/api/v1/hooks/', { name: 'test hook', ...fields })
  if (res.status !== 201) throw new Error(`creating a webhook failed: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body
}

export async function patchHook (h: TestHerald, id: number, fields: Record<string, unknown>): Promise<Hook> {
  const res = await api<Hook>(h.url, 'PATCH', `/api/v1/hooks/${id}/`, fields)
  if (res.status !== 200) throw new Error(`patching webhook ${id} failed: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body
}

export async function ingest (h: TestHerald, events: unknown): Promise<{ accepted: number, duplicates: number }> {
  const res = await api<{ accepted: number, duplicates: number }>(h.url, 'POST', '/api/v1/events', events)
  if (res.status !== 202) throw new Error(`ingest failed: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body
}

/** The attempt log of a webhook, oldest first (the API lists newest first). */
export async function deliveries (h: TestHerald, hookId: number): Promise<Delivery[]> {
  const res = await api<{ results: Delivery[] }>(h.url, 'GET', `/api/v1/hooks/${hookId}/deliveries?limit=1000`)
  if (res.status !== 200) throw new Error(`reading deliveries failed: ${res.status} ${JSON.stringify(res.body)}`)
  return [...res.body.results].reverse()
}

/** Polls until `check` holds; fails with `what` after timeoutMs of real time. */
export async function waitFor (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
}

export async function waitForDeliveries (h: TestHerald, hookId: number, what: string, check: (ds: Delivery[]) => boolean, timeoutMs = 10_000): Promise<Delivery[]> {
  let last: Delivery[] = []
  await waitFor(what, async () => check(last = await deliveries(h, hookId)), timeoutMs).catch((err: Error) => {
    throw new Error(`${err.message}; deliveries: ${JSON.stringify(last.map((d) => [d.event.id, d.status, d.attempts]))}`)
  })
  return last
}

/** Waits for the engine to schedule its next retry, then moves the clock exactly to it. Returns the delay. */
export async function nextRetry (clock: ManualClock): Promise<number> {
  await waitFor('a retry to be scheduled', () => clock.pendingTimers() > 0)
  const delay = clock.nextTimerIn() as number
  await clock.advance(delay)
  return delay
}

/** Lets in-flight work settle when a test must show that something does NOT happen. */
export async function settle (ms = 60): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

/** Item ids a receiver got, in arrival order. */
export function ids (receiver: Receiver): string[] {
  return receiver.items().map((i) => String((i as { id: unknown }).id))
}

export function statusResponder (status: number, headers: Record<string, string> = {}) {
  return (_req: ReceivedRequest, res: ServerResponse): void => {
    res.writeHead(status, headers)
    res.end()
  }
}

/** Holds every answer until released; then answers 200 (held ones too). */
export class Gate {
  #open = false
  readonly #held: ServerResponse[] = []

  readonly respond = (_req: ReceivedRequest, res: ServerResponse): void => {
    if (this.#open) {
      res.end('ok')
      return
    }
    this.#held.push(res)
  }

  get held (): number {
    return this.#held.length
  }

  release (): void {
    this.#open = true
    for (const res of this.#held.splice(0)) res.end('ok')
  }
}

/** A receiver on loopback whose answers wait until `gate.release()`. */
export async function gatedReceiver (): Promise<{ receiver: Receiver, gate: Gate }> {
  const receiver = await Receiver.start()
  const gate = new Gate()
  receiver.respond = gate.respond
  return { receiver, gate }
}

/** A pino logger writing JSON lines into an array the test reads. */
export function captureLogs (): { logger: Logger, lines: LogLine[] } {
  const lines: LogLine[] = []
  const logger = pino({ level: 'info' }, { write (s: string) { lines.push(JSON.parse(s)) } })
  return { logger, lines }
}
