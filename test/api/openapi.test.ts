import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { EVENT_SCHEMAS } from '../../src/events/event-schema.js'
import { WebhookFiltersSchema } from '../../src/decision/filters/filter-schema.js'
import { api, startHerald, type ApiResponse, type TestHerald } from '../helpers/herald.js'
import { Receiver } from '../helpers/receiver.js'

/*
 * What GET /docs/json says about bodies, parameters and answers, and that saying it changed
 * nothing else: the schemas live in each route's config.docs, and the handlers still validate.
 */

type Schema = Record<string, any>
type Operation = Record<string, any>

const METHODS = ['get', 'put', 'post', 'patch', 'delete']
const SECTIONS = ['face_events', 'body_events', 'car_events', 'human_episodes', 'car_episodes', 'counters', 'areas', 'alarms']

/* Taken before any document is built: building it must not touch what the handlers validate with. */
const VALIDATION_SCHEMAS_BEFORE = JSON.stringify({ EVENT_SCHEMAS, WebhookFiltersSchema })

function resolve (doc: Schema, schema: Schema): Schema {
  let at = schema
  while (typeof at.$ref === 'string') {
    const target = (at.$ref as string).slice(2).split('/').reduce<any>((node, part) => node?.[part], doc)
    assert.ok(target !== undefined, `${at.$ref as string} does not resolve`)
    at = target
  }
  return at
}

function operations (doc: Schema): Array<[string, string, Operation]> {
  return Object.entries(doc.paths as Record<string, Record<string, Operation>>)
    .flatMap(([url, item]) => Object.entries(item).filter(([method]) => METHODS.includes(method)).map(([method, op]): [string, string, Operation] => [url, method, op]))
}

function bodySchema (doc: Schema, url: string, method: string): Schema {
  const schema = doc.paths[url]?.[method]?.requestBody?.content?.['application/json']?.schema
  assert.ok(schema !== undefined, `${method} ${url} documents no JSON body`)
  return resolve(doc, schema)
}

function answerSchema (doc: Schema, url: string, method: string, status: number): Schema {
  const schema = doc.paths[url]?.[method]?.responses?.[status]?.content?.['application/json']?.schema
  assert.ok(schema !== undefined, `${method} ${url} documents no JSON answer ${status}`)
  return schema
}

function queryNames (op: Operation): string[] {
  return (op.parameters ?? []).filter((p: Schema) => p.in === 'query').map((p: Schema) => p.name as string).sort()
}

/**
 * Where `value` departs from the OpenAPI 3.0 schema, as paths. Stricter than JSON Schema on one
 * point: an object with `properties` and no `additionalProperties` is closed, so an answer field
 * the document does not name is a problem.
 */
function departures (doc: Schema, value: unknown, raw: Schema, path = '$'): string[] {
  const schema = resolve(doc, raw)
  if (value === null) {
    if (schema.nullable === true) return []
    const options = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined
    return options?.some((o) => departures(doc, null, o, path).length === 0) === true ? [] : [`${path}: null is not documented`]
  }
  const options = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined
  if (options !== undefined) {
    const each = options.map((o) => departures(doc, value, o, path))
    return each.some((p) => p.length === 0) ? [] : [`${path}: matches none of its ${options.length} schemas (${each.map((p) => p[0]).join(' | ')})`]
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) return [`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`]
  switch (schema.type) {
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return [`${path}: not an object`]
      const object = value as Record<string, unknown>
      const problems = ((schema.required ?? []) as string[]).filter((k) => !(k in object)).map((k) => `${path}.${k}: required but missing`)
      for (const [key, child] of Object.entries(object)) {
        const property = schema.properties?.[key] as Schema | undefined
        if (property !== undefined) problems.push(...departures(doc, child, property, `${path}.${key}`))
        else if (typeof schema.additionalProperties === 'object') problems.push(...departures(doc, child, schema.additionalProperties, `${path}.${key}`))
        else if (schema.additionalProperties !== true) problems.push(`${path}.${key}: not documented`)
      }
      return problems
    }
    case 'array':
      return Array.isArray(value) ? value.flatMap((item, i) => departures(doc, item, schema.items ?? {}, `${path}[${i}]`)) : [`${path}: not an array`]
    case 'integer': return Number.isInteger(value) ? [] : [`${path}: not an integer`]
    case 'number': return typeof value === 'number' ? [] : [`${path}: not a number`]
    case 'string': return typeof value === 'string' ? [] : [`${path}: not a string`]
    case 'boolean': return typeof value === 'boolean' ? [] : [`${path}: not a boolean`]
    default: return []
  }
}

