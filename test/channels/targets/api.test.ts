import { after, before, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import Fastify, { type FastifyInstance } from 'fastify'
import { registerErrorHandler } from '../../../src/api/error-handler.js'
import { targetRoutes, type TargetLanes } from '../../../src/api/targets.js'
import { ConfigError, UnauthorizedError } from '../../../src/errors.js'
import { TARGETS_SETTING, TargetRegistry, type TargetSettingsStore } from '../../../src/channels/targets/index.js'
import { ManualClock } from '../../helpers/manual-clock.js'
import { target } from './support.js'

/* /api/v1/targets on a minimal fastify instance, through inject(). */

const NTFY_TOKEN = 'tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2'
const BOT = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw'
const AUTH = { authorization: 'Token admin' }

class MemoryStore implements TargetSettingsStore {
  readonly values = new Map<string, string>()
  writes = 0
  async getSetting (key: string): Promise<string | undefined> { return this.values.get(key) }
  async setSetting (key: string, value: string): Promise<void> {
    this.writes++
    // A write that takes a while, so concurrent requests really overlap.
    await new Promise((resolve) => setImmediate(resolve))
    this.values.set(key, value)
  }
}

class LaneLog implements TargetLanes {
  readonly calls: string[] = []
  wake (lane: string): void { this.calls.push(`wake ${lane}`) }
  async retryNow (lane: string): Promise<void> { this.calls.push(`retryNow ${lane}`) }
  async dropLane (lane: string): Promise<number> { this.calls.push(`dropLane ${lane}`); return 0 }
}

interface Api {
  app: FastifyInstance
  store: MemoryStore
  registry: TargetRegistry
  lanes: LaneLog
}

async function build (store = new MemoryStore(), bodyLimit = 65_536): Promise<Api> {
  const iniUrl = `tgram://${BOT}/42`
  const registry = await TargetRegistry.load({ store, configured: [{ name: 'from-ini', url: iniUrl, service: target(iniUrl) }] })
  const lanes = new LaneLog()
  const app = Fastify({ bodyLimit, ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: true } } })
  registerErrorHandler(app)
  app.removeContentTypeParser('text/plain')
  await app.register(targetRoutes, {
    registry,
    lanes,
    clock: new ManualClock(Date.parse('2026-01-01T00:00:00Z')),
    preHandler: async (request) => {
      if (request.headers.authorization !== AUTH.authorization) throw new UnauthorizedError('authentication required: send Authorization: Token <admin token>')
    }
  })
  await app.ready()
  return { app, store, registry, lanes }
}

async function call (api: Api, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = AUTH): Promise<{ status: number, body: any }> {
  const res = await api.app.inject({
    method,
    url,
    headers: payload === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(payload === undefined ? {} : { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) })
  })
  return { status: res.statusCode, body: res.body === '' ? undefined : JSON.parse(res.body) }
}

