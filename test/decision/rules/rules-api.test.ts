import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify'
import { pino } from 'pino'
import { AdminAuth } from '../../../src/api/auth.js'
import { registerErrorHandler } from '../../../src/api/error-handler.js'
import { registerBodyParsers } from '../../../src/api/body-parsers.js'
import { rulesRoutes } from '../../../src/api/rules.js'
import { RulesSource, type RulesSettingStore } from '../../../src/decision/rules/rules-source.js'
import type { Store } from '../../../src/store/store.js'

const ADMIN = { authorization: 'Token admin-secret' }
const SAMPLE = JSON.parse(readFileSync(new URL('../../fixtures/rules/es_rules.json', import.meta.url), 'utf8')) as Record<string, unknown>
const RULE = { from: '1 am', to: '2 am', action: 'mute' }
const withRules = (rules: unknown): unknown => ({ notifications: { monitors: { 3: { rules } } } })

class MemoryStore implements RulesSettingStore {
  readonly settings = new Map<string, string>()
  async getSetting (key: string): Promise<string | undefined> { return this.settings.get(key) }
  async setSetting (key: string, value: string): Promise<void> { this.settings.set(key, value) }
}

/** A fastify instance built like src/api/server.ts does, with only the rules routes. */
async function buildApp (rules: RulesSource): Promise<FastifyInstance> {
  const app = Fastify({ bodyLimit: 4 * 1024 * 1024 })
  registerErrorHandler(app)
  registerBodyParsers(app)
  // The configured-token path of AdminAuth never touches the store.
  const { auth } = await AdminAuth.init(undefined as unknown as Store, 'admin-secret')
  await app.register(rulesRoutes, { rules, preHandler: auth.preHandler })
  return app
}

interface ErrorBody { code: string, message: string, fields?: Array<{ field: string, message: string }> }

async function put (app: FastifyInstance, payload: unknown, headers: Record<string, string> = ADMIN): Promise<LightMyRequestResponse> {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload)
  return await app.inject({ method: 'PUT', url: '/api/v1/rules', payload: body, headers: { ...headers, 'content-type': 'application/json' } })
}