/** The answer is the documented one for its status, field for field. */
function assertDocumented (doc: Schema, url: string, method: string, res: ApiResponse<any>, status: number): void {
  assert.equal(res.status, status, `${method} ${url}: ${JSON.stringify(res.body)}`)
  assert.deepEqual(departures(doc, res.body, answerSchema(doc, url, method, status)), [], `${method} ${url} ${status}: ${JSON.stringify(res.body)}`)
}

async function eventually<T> (read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000
  let value = await read()
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    value = await read()
  }
  return value
}

describe('OpenAPI document', () => {
  let h: TestHerald
  let receiver: Receiver
  let doc: Schema
  before(async () => {
    receiver = await Receiver.start()
    h = await startHerald()
    const res = await api(h.url, 'GET', '/docs/json', undefined, {})
    assert.equal(res.status, 200)
    doc = res.body
  })
  after(async () => {
    await h.close()
    await receiver.stop()
  })

  test('the webhook create operation documents the fields parseWebhookInput reads, every filter section, and refuses unknown fields', () => {
    for (const url of ['/hooks/', '/api/v1/hooks/']) {
      const body = bodySchema(doc, url, 'post')
      for (const key of ['name', 'title', 'url', 'active', 'batch_size', 'send_attempts', 'filters', 'verbose', 'max_in_flight', 'secret']) {
        assert.ok(key in body.properties, `${url}: ${key} is missing`)
      }
      assert.deepEqual(body.required, ['name', 'url'])
      assert.equal(body.additionalProperties, false)
      const filters = resolve(doc, body.properties.filters)
      assert.deepEqual(Object.keys(filters.properties), SECTIONS)
      assert.equal(filters.additionalProperties, false)
      assert.ok('camera_in' in resolve(doc, filters.properties.face_events).properties)
      assert.ok('cause_regex' in resolve(doc, filters.properties.alarms).properties)
    }
    // PATCH takes any subset; PUT the same body as POST.
    assert.equal(bodySchema(doc, '/hooks/{id}/', 'patch').required, undefined)
    assert.deepEqual(bodySchema(doc, '/hooks/{id}/', 'put').required, ['name', 'url'])
  })

  test('the webhook list documents its query parameters, and answers a page of webhooks with next_page and prev_page', () => {
    for (const url of ['/hooks/', '/api/v1/hooks/']) {
      const op = doc.paths[url].get
      assert.deepEqual(queryNames(op), [
        'created_date_gt', 'created_date_gte', 'created_date_last_n_days', 'created_date_lt', 'created_date_lte',
        'created_date_nth_full_week', 'created_date_nth_work_week', 'id_in', 'limit', 'ordering', 'page'
      ])
      const limit = op.parameters.find((p: Schema) => p.name === 'limit')
      assert.deepEqual([limit.schema.type, limit.schema.minimum, limit.schema.maximum, limit.required], ['integer', 1, 1000, false])
      const page = resolve(doc, answerSchema(doc, url, 'get', 200))
      assert.deepEqual(Object.keys(page.properties), ['results', 'next_page', 'prev_page'])
      assert.equal(page.properties.results.items.$ref, '#/components/schemas/Webhook')
    }
  })

  test('the attempt log documents limit, before and status, and answers delivery views', () => {
    const op = doc.paths['/api/v1/hooks/{id}/deliveries'].get
    assert.deepEqual(queryNames(op), ['before', 'limit', 'status'])
    assert.deepEqual(op.parameters.find((p: Schema) => p.name === 'status').schema.enum, ['pending', 'sending', 'delivered', 'failed'])
    const page = resolve(doc, answerSchema(doc, '/api/v1/hooks/{id}/deliveries', 'get', 200))
    const delivery = resolve(doc, page.properties.results.items)
    for (const key of ['id', 'status', 'event', 'section', 'message_id', 'attempts', 'last_status_code', 'last_error', 'latency_ms', 'next_attempt_at', 'created_at', 'updated_at', 'delivered_at']) {
      assert.ok(key in delivery.properties, `delivery field ${key} is missing`)
    }
    assert.deepEqual(queryNames(doc.paths['/api/v1/deliveries'].get), ['before', 'channel', 'limit', 'status', 'target'])
  })

  test('the ingest operation documents one event or an array of events, with a schema per event type', () => {
    const body = bodySchema(doc, '/api/v1/events', 'post')
    const [one, many] = body.anyOf as Schema[]
    assert.equal((one?.oneOf as Schema[]).length, 8)
    assert.deepEqual([many?.type, many?.minItems, many?.maxItems], ['array', 1, 10_000])
    const types = (one?.oneOf as Schema[]).map((s) => resolve(doc, s).properties.type.enum[0] as string)
    assert.deepEqual(types, ['face_event', 'body_event', 'car_event', 'human_episode', 'car_episode', 'counter_record', 'area_activation', 'alarm'])
    const alarm = resolve(doc, doc.components.schemas.Alarm)
    assert.deepEqual(alarm.required, ['type', 'monitor_id', 'event_id', 'phase'])
    assert.equal(alarm.additionalProperties, true, 'other FindFace fields are passed through')
    assert.deepEqual(resolve(doc, doc.components.schemas.FaceEvent).required, ['type', 'id'])
    assert.deepEqual(Object.keys(resolve(doc, answerSchema(doc, '/api/v1/events', 'post', 202)).properties), ['accepted', 'duplicates', 'events'])
  })

  test('every 4xx answer is the ApiError schema, which has the fields of errorBody', () => {
    const apiError = doc.components.schemas.ApiError
    assert.deepEqual(Object.keys(apiError.properties), ['code', 'message', 'fields', 'param'])
    assert.deepEqual(apiError.required, ['code', 'message'])
    let count = 0
    for (const [url, method, op] of operations(doc)) {
      for (const [status, answer] of Object.entries(op.responses as Record<string, Schema>)) {
        if (!status.startsWith('4')) continue
        count++
        assert.deepEqual(answer.content?.['application/json']?.schema, { $ref: '#/components/schemas/ApiError' }, `${method} ${url} ${status}`)
        assert.match(answer.description, /^HRD_ERR_[A-Z_]+/, `${method} ${url} ${status} says which code`)
      }
    }
    assert.ok(count > 100, `only ${count} error answers`)
  })

  test('every operation documents its path parameters and a success answer; those that need a token, 401 and 403', () => {
    const ops = operations(doc)
    assert.ok(ops.length >= 54, `only ${ops.length} operations`)
    for (const [url, method, op] of ops) {
      const names = [...url.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort()
      const params = (op.parameters ?? []).filter((p: Schema) => p.in === 'path')
      assert.deepEqual(params.map((p: Schema) => p.name).sort(), names, `${method} ${url}`)
      for (const p of params) assert.equal(typeof p.description, 'string', `${method} ${url} {${p.name as string}} is described`)
      const answers = Object.entries(op.responses as Record<string, Schema>)
      assert.ok(answers.every(([, a]) => a.description !== 'Default Response'), `${method} ${url} has an undocumented answer`)
      const success = answers.filter(([status]) => status.startsWith('2'))
      assert.ok(success.length > 0, `${method} ${url} has no success answer`)
      for (const [status, answer] of success) {
        if (status === '204') assert.equal(answer.content, undefined, `${method} ${url} 204 has no body`)
        else assert.ok(answer.content !== undefined, `${method} ${url} ${status} has a body schema`)
      }
      if (url.startsWith('/hooks') || url.startsWith('/api/v1/')) {
        assert.ok(op.responses['401'] !== undefined && op.responses['403'] !== undefined, `${method} ${url} documents 401 and 403`)
      }
    }
  })

  test('every $ref resolves and nothing is left that OpenAPI 3.0 or Swagger UI cannot read', () => {
    const text = JSON.stringify(doc)
    assert.ok(!text.includes('undefined'), 'no undefined')
    const problems: string[] = []
    const walk = (node: unknown, path: string, inProperties: boolean): void => {
      if (node === null || typeof node !== 'object') return
      const object = node as Schema
      if (!inProperties) {
        if (typeof object.$ref === 'string') {
          try { resolve(doc, object) } catch { problems.push(`${path}: ${object.$ref as string}`) }
        }
        for (const ref of Object.values(object.discriminator?.mapping ?? {})) {
          try { resolve(doc, { $ref: ref }) } catch { problems.push(`${path}: mapping ${String(ref)}`) }
        }
        for (const key of ['const', '$id', 'patternProperties', 'definitions']) if (key in object) problems.push(`${path}: ${key}`)
        if (object.type === 'null' || Array.isArray(object.type)) problems.push(`${path}: type ${JSON.stringify(object.type)}`)
      }
      for (const [key, child] of Object.entries(object)) walk(child, `${path}/${key}`, !inProperties && key === 'properties')
    }
    walk(doc, '#', false)
    assert.deepEqual(problems, [])
  })

  test('rotate-secret documents its body as optional; every other body is required', () => {
    for (const [url, method, op] of operations(doc)) {
      if (op.requestBody === undefined) continue
      assert.equal(op.requestBody.required, url !== '/api/v1/hooks/{id}/rotate-secret', `${method} ${url}`)
      assert.equal(op['x-herald-optional-body'], undefined)
    }
    assert.deepEqual(Object.keys(bodySchema(doc, '/api/v1/hooks/{id}/rotate-secret', 'post').properties), ['grace_period_seconds'])
  })

  test('real answers carry exactly the documented fields: webhooks, deliveries, events, entities, targets, rules, tokens, health, errors', async () => {
    const created = await api(h.url, 'POST', '/hooks/', { name: 'documented', url: receiver.url, secret: true, filters: { face_events: { camera_in: [] }, alarms: {} } })
    assertDocumented(doc, '/hooks/', 'post', created, 201)
    assert.ok(Array.isArray(created.body.warnings), 'the empty list warns')
    const id = created.body.id as number
    assertDocumented(doc, '/hooks/', 'get', await api(h.url, 'GET', '/hooks/?limit=1'), 200)
    assertDocumented(doc, '/api/v1/hooks/{id}/', 'get', await api(h.url, 'GET', `/api/v1/hooks/${id}/`), 200)
    assertDocumented(doc, '/hooks/{id}/', 'patch', await api(h.url, 'PATCH', `/hooks/${id}/`, { filters: { face_events: {}, alarms: {} } }), 200)
    const rotated = await api(h.url, 'POST', `/api/v1/hooks/${id}/rotate-secret`, { grace_period_seconds: 60 })
    assertDocumented(doc, '/api/v1/hooks/{id}/rotate-secret', 'post', rotated, 200)
    assert.equal(typeof rotated.body.previous_secret_until, 'string')

    const ingested = await api(h.url, 'POST', '/api/v1/events', [{ type: 'face_event', id: 'documented-1', camera: 1 }, { type: 'face_event', id: 'documented-1', camera: 1 }])
    assertDocumented(doc, '/api/v1/events', 'post', ingested, 202)
    await receiver.waitForItems(1)
    const log = await eventually(async () => await api(h.url, 'GET', `/api/v1/hooks/${id}/deliveries`), (res) => res.body.results?.[0]?.status === 'delivered')
    assertDocumented(doc, '/api/v1/hooks/{id}/deliveries', 'get', log, 200)
    assertDocumented(doc, '/api/v1/deliveries', 'get', await api(h.url, 'GET', `/api/v1/deliveries?channel=webhook&target=${id}&limit=1`), 200)
    assertDocumented(doc, '/api/v1/hooks/{id}/deliveries/{delivery_id}/resend', 'post', await api(h.url, 'POST', `/api/v1/hooks/${id}/deliveries/${log.body.results[0].id as number}/resend`), 202)
    assertDocumented(doc, '/api/v1/events/{seq}', 'get', await api(h.url, 'GET', `/api/v1/events/${ingested.body.events[0].seq as number}`), 200)

    const alarm = await api(h.url, 'POST', '/api/v1/events', { type: 'alarm', monitor_id: 4, event_id: 40, phase: 'start', cause: 'Motion' })
    const decided = await eventually(async () => await api(h.url, 'GET', `/api/v1/events/${alarm.body.events[0].seq as number}`), (res) => res.body.decision !== null)
    assert.notEqual(decided.body.decision, null)
    assertDocumented(doc, '/api/v1/events/{seq}', 'get', decided, 200)

    const camera = await api(h.url, 'POST', '/api/v1/cameras', { id: 7, name: 'Gate', group: null, latitude: 1.5, meta: { floor: 2 } })
    assertDocumented(doc, '/api/v1/cameras', 'post', camera, 201)
    assertDocumented(doc, '/api/v1/cameras', 'get', await api(h.url, 'GET', '/api/v1/cameras'), 200)
    assertDocumented(doc, '/api/v1/cards/{id}', 'get', await api(h.url, 'GET', `/api/v1/cards/${(await api(h.url, 'POST', '/api/v1/cards', { name: 'Jane', watch_lists: [1] })).body.id as number}`), 200)
    assertDocumented(doc, '/api/v1/targets', 'post', await api(h.url, 'POST', '/api/v1/targets', { name: 'documented', url: 'ntfy://alarms', monitors: [4] }), 201)
    assertDocumented(doc, '/api/v1/targets', 'get', await api(h.url, 'GET', '/api/v1/targets'), 200)
    assertDocumented(doc, '/api/v1/rules', 'put', await api(h.url, 'PUT', '/api/v1/rules', { notifications: { monitors: { 4: { rules: [{ from: '1 am', to: '2 am', action: 'mute' }] } } } }), 200)
    assertDocumented(doc, '/api/v1/rules', 'get', await api(h.url, 'GET', '/api/v1/rules'), 200)
    assertDocumented(doc, '/api/v1/tokens', 'get', await api(h.url, 'GET', '/api/v1/tokens'), 200)
    assertDocumented(doc, '/healthz', 'get', await api(h.url, 'GET', '/healthz', undefined, {}), 200)

    assertDocumented(doc, '/hooks/', 'post', await api(h.url, 'POST', '/hooks/', { name: '', url: 'ftp://x/' }), 400)
    assertDocumented(doc, '/hooks/{id}/', 'get', await api(h.url, 'GET', '/hooks/999999/'), 404)
    assertDocumented(doc, '/api/v1/targets', 'post', await api(h.url, 'POST', '/api/v1/targets', { name: 'documented', url: 'ntfy://alarms' }), 409)
    assertDocumented(doc, '/api/v1/events', 'post', await api(h.url, 'POST', '/api/v1/events', { type: 'face_event', id: 'x' }, {}), 401)
    const deleted = await api(h.url, 'DELETE', `/hooks/${id}/`)
    assert.equal(deleted.status, 204)
    assert.ok('204' in doc.paths['/hooks/{id}/'].delete.responses)
  })

  test('building the document left the schemas the handlers validate with untouched', () => {
    assert.equal(JSON.stringify({ EVENT_SCHEMAS, WebhookFiltersSchema }), VALIDATION_SCHEMAS_BEFORE)
  })
})

/* The documentation is not validation: each answer below is the handler's own, as before. */
describe('documented routes still validate by hand', () => {
  let h: TestHerald
  before(async () => {
    h = await startHerald()
    assert.equal((await api(h.url, 'GET', '/docs/json', undefined, {})).status, 200)
  })
  after(async () => { await h.close() })

  test('a webhook with an unknown and a bad field gets the FindFace-style 400 naming both, in the handler\'s words', async () => {
    const res = await api(h.url, 'POST', '/hooks/', { name: 'bad', url: 'http://127.0.0.1:9/x', colour: 'red', batch_size: 0 })
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, {
      code: 'HRD_ERR_VALIDATION',
      message: 'invalid input: colour: unknown field; batch_size: must be an integer from 1 to 10000',
      fields: [{ field: 'colour', message: 'unknown field' }, { field: 'batch_size', message: 'must be an integer from 1 to 10000' }],
      param: 'colour'
    })
  })

  test('a webhook named by title alone is accepted, though the document lists name as required', async () => {
    const res = await api(h.url, 'POST', '/hooks/', { title: 'by title', url: 'http://127.0.0.1:9/x', active: false })
    assert.equal(res.status, 201, JSON.stringify(res.body))
    assert.equal(res.body.name, 'by title')
  })

  test('query and path parameters are read by the handlers: no coercion or schema message', async () => {
    const limit = await api(h.url, 'GET', '/hooks/?limit=abc')
    assert.equal(limit.status, 400)
    assert.deepEqual(limit.body, { code: 'HRD_ERR_VALIDATION', message: 'invalid input: limit: must be an integer from 1 to 1000', fields: [{ field: 'limit', message: 'must be an integer from 1 to 1000' }], param: 'limit' })
    const id = await api(h.url, 'GET', '/hooks/abc/')
    assert.equal(id.status, 400)
    assert.deepEqual(id.body, { code: 'HRD_ERR_VALIDATION', message: 'invalid input: id: must be a positive integer', fields: [{ field: 'id', message: 'must be a positive integer' }], param: 'id' })
  })

  test('an ingested event keeps the fields no schema names, and the 202 answer is the handler\'s', async () => {
    const event = { type: 'face_event', id: 'kept-1', camera: 3, vendor_extra: { nested: [1, 'two'] } }
    const res = await api(h.url, 'POST', '/api/v1/events', event)
    assert.equal(res.status, 202)
    const seq = res.body.events[0].seq as number
    assert.deepEqual(res.body, { accepted: 1, duplicates: 0, events: [{ type: 'face_event', id: 'kept-1', seq, duplicate: false, deliveries: 0 }] })
    const stored = await api(h.url, 'GET', `/api/v1/events/${seq}`)
    assert.deepEqual(stored.body.data, { id: 'kept-1', camera: 3, vendor_extra: { nested: [1, 'two'] } })
  })

  test('an ingested event that breaks its schema gets the 400 of normalizeEvent, naming the field by JSON pointer', async () => {
    const res = await api(h.url, 'POST', '/api/v1/events', [{ type: 'face_event', id: 'ok-1' }, { type: 'face_event', id: 'bad-1', confidence: 'high' }])
    assert.equal(res.status, 400)
    assert.equal(res.body.code, 'HRD_ERR_VALIDATION')
    assert.deepEqual(res.body.fields.map((f: { field: string }) => f.field), ['/1/confidence'])
    assert.equal(res.body.param, '/1/confidence')
    assert.equal(res.body.fields[0].message, 'must be a number or null')
  })

  test('rotate-secret still refuses an unknown field in its own words', async () => {
    const hook = (await api(h.url, 'POST', '/hooks/', { name: 'rotating', url: 'http://127.0.0.1:9/x', active: false })).body as { id: number }
    const res = await api(h.url, 'POST', `/api/v1/hooks/${hook.id}/rotate-secret`, { grace: 5 })
    assert.equal(res.status, 400)
    assert.deepEqual(res.body.fields, [{ field: 'grace', message: 'unknown field; rotate-secret takes grace_period_seconds' }])
  })
})
