import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Pool } from 'undici'
import { AUTH, api, startHerald } from '../helpers/herald.js'
import { Receiver } from '../helpers/receiver.js'
import { mulberry32 } from '../helpers/prng.js'

/*
 * Hostile input for the two write surfaces anyone can reach with a token: event ingest and the
 * webhook API. Bodies are generated as JSON *text* (not via JSON.stringify of objects), so keys
 * like __proto__ reach the server as written. The generator is seeded: a failure names its seed
 * and the body, and rerunning with HERALD_FUZZ_SEED=<seed> replays it exactly.
 */
const SEED = Number(process.env.HERALD_FUZZ_SEED ?? 0x4e7a1d)
const EVENT_BODIES = 1300
const HOOK_BODIES = 500
const QUERIES = 150
const PARALLEL = 8


class Gen {
  readonly #random: () => number
  constructor (seed: number) { this.#random = mulberry32(seed) }

  float (): number { return this.#random() }
  int (n: number): number { return Math.floor(this.#random() * n) }
  chance (p: number): boolean { return this.#random() < p }
  pick<T> (items: readonly T[]): T { return items[this.int(items.length)] as T }

  /** A string with ASCII, accents, CJK, emoji, lone surrogates, controls and bidi marks. */
  string (maxLength = 24): string {
    const pieces = ['a', 'Z', '0', ' ', '"', '\\', '/', 'é', 'ß', '中', '😀', '\ud800', '\udfff', '\u0000', '\u0007', '\n', '\u202e', '\ufeff', '%00', '${x}', '<script>', '../', 'whsec_', '…']
    let s = ''
    const n = this.int(maxLength + 1)
    for (let i = 0; i < n; i++) s += this.pick(pieces)
    return s
  }

  /** A JSON number token, including ones JSON.parse maps to Infinity or rounds. */
  number (): string {
    return this.pick(['0', '-0', '1', '-1', '3', '17', '0.5', '1.5', '-180', '181', '1e309', '-1e309', '1e-400', '9007199254740993',
      '1E2', '123456789012345678901234567890', String(this.int(1_000_000)), String(this.float()), '2.5e-3'])
  }

  key (): string {
    return this.pick(KEYS)
  }

  /** Any JSON value as text, nested at most `depth` more levels. */
  value (depth: number): string {
    const roll = this.int(depth > 0 ? 9 : 6)
    switch (roll) {
      case 0: return 'null'
      case 1: return this.chance(0.5) ? 'true' : 'false'
      case 2: case 3: return this.number()
      case 4: case 5: return JSON.stringify(this.string())
      case 6: case 7: return this.object(depth - 1)
      default: return this.array(depth - 1)
    }
  }

  object (depth: number, forced: Array<[string, string]> = []): string {
    const entries: Array<[string, string]> = [...forced]
    const n = this.int(6)
    for (let i = 0; i < n; i++) entries.push([this.key(), this.value(depth)])
    if (this.chance(0.3)) entries.sort(() => this.float() - 0.5)
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`
  }

  array (depth: number): string {
    const n = this.int(5)
    return `[${Array.from({ length: n }, () => this.value(depth)).join(',')}]`
  }
}

const KEYS = [
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__',
  'type', 'id', 'transition', 'camera', 'camera_group', 'matched', 'matched_card', 'matched_lists', 'confidence',
  'thumbnail', 'fullframe', 'features', 'bs_type', 'events_count', 'cameras', 'counter', 'faces_count', 'area',
  'active', 'duration', 'monitor_id', 'event_id', 'phase', 'cause', 'notes', 'detection', 'labels', 'scores', 'boxes',
  'last_face_event', 'name', 'title', 'url', 'batch_size', 'send_attempts', 'filters', 'verbose', 'secret',
  'face_events', 'human_episodes', 'counters', 'alarms', 'camera_in', 'allowed_types', 'cause_regex', 'confidence_gte',
  'created_date', 'modified_date', 'warnings', '', ' ', 'ä', '\u0000', '😀', '0', 'length'
]

const EVENT_TEMPLATES: Array<Record<string, unknown>> = [
  { type: 'face_event', id: 'f', camera: 3, camera_group: 1, matched: true, matched_card: 17, matched_lists: [2], confidence: 0.9, thumbnail: 'uploads/t.jpg', features: { gender: { name: 'male', confidence: 0.9 } } },
  { type: 'body_event', id: 'b', camera: 3, matched: false },
  { type: 'car_event', id: 'c', camera: 3, features: { color: { name: 'red', confidence: 0.8 } } },
  { type: 'human_episode', id: 1, transition: 'episode_open', events_count: 1, cameras: [3], last_face_event: { id: 'n', camera: 3, thumbnail: '/t.jpg' } },
  { type: 'car_episode', id: 2, transition: 'episode_close', events_count: 3 },
  { type: 'counter_record', id: 3, counter: 4, camera: 3, faces_count: 2, fullframe: 'f.jpg' },
  { type: 'area_activation', id: 4, area: 2, active: true, duration: 15 },
  { type: 'alarm', monitor_id: 1, event_id: 7, phase: 'start', cause: 'Motion', detection: { labels: ['person'], scores: [0.9] } }
]

const HOOK_TEMPLATE: Record<string, unknown> = {
  name: 'fuzz', url: 'http://127.0.0.1:9/fuzz', active: false, batch_size: 2, send_attempts: 3,
  filters: { face_events: { camera_in: [1], confidence_gte: 0.5 }, human_episodes: { allowed_types: ['episode_open'] }, alarms: { cause_regex: 'Motion' } }
}

/** A template with one field replaced, added or removed, serialised by hand. */
function mutate (g: Gen, template: Record<string, unknown>, uniqueId: string | undefined): string {
  const entries: Array<[string, string]> = Object.entries(template).map(([k, v]) => [k, JSON.stringify(v)])
  if (uniqueId !== undefined) {
    const at = entries.findIndex(([k]) => k === 'id' || k === 'event_id')
    if (at >= 0) entries[at] = [entries[at]?.[0] as string, typeof template[entries[at]?.[0] as string] === 'number' ? String(Number(uniqueId.replace(/\D/g, '')) + 1) : JSON.stringify(uniqueId)]
  }
  const changes = 1 + g.int(3)
  for (let i = 0; i < changes; i++) {
    const roll = g.int(3)
    if (roll === 0 && entries.length > 0) entries.splice(g.int(entries.length), 1)
    else if (roll === 1 && entries.length > 0) (entries[g.int(entries.length)] as [string, string])[1] = g.value(3)
    else entries.push([g.key(), g.value(3)])
  }
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`
}

/** One hostile body: text, or raw bytes for encodings JSON text cannot express. */
function hostile (g: Gen, templates: Array<Record<string, unknown>>, n: number): string | Uint8Array {
  const template = g.pick(templates)
  const roll = g.int(100)
  if (roll < 35) return mutate(g, template, `fz${n}`)
  if (roll < 45) return `[${Array.from({ length: 1 + g.int(4) }, (_, i) => mutate(g, g.pick(templates), `fz${n}x${i}`)).join(',')}]`
  if (roll < 60) return g.value(4)
  if (roll < 64) {
    const depth = g.pick([30, 33, 100, 1000, 20_000, 100_000])
    return g.chance(0.5)
      ? `${'['.repeat(depth)}${']'.repeat(depth)}`
      : `{"type":${JSON.stringify(template.type ?? 'face_event')},"id":"deep${n}","name":"d","url":"http://127.0.0.1:9/","meta":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`
  }
  if (roll < 67) {
    // Mostly under the 4 MiB limit (stored and delivered), now and then over it (413).
    const size = g.chance(0.15) ? 5 * 1024 * 1024 : g.pick([70_000, 300_000])
    const field = g.pick(['id', 'name', 'notes', 'url', 'cause', 'thumbnail'])
    return `{"type":${JSON.stringify(template.type ?? 'alarm')},"id":"big${n}","name":"n","url":"http://127.0.0.1:9/",${JSON.stringify(field)}:"${'x'.repeat(size)}"}`
  }
  if (roll < 77) {
    const text = JSON.stringify(template)
    return text.slice(0, g.int(text.length))
  }
  if (roll < 83) {
    return g.pick([
      '{"__proto__":{"polluted":true},"type":"face_event","id":"p1"}',
      '{"constructor":{"prototype":{"polluted":true}},"type":"face_event","id":"p2"}',
      '[{"type":"face_event","id":"p3","features":{"__proto__":{"polluted":true}}}]',
      '{"name":"p","url":"http://127.0.0.1:9/","filters":{"__proto__":{"polluted":true}}}',
      '{"name":"p","url":"http://127.0.0.1:9/","filters":{"face_events":{"constructor":{"prototype":{"polluted":true}}}}}',
      '{"name":"p","url":"http://127.0.0.1:9/","filters":{"constructor":{}}}',
      '{"name":"p","url":"http://127.0.0.1:9/","filters":{"face_events":{"toString":[1]}}}',
      '{"type":"alarm","monitor_id":1,"event_id":1,"phase":"constructor"}'
    ])
  }
  if (roll < 90) {
    const token = g.pick(['NaN', 'Infinity', '-Infinity', 'undefined', '0x1F', '01', '1.', '.5', '+1', "'x'", 'True', '/*c*/1'])
    return `{"type":"face_event","id":"num${n}","confidence":${token},"name":"n","batch_size":${token}}`
  }
  if (roll < 95) {
    const text = mutate(g, template, `u${n}`)
    const bytes = Buffer.from(text)
    const at = g.int(bytes.length)
    return Buffer.concat([bytes.subarray(0, at), Buffer.from(g.pick([[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x00]])), bytes.subarray(at)])
  }
  return g.pick(['', ' ', 'null', '[]', '{}', '""', '0', 'true', '[null]', '[[]]', '[{}]', '{"type":null}', '\ufeff{}'])
}

interface Outcome { status: number, body: string }

/* undici's request rather than fetch: a third of the client-side cost per request. */
async function send (pool: Pool, method: 'GET' | 'POST' | 'PUT' | 'PATCH', path: string, body: string | Uint8Array | undefined): Promise<Outcome> {
  const headers: Record<string, string> = { ...AUTH }
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await pool.request({ method, path, headers, ...(body === undefined ? {} : { body }) })
  return { status: res.statusCode, body: await res.body.text() }
}

/** Runs `count` jobs, `PARALLEL` at a time, in order of their index. */
async function inParallel (count: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: PARALLEL }, async () => {
    while (next < count) await job(next++)
  }))
}

function describeBody (body: string | Uint8Array | undefined): string {
  if (body === undefined) return '(none)'
  const text = typeof body === 'string' ? body : `bytes:${Buffer.from(body).toString('hex').slice(0, 200)}`
  return text.length > 200 ? `${text.slice(0, 200)}… (${text.length} chars)` : text
}

/** Problems with one answer: 2xx or 4xx, and a 4xx is JSON with a code. */
function judge (outcome: Outcome): string | undefined {
  if (outcome.status >= 500 || outcome.status < 200 || (outcome.status >= 300 && outcome.status < 400)) return `status ${outcome.status}: ${outcome.body.slice(0, 200)}`
  if (outcome.status >= 400) {
    let parsed: unknown
    try { parsed = JSON.parse(outcome.body) } catch { return `4xx without a JSON body: ${outcome.body.slice(0, 200)}` }
    const code = (parsed as { code?: unknown } | null)?.code
    if (typeof code !== 'string' || !code.startsWith('HRD_ERR_')) return `4xx without an HRD_ERR code: ${outcome.body.slice(0, 200)}`
  }
  return undefined
}

test(`hostile bodies to POST /api/v1/events and the webhook API never get a 5xx (seed ${SEED})`, async () => {
  const receiver = await Receiver.start()
  const h = await startHerald({ webhooks: { verbose_webhooks: true }, http: { public_base_url: 'https://ff.example' } })
  const pool = new Pool(h.url, { connections: PARALLEL })
  const failures: string[] = []
  const check = (what: string, body: string | Uint8Array | undefined, outcome: Outcome): void => {
    const problem = judge(outcome)
    if (problem !== undefined && failures.length < 20) failures.push(`${what} ${describeBody(body)} → ${problem}`)
  }
  try {
    // A webhook that takes every section, verbose and with absolute links, so accepted fuzz events
    // also go through rendering and delivery.
    const sections = Object.fromEntries(['face_events', 'body_events', 'car_events', 'human_episodes', 'car_episodes', 'counters', 'areas', 'alarms'].map((s) => [s, {}]))
    const sink = await api(h.url, 'POST', '/hooks/', { name: 'sink', url: receiver.url, batch_size: 100, send_attempts: 0, filters: sections })
    assert.equal(sink.status, 201)

    const g = new Gen(SEED)
    let accepted = 0
    const started = Date.now()
    const eventBodies = Array.from({ length: EVENT_BODIES }, (_, i) => hostile(g, EVENT_TEMPLATES, i))
    await inParallel(EVENT_BODIES, async (i) => {
      const body = eventBodies[i]
      const outcome = await send(pool, 'POST', '/api/v1/events', body)
      check('POST /api/v1/events', body, outcome)
      if (outcome.status === 202) accepted += (JSON.parse(outcome.body) as { accepted: number }).accepted
    })

    // Hooks only after events: a fuzzed hook never receives anything, so its URL cannot matter.
    // PUT and PATCH go to a copy: the sink must keep its URL.
    const copy = await api(h.url, 'POST', '/hooks/', HOOK_TEMPLATE)
    assert.equal(copy.status, 201)
    // Everything random is drawn before sending, so the run does not depend on response timing.
    const hookRequests = Array.from({ length: HOOK_BODIES }, (_, i) => {
      const [method, path] = g.pick([['POST', '/hooks/'], ['POST', '/api/v1/hooks/'], ['PUT', `/hooks/${copy.body.id as number}/`], ['PATCH', `/api/v1/hooks/${copy.body.id as number}/`]] as const)
      return { method, path, body: hostile(g, [HOOK_TEMPLATE], i) }
    })
    await inParallel(HOOK_BODIES, async (i) => {
      const { method, path, body } = hookRequests[i] as typeof hookRequests[number]
      check(`${method} ${path}`, body, await send(pool, method, path, body))
    })

    const QUERY_KEYS = ['limit', 'page', 'ordering', 'id_in', 'created_date_gt', 'created_date_lte', 'status', 'before', 'x', '__proto__']
    // Buffer.from: lone surrogates become U+FFFD, which encodeURIComponent can encode.
    const encode = (s: string): string => encodeURIComponent(Buffer.from(s).toString())
    const queryPaths = Array.from({ length: QUERIES }, () => {
      const params = g.chance(0.1)
        ? g.pick(['limit=%', 'page=%E0%A4%A', 'ordering=%00', 'id_in=1&id_in=%FF', '&&&', '=1', 'limit[]=1', 'limit[a]=2'])
        : Array.from({ length: 1 + g.int(4) }, () => `${encode(g.pick(QUERY_KEYS))}=${encode(g.chance(0.5) ? g.number() : g.string(8))}`).join('&')
      return g.chance(0.7) ? `/hooks/?${params}` : `/api/v1/hooks/${sink.body.id as number}/deliveries?${params}`
    })
    await inParallel(QUERIES, async (i) => {
      const path = queryPaths[i] as string
      check(`GET ${path}`, undefined, await send(pool, 'GET', path, undefined))
    })

    if (process.env.HERALD_FUZZ_VERBOSE !== undefined) console.log(`${EVENT_BODIES + HOOK_BODIES + QUERIES} requests in ${Date.now() - started} ms, ${accepted} events accepted`)
    assert.deepEqual(failures, [], `replay with HERALD_FUZZ_SEED=${SEED}`)
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype was polluted')
    const health = await api(h.url, 'GET', '/healthz', undefined, {})
    assert.equal(health.status, 200)
    assert.ok(accepted > 100, `only ${accepted} fuzz events were accepted: the generator is too hostile to reach the store`)

    // Everything accepted was stored and delivered: rendering survived whatever was posted.
    await receiver.waitForItems(accepted, 10_000)
    assert.equal(receiver.items().length, accepted)
    const failed = await api(h.url, 'GET', `/api/v1/hooks/${sink.body.id as number}/deliveries?status=failed`)
    assert.deepEqual(failed.body.results, [])
  } finally {
    await pool.close()
    await h.close()
    await receiver.stop()
  }
})