describe('/api/v1/targets', () => {
  let api: Api
  beforeEach(async () => { api = await build() })

  it('is for admins only', async () => {
    for (const [method, url] of [['GET', '/api/v1/targets'], ['GET', '/api/v1/targets/from-ini'], ['POST', '/api/v1/targets'], ['PATCH', '/api/v1/targets/x'], ['DELETE', '/api/v1/targets/x']] as const) {
      const res = await call(api, method, url, method === 'POST' || method === 'PATCH' ? {} : undefined, {})
      assert.equal(res.status, 401, `${method} ${url}`)
      assert.equal(res.body.code, 'HRD_ERR_AUTH_MISSING')
    }
  })

  it('POST creates a target (201): defaults active, starts only, every monitor; the token is masked', async () => {
    const res = await call(api, 'POST', '/api/v1/targets', { name: 'phone', url: `ntfys://${NTFY_TOKEN}@ntfy.example.com/alarms` })
    assert.equal(res.status, 201)
    assert.deepEqual(res.body, {
      name: 'phone',
      service: 'ntfy',
      url: 'ntfys://****@ntfy.example.com/alarms',
      active: true,
      phases: ['start'],
      monitors: [],
      source: 'api',
      disabled_reason: null,
      created_date: '2026-01-01T00:00:00.000Z',
      modified_date: '2026-01-01T00:00:00.000Z'
    })
    assert.deepEqual(api.lanes.calls, [])
  })

  it('GET lists config and API targets by name, secrets masked everywhere', async () => {
    await call(api, 'POST', '/api/v1/targets', { name: 'phone', url: `ntfys://${NTFY_TOKEN}@ntfy.example.com/alarms`, phases: ['end', 'start'], monitors: [9, 3, 3] })
    const res = await call(api, 'GET', '/api/v1/targets')
    assert.equal(res.status, 200)
    assert.deepEqual(res.body.results.map((t: Record<string, unknown>) => [t.name, t.source, t.url, t.phases, t.monitors]), [
      ['from-ini', 'config', 'tgram://****/42', ['start'], []],
      ['phone', 'api', 'ntfys://****@ntfy.example.com/alarms', ['start', 'end'], [3, 9]]
    ])
    const one = await call(api, 'GET', '/api/v1/targets/from-ini')
    assert.equal(one.body.created_date, null)
    const raw = JSON.stringify([res.body, one.body])
    assert.doesNotMatch(raw, new RegExp(NTFY_TOKEN))
    assert.doesNotMatch(raw, /AAHdqTcv/)
  })

  it('stores API targets in the settings table as one JSON document that a restart reads back', async () => {
    await call(api, 'POST', '/api/v1/targets', { name: 'phone', url: 'ntfy://alarms', monitors: [1] })
    const doc = JSON.parse(api.store.values.get(TARGETS_SETTING) ?? '{}')
    assert.equal(doc.version, 1)
    assert.deepEqual(doc.targets.map((t: Record<string, unknown>) => [t.name, t.url, t.monitors]), [['phone', 'ntfy://alarms', [1]]])
    const again = await build(api.store)
    assert.deepEqual(again.registry.list().map((t) => [t.name, t.source, t.url]), [['from-ini', 'config', `tgram://${BOT}/42`], ['phone', 'api', 'ntfy://alarms']])
  })

  it('409 for a name that exists, and for any change to a [targets] line', async () => {
    assert.equal((await call(api, 'POST', '/api/v1/targets', { name: 'phone', url: 'ntfy://alarms' })).status, 201)
    const dup = await call(api, 'POST', '/api/v1/targets', { name: 'phone', url: 'ntfy://other' })
    assert.equal(dup.status, 409)
    assert.match(dup.body.message, /target "phone" exists/)
    assert.equal(dup.body.code, 'HRD_ERR_CONFLICT')
    for (const [method, url, body] of [['POST', '/api/v1/targets', { name: 'from-ini', url: 'ntfy://x' }], ['PATCH', '/api/v1/targets/from-ini', { active: false }], ['DELETE', '/api/v1/targets/from-ini', undefined]] as const) {
      const res = await call(api, method, url, body)
      assert.equal(res.status, 409, `${method} ${url}`)
      assert.equal(res.body.message, 'target "from-ini" comes from the [targets] section of the settings file and cannot be changed here: edit the file and restart Herald')
    }
    assert.equal(api.registry.get('from-ini')?.active, true)
  })

  it('PATCH changes some fields; the masked URL sent back keeps the URL', async () => {
    const url = `ntfys://${NTFY_TOKEN}@ntfy.example.com/alarms`
    await call(api, 'POST', '/api/v1/targets', { name: 'phone', url })
    const got = (await call(api, 'GET', '/api/v1/targets/phone')).body
    const res = await call(api, 'PATCH', '/api/v1/targets/phone', { ...got, phases: ['end'], monitors: [4] })
    assert.equal(res.status, 200)
    assert.deepEqual([res.body.phases, res.body.monitors, res.body.url], [['end'], [4], 'ntfys://****@ntfy.example.com/alarms'])
    assert.equal(api.registry.get('phone')?.url, url)
    assert.deepEqual(api.lanes.calls, ['wake targets:phone'])
  })

  it('PATCH with an edited copy of the masked URL is refused naming url: it would store **** as the password', async () => {
    const url = 'mailto://alarms%40example.com:s3cret@127.0.0.1:2525?to=me@example.com'
    await call(api, 'POST', '/api/v1/targets', { name: 'mail', url })
    const masked = (await call(api, 'GET', '/api/v1/targets/mail')).body.url as string
    assert.ok(masked.includes('****'))
    const res = await call(api, 'PATCH', '/api/v1/targets/mail', { url: masked.replace('2525', '2526') })
    assert.equal(res.status, 400)
    assert.deepEqual(res.body.fields.map((f: { field: string }) => f.field), ['url'])
    assert.equal(api.registry.get('mail')?.url, url)
  })

  it('PATCH with a new URL or switching a target back on retries its queue now and clears why it was off', async () => {
    await call(api, 'POST', '/api/v1/targets', { name: 'team', url: 'discord://1/tok' })
    assert.equal(await api.registry.disable('team', 'Discord says the webhook does not exist (Unknown Webhook)', 5), true)
    const off = (await call(api, 'GET', '/api/v1/targets/team')).body
    assert.deepEqual([off.active, off.disabled_reason], [false, 'Discord says the webhook does not exist (Unknown Webhook)'])
    const on = await call(api, 'PATCH', '/api/v1/targets/team', { active: true })
    assert.deepEqual([on.body.active, on.body.disabled_reason], [true, null])
    await call(api, 'PATCH', '/api/v1/targets/team', { url: 'discord://1/newtoken' })
    assert.deepEqual(api.lanes.calls, ['retryNow targets:team', 'retryNow targets:team'])
  })

  it('DELETE removes a target and drops its queue (204), then 404', async () => {
    await call(api, 'POST', '/api/v1/targets', { name: 'phone', url: 'ntfy://alarms' })
    const res = await call(api, 'DELETE', '/api/v1/targets/phone')
    assert.equal(res.status, 204)
    assert.deepEqual(api.lanes.calls, ['dropLane targets:phone'])
    assert.equal((await call(api, 'GET', '/api/v1/targets/phone')).status, 404)
    assert.equal((await call(api, 'DELETE', '/api/v1/targets/phone')).status, 404)
    assert.equal((await call(api, 'PATCH', '/api/v1/targets/phone', { active: true })).status, 404)
    assert.deepEqual(JSON.parse(api.store.values.get(TARGETS_SETTING) ?? '{}').targets, [])
  })

  it('concurrent PATCHes are applied one after the other: none is lost', async () => {
    await call(api, 'POST', '/api/v1/targets', { name: 'a', url: 'ntfy://a' })
    await call(api, 'POST', '/api/v1/targets', { name: 'b', url: 'ntfy://b' })
    await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => call(api, 'PATCH', '/api/v1/targets/a', { monitors: [i] })),
      call(api, 'PATCH', '/api/v1/targets/b', { phases: ['end'] })
    ])
    const doc = JSON.parse(api.store.values.get(TARGETS_SETTING) ?? '{}')
    assert.deepEqual(doc.targets.map((t: Record<string, unknown>) => [t.name, t.monitors, t.phases]), [['a', [9], ['start']], ['b', [], ['end']]])
    assert.deepEqual(api.registry.list().map((t) => [t.name, t.monitors, t.phases]), [['a', [9], ['start']], ['b', [], ['end']], ['from-ini', [], ['start']]].sort())
  })
})