describe('/api/v1/rules with rules in the store', () => {
  let app: FastifyInstance
  let source: RulesSource
  const store = new MemoryStore()
  before(async () => {
    source = await RulesSource.open({ store, timeZone: 'UTC', logger: pino({ level: 'silent' }) })
    app = await buildApp(source)
  })
  after(async () => {
    await app.close()
    source.close()
  })

  test('GET shows where the rules live, the rules object and no warnings when there are none', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/rules', headers: ADMIN })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { source: 'store', file: null, rules: {}, warnings: [] })
  })

  test('PUT replaces the rules, answers the new view, and GET shows them', async () => {
    const res = await put(app, SAMPLE)
    assert.equal(res.statusCode, 200, res.body)
    assert.deepEqual(res.json(), { source: 'store', file: null, rules: SAMPLE, warnings: [] })
    assert.deepEqual((await app.inject({ method: 'GET', url: '/api/v1/rules', headers: ADMIN })).json().rules, SAMPLE)
    assert.deepEqual(JSON.parse(store.settings.get('es_rules') ?? ''), SAMPLE)
    assert.equal(source.evaluate({ monitorId: '999', cause: 'detected:person', at: Date.parse('2026-01-05T22:00:00Z') }).allowed, false)
  })

  test('PUT answers the warnings of what zmES accepts but is likely a mistake', async () => {
    const res = await put(app, withRules([{ from: '9 pm', action: 'snooze' }]))
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json().warnings, [
      'notifications.monitors.3.rules[0].action: "snooze" is not mute or critical_notify: when this rule is reached the event is allowed and the rules after it are never looked at (as zmES does)',
      'notifications.monitors.3.rules[0].to: is missing and counts as 00:00 (as in zmES): the window runs from "from" to midnight'
    ])
  })

  /* [what, body, status, code, field] */
  const BAD: Array<[string, string, number, string, string]> = [
    ['malformed JSON', '{"notifications": {', 400, 'HRD_ERR_API_BAD_JSON', 'body'],
    ['an empty body', '', 400, 'HRD_ERR_VALIDATION', 'body'],
    ['a __proto__ key', '{"__proto__": {"admin": true}}', 400, 'HRD_ERR_API_BAD_JSON', 'body'],
    ['a list', '[]', 400, 'HRD_ERR_VALIDATION', 'body'],
    ['a string', '"mute"', 400, 'HRD_ERR_VALIDATION', 'body'],
    ['null', 'null', 400, 'HRD_ERR_VALIDATION', 'body'],
    ['notifications as a string', '{"notifications": "all"}', 400, 'HRD_ERR_VALIDATION', 'notifications'],
    ['rules as an object', JSON.stringify(withRules({})), 400, 'HRD_ERR_VALIDATION', 'notifications.monitors.3.rules'],
    ['from as a number', JSON.stringify(withRules([{ ...RULE, from: 9 }])), 400, 'HRD_ERR_VALIDATION', 'notifications.monitors.3.rules[0].from'],
    ['an unparseable to', JSON.stringify(withRules([{ ...RULE, to: 'later' }])), 400, 'HRD_ERR_VALIDATION', 'notifications.monitors.3.rules[0].to'],
    ['an evil regex', JSON.stringify(withRules([{ ...RULE, cause_has: '^(a+)+$' }])), 400, 'HRD_ERR_VALIDATION', 'notifications.monitors.3.rules[0].cause_has'],
    ['a Perl-only regex', JSON.stringify(withRules([{ ...RULE, cause_has: '(?>person)' }])), 400, 'HRD_ERR_VALIDATION', 'notifications.monitors.3.rules[0].cause_has'],
    ['deep nesting', `{"comment": ${'['.repeat(50_000)}${']'.repeat(50_000)}}`, 400, 'HRD_ERR_VALIDATION', `comment${'.0'.repeat(31)}`],
    ['a 2 MB body', JSON.stringify({ comment: 'x'.repeat(2 * 1024 * 1024) }), 413, 'HRD_ERR_API_BODY_TOO_LARGE', 'body'],
    ['10,001 rules', JSON.stringify(withRules(Array(10_001).fill(RULE))), 400, 'HRD_ERR_VALIDATION', 'notifications.monitors.3.rules']
  ]
  for (const [what, body, status, code, field] of BAD) {
    test(`PUT with ${what} answers ${status} ${code} naming ${field.length > 40 ? `${field.slice(0, 40)}…` : field}, changing nothing`, async () => {
      const before = source.current()
      const res = await put(app, body)
      assert.equal(res.statusCode, status, res.body.slice(0, 300))
      const answer = res.json<ErrorBody>()
      assert.equal(answer.code, code)
      assert.deepEqual(answer.fields?.map((f) => f.field), [field])
      assert.equal(source.current(), before)
    })
  }

  test('PUT refuses a body that is not JSON with 415', async () => {
    const res = await app.inject({ method: 'PUT', url: '/api/v1/rules', payload: 'mute all', headers: { ...ADMIN, 'content-type': 'text/plain' } })
    assert.equal(res.statusCode, 415)
    assert.equal(res.json<ErrorBody>().code, 'HRD_ERR_API_MEDIA_TYPE')
  })

  test('the message of a refused rule says what is wrong with it', async () => {
    const res = await put(app, withRules([{ ...RULE, cause_has: 'a++' }]))
    assert.deepEqual(res.json<ErrorBody>().fields, [{ field: 'notifications.monitors.3.rules[0].cause_has', message: 'a possessive quantifier (like a++) at character 2 is not supported' }])
  })

  for (const method of ['GET', 'PUT'] as const) {
    test(`${method} is for admins only: 401 without a token, 403 with a wrong one`, async () => {
      const before = source.current()
      const payload = method === 'PUT' ? JSON.stringify(withRules([RULE])) : undefined
      const missing = await app.inject({ method, url: '/api/v1/rules', payload, headers: { 'content-type': 'application/json' } })
      assert.equal(missing.statusCode, 401)
      assert.equal(missing.json<ErrorBody>().code, 'HRD_ERR_AUTH_MISSING')
      const wrong = await app.inject({ method, url: '/api/v1/rules', payload, headers: { 'content-type': 'application/json', authorization: 'Token nope' } })
      assert.equal(wrong.statusCode, 403)
      assert.equal(wrong.json<ErrorBody>().code, 'HRD_ERR_AUTH_INVALID')
      assert.equal(source.current(), before)
    })
  }
})

describe('/api/v1/rules with a rules file', () => {
  let dir: string
  let file: string
  let app: FastifyInstance
  let source: RulesSource
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'herald-rules-api-'))
    file = join(dir, 'es_rules.json')
    writeFileSync(file, JSON.stringify(SAMPLE))
    source = await RulesSource.open({ file, logger: pino({ level: 'silent' }), watch: false })
    app = await buildApp(source)
  })
  after(async () => {
    await app.close()
    source.close()
    rmSync(dir, { recursive: true, force: true })
  })

  test('GET names the file', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/rules', headers: ADMIN })
    assert.deepEqual(res.json(), { source: 'file', file, rules: SAMPLE, warnings: [] })
  })

  test('PUT writes the file, pretty-printed for people who edit it by hand', async () => {
    const rules = withRules([RULE])
    const res = await put(app, rules)
    assert.equal(res.statusCode, 200)
    assert.equal(readFileSync(file, 'utf8'), `${JSON.stringify(rules, null, 2)}\n`)
    assert.equal(source.current().ruleCount, 1)
  })

  test('a refused PUT leaves the file as it was', async () => {
    const text = readFileSync(file, 'utf8')
    const res = await put(app, withRules([{ ...RULE, from: 'midnight' }]))
    assert.equal(res.statusCode, 400)
    assert.equal(readFileSync(file, 'utf8'), text)
  })
})