describe('/api/v1/targets with bad input', () => {
  let api: Api
  before(async () => { api = await build(undefined, 16_384) })
  after(async () => { await api.app.close() })

  async function fieldsOf (method: 'POST' | 'PATCH', url: string, payload: unknown): Promise<Array<{ field: string, message: string }>> {
    const res = await call(api, method, url, payload)
    assert.equal(res.status, 400, JSON.stringify(res.body))
    assert.equal(res.body.code, 'HRD_ERR_VALIDATION')
    return res.body.fields
  }

  it('names every bad field at once', async () => {
    const fields = await fieldsOf('POST', '/api/v1/targets', { name: 'Bad Name', url: 'foo://x', active: 'yes', phases: ['start', 'middle'], monitors: [1, -2], extra: 1 })
    assert.deepEqual(fields.map((f) => f.field), ['extra', 'name', 'url', 'active', 'phases', 'monitors.1'])
    assert.match(fields[2]?.message ?? '', /^target URL has an unknown scheme "foo:\/\/"/)
  })

  it('requires name and url on POST', async () => {
    assert.deepEqual((await fieldsOf('POST', '/api/v1/targets', {})).map((f) => [f.field, f.message]), [['name', 'required'], ['url', 'required']])
  })

  it('refuses bodies that are not objects', async () => {
    for (const body of [[], 'null', '"text"', '42']) {
      assert.deepEqual((await fieldsOf('POST', '/api/v1/targets', body)).map((f) => f.field), ['body'])
    }
  })

  it('refuses a 10 kB URL, URLs with control characters, and duplicate or empty phase lists', async () => {
    const long = await fieldsOf('POST', '/api/v1/targets', { name: 'x', url: `ntfy://${'a'.repeat(10_000)}` })
    assert.deepEqual(long, [{ field: 'url', message: 'must be at most 4096 characters' }])
    const control = await fieldsOf('POST', '/api/v1/targets', { name: 'x', url: 'gotify://h/tok%0d%0aX-Evil: 1' })
    assert.equal(control[0]?.field, 'url')
    assert.match(control[0]?.message ?? '', /control character|space/)
    for (const phases of [[], ['start', 'start'], 'start', [1]]) {
      assert.deepEqual((await fieldsOf('POST', '/api/v1/targets', { name: 'x', url: 'ntfy://t', phases })).map((f) => f.field), ['phases'])
    }
    assert.deepEqual((await fieldsOf('POST', '/api/v1/targets', { name: 'x', url: 'ntfy://t', monitors: Array.from({ length: 1001 }, (_, i) => i) })).map((f) => f.field), ['monitors'])
    assert.deepEqual((await fieldsOf('POST', '/api/v1/targets', { name: 'x', url: 'ntfy://t', monitors: [1.5] })).map((f) => f.field), ['monitors.0'])
    assert.deepEqual((await fieldsOf('POST', '/api/v1/targets', { name: 'x', url: 42 })).map((f) => [f.field, f.message]), [['url', 'must be a string']])
  })

  it('a PATCH cannot rename; a bad name in the path is a 400', async () => {
    await call(api, 'POST', '/api/v1/targets', { name: 'keep', url: 'ntfy://t' })
    assert.match((await fieldsOf('PATCH', '/api/v1/targets/keep', { name: 'other' }))[0]?.message ?? '', /cannot be changed/)
    const res = await call(api, 'GET', `/api/v1/targets/${encodeURIComponent('../../etc')}`)
    assert.equal(res.status, 400)
    assert.equal(res.body.param, 'name')
  })

  it('malformed JSON, __proto__ keys and an oversized body are refused by the framework with Herald codes', async () => {
    assert.equal((await call(api, 'POST', '/api/v1/targets', '{"name": "x", ')).body.code, 'HRD_ERR_API_BAD_JSON')
    assert.equal((await call(api, 'POST', '/api/v1/targets', '{"__proto__": {"admin": true}, "name": "x", "url": "ntfy://t"}')).status, 400)
    const big = await call(api, 'POST', '/api/v1/targets', { name: 'x', url: 'ntfy://t', pad: 'x'.repeat(20_000) })
    assert.equal(big.status, 413)
    assert.equal(big.body.code, 'HRD_ERR_API_BODY_TOO_LARGE')
    const text = await api.app.inject({ method: 'POST', url: '/api/v1/targets', headers: { ...AUTH, 'content-type': 'text/plain' }, payload: 'name=x' })
    assert.equal(text.statusCode, 415)
    assert.deepEqual(api.registry.list().map((t) => t.name), ['from-ini', 'keep'])
  })
})

describe('stored targets that no longer parse', () => {
  it('are listed with the problem and no URL, wait (paused), and can be fixed with PATCH', async () => {
    const store = new MemoryStore()
    store.values.set(TARGETS_SETTING, JSON.stringify({ version: 1, targets: [{ name: 'old', url: 'ntfy://bad%20topic', active: true, phases: ['start'], monitors: [], disabled_reason: null, created_at: 1, updated_at: 1 }] }))
    const api = await build(store)
    const res = await call(api, 'GET', '/api/v1/targets/old')
    assert.deepEqual([res.body.url, res.body.service, res.body.problem], [null, null, 'URL has an invalid ntfy topic "bad topic" (1 to 64 of A-Z a-z 0-9 _ -)'])
    assert.deepEqual(api.registry.active().map((t) => t.name), ['from-ini'])
    const fixed = await call(api, 'PATCH', '/api/v1/targets/old', { url: 'ntfy://good' })
    assert.deepEqual([fixed.status, fixed.body.url, fixed.body.problem], [200, 'ntfy://good', undefined])
    assert.deepEqual(api.registry.active().map((t) => t.name), ['from-ini', 'old'])
  })

  it('a damaged settings document stops the start with a clear error', async () => {
    for (const value of ['{not json', '{"version": 2, "targets": []}', '{"version": 1, "targets": [{"name": "UPPER"}]}']) {
      const store = new MemoryStore()
      store.values.set(TARGETS_SETTING, value)
      await assert.rejects(TargetRegistry.load({ store }), (err: unknown) => err instanceof ConfigError && /store setting "targets"/.test(err.message))
    }
  })
})
