import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { AUTH, api, startHerald, type ApiResponse, type TestHerald } from '../helpers/herald.js'
import { Receiver } from '../helpers/receiver.js'

const GOOD_HOOK = { name: 'valid', url: 'http://127.0.0.1:9/x', active: false, filters: {} }
const TEN_MB = 10 * 1024 * 1024

function fieldsOf (res: ApiResponse<any>): string[] {
  return (res.body?.fields ?? []).map((f: { field: string }) => f.field)
}

/** A 4xx JSON answer with a code whose `fields` include `field`. */
function assertNames (res: ApiResponse<any>, field: string, context: string, status = 400): void {
  assert.equal(res.status, status, `${context}: ${JSON.stringify(res.body)}`)
  assert.equal(typeof res.body?.code, 'string', context)
  assert.ok(fieldsOf(res).includes(field), `${context}: expected field ${field}, got ${JSON.stringify(fieldsOf(res))}`)
}

async function raw (base: string, method: string, path: string, body: string | Uint8Array, contentType = 'application/json'): Promise<ApiResponse<any>> {
  const res = await fetch(base + path, { method, headers: { ...AUTH, 'content-type': contentType }, body })
  const text = await res.text()
  let parsed: unknown = text
  try { parsed = JSON.parse(text) } catch { /* not JSON */ }
  return { status: res.status, body: parsed, headers: res.headers }
}

/* Each row: a webhook body and the field the 400 must name. */
const BAD_HOOKS: Array<[string, unknown, string]> = [
  ['name of the wrong type', { ...GOOD_HOOK, name: 5 }, 'name'],
  ['an empty name', { ...GOOD_HOOK, name: '' }, 'name'],
  ['a name over 100 characters', { ...GOOD_HOOK, name: 'n'.repeat(101) }, 'name'],
  ['a title of the wrong type', { url: GOOD_HOOK.url, title: ['x'] }, 'title'],
  ['active as a string', { ...GOOD_HOOK, active: 'yes' }, 'active'],
  ['url as a number', { ...GOOD_HOOK, url: 80 }, 'url'],
  ['an ftp:// url', { ...GOOD_HOOK, url: 'ftp://files.example/hook' }, 'url'],
  ['a relative url', { ...GOOD_HOOK, url: '/ff/hook' }, 'url'],
  ['a url without a scheme', { ...GOOD_HOOK, url: 'receiver.example/hook' }, 'url'],
  ['a url over 300 characters', { ...GOOD_HOOK, url: `http://receiver.example/${'a'.repeat(300)}` }, 'url'],
  ['a null name', { ...GOOD_HOOK, name: null }, 'name'],
  ['a null title', { url: GOOD_HOOK.url, title: null }, 'title'],
  ['batch_size 0', { ...GOOD_HOOK, batch_size: 0 }, 'batch_size'],
  ['batch_size as a string', { ...GOOD_HOOK, batch_size: '1' }, 'batch_size'],
  ['a fractional batch_size', { ...GOOD_HOOK, batch_size: 1.5 }, 'batch_size'],
  ['send_attempts -1', { ...GOOD_HOOK, send_attempts: -1 }, 'send_attempts'],
  ['send_attempts as a string', { ...GOOD_HOOK, send_attempts: 'ten' }, 'send_attempts'],
  ['send_attempts null', { ...GOOD_HOOK, send_attempts: null }, 'send_attempts'],
  ['verbose as a string', { ...GOOD_HOOK, verbose: 'yes' }, 'verbose'],
  ['max_in_flight 0', { ...GOOD_HOOK, max_in_flight: 0 }, 'max_in_flight'],
  ['max_in_flight 65', { ...GOOD_HOOK, max_in_flight: 65 }, 'max_in_flight'],
  ['max_in_flight as a string', { ...GOOD_HOOK, max_in_flight: '4' }, 'max_in_flight'],
  ['a secret that is not whsec_', { ...GOOD_HOOK, secret: 'hunter2' }, 'secret'],
  ['a masked secret that is not the webhook\'s own', { ...GOOD_HOOK, secret: 'whsec_abcd…' }, 'secret'],
  ['an unknown key', { ...GOOD_HOOK, colour: 'red' }, 'colour'],
  ['filters as a list', { ...GOOD_HOOK, filters: [] }, 'filters'],
  ['an unknown filter section', { ...GOOD_HOOK, filters: { faces: {} } }, 'filters.faces'],
  ['a filter section that is not an object', { ...GOOD_HOOK, filters: { face_events: true } }, 'filters.face_events'],
  ['an unknown filter key', { ...GOOD_HOOK, filters: { face_events: { camera_id: [1] } } }, 'filters.face_events.camera_id'],
  ['a filter key of another section', { ...GOOD_HOOK, filters: { counters: { matched: true } } }, 'filters.counters.matched'],
  ['a filter list of strings where ids go', { ...GOOD_HOOK, filters: { face_events: { camera_in: ['3'] } } }, 'filters.face_events.camera_in'],
  ['a confidence above 1', { ...GOOD_HOOK, filters: { face_events: { confidence_gte: 2 } } }, 'filters.face_events.confidence_gte'],
  ['a filter boolean as a string', { ...GOOD_HOOK, filters: { human_episodes: { face_matched: 'true' } } }, 'filters.human_episodes.face_matched'],
  ['an unknown episode transition', { ...GOOD_HOOK, filters: { car_episodes: { allowed_types: ['episode_closed'] } } }, 'filters.car_episodes.allowed_types'],
  ['an invalid cause_regex', { ...GOOD_HOOK, filters: { alarms: { cause_regex: '(' } } }, 'filters.alarms.cause_regex'],
  ['a JSON array body', [GOOD_HOOK], 'body'],
  ['a JSON string body', 'valid', 'body'],
  ['a JSON null body', null, 'body']
]

describe('bad webhook input', () => {
  let h: TestHerald
  let existing: Record<string, unknown>
  before(async () => {
    h = await startHerald()
    existing = (await api(h.url, 'POST', '/hooks/', { ...GOOD_HOOK, name: 'existing', batch_size: 3 })).body
  })
  after(async () => { await h.close() })

  for (const [what, body, field] of BAD_HOOKS) {
    test(`a webhook with ${what} is refused with 400 naming ${field}, on POST, PUT and PATCH`, async () => {
      const text = JSON.stringify(body)
      for (const [method, path] of [['POST', '/hooks/'], ['POST', '/api/v1/hooks/'], ['PUT', `/hooks/${existing.id as number}/`]]) {
        const res = await raw(h.url, method as string, path as string, text)
        assertNames(res, field, `${method as string} ${path as string}`)
        assert.equal(res.body.code, 'HRD_ERR_VALIDATION')
      }
      const isPatchable = body !== null && typeof body === 'object' && !Array.isArray(body)
      if (isPatchable && field !== 'secret') {
        const res = await raw(h.url, 'PATCH', `/hooks/${existing.id as number}/`, JSON.stringify({ [field.split('.')[0] as string]: (body as Record<string, unknown>)[field.split('.')[0] as string] }))
        assertNames(res, field, 'PATCH')
      }
    })
  }

  test('every problem of one body is named at once', async () => {
    const res = await api(h.url, 'POST', '/hooks/', { name: '', url: 'ftp://x/', batch_size: 0, send_attempts: -1, extra: 1 })
    assert.equal(res.status, 400)
    assert.deepEqual(fieldsOf(res).sort(), ['batch_size', 'extra', 'name', 'send_attempts', 'url'])
    assert.equal(res.body.param, fieldsOf(res)[0])
  })

  test('malformed JSON is refused with 400 HRD_ERR_API_BAD_JSON naming the body', async () => {
    for (const text of ['{"name": "x",', '{name: "x"}', "{'name': 'x'}", '{"name": "x"}}', '{"batch_size": NaN}', ' ']) {
      const res = await raw(h.url, 'POST', '/hooks/', text)
      assertNames(res, 'body', JSON.stringify(text))
      assert.equal(res.body.code, 'HRD_ERR_API_BAD_JSON')
    }
  })

  test('an empty body labelled application/json is no body: refused where a body is required, naming it', async () => {
    const before = await api(h.url, 'GET', '/hooks/?limit=1000')
    for (const [method, path] of [['POST', '/hooks/'], ['PUT', `/hooks/${existing.id as number}/`], ['PATCH', `/hooks/${existing.id as number}/`], ['POST', '/api/v1/events']] as const) {
      const res = await raw(h.url, method, path, '')
      assertNames(res, 'body', `${method} ${path}`)
    }
    assert.deepEqual((await api(h.url, 'GET', '/hooks/?limit=1000')).body, before.body)
  })

  test('DELETE, resend and rotate-secret sent with Content-Type: application/json and no body succeed (scripts label every request)', async () => {
    const hook = (await api(h.url, 'POST', '/hooks/', { ...GOOD_HOOK, name: 'labelled' })).body as { id: number }
    const rotated = await raw(h.url, 'POST', `/api/v1/hooks/${hook.id}/rotate-secret`, '')
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body))
    assert.match(rotated.body.secret, /^whsec_/)
    const deleted = await raw(h.url, 'DELETE', `/hooks/${hook.id}/`, '')
    assert.equal(deleted.status, 204, JSON.stringify(deleted.body))
    assert.equal((await api(h.url, 'GET', `/hooks/${hook.id}/`)).status, 404)
  })

  test('a body that is not application/json is refused with 415', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      for (const path of ['/hooks/', '/api/v1/events']) {
        const res = await raw(h.url, 'POST', path, JSON.stringify(GOOD_HOOK), type)
        assertNames(res, 'content-type', `${type} to ${path}`, 415)
        assert.equal(res.body.code, 'HRD_ERR_API_MEDIA_TYPE')
      }
    }
  })

  test('a body of 100,000 unknown keys or one 1 MB key gets a small 400 naming the first of them', async () => {
    const many = JSON.stringify({ ...GOOD_HOOK, ...Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, 1])) })
    const longKey = JSON.stringify({ ...GOOD_HOOK, ['x'.repeat(1024 * 1024)]: 1 })
    for (const path of ['/hooks/', '/api/v1/cameras', '/api/v1/targets']) {
      const res = await raw(h.url, 'POST', path, many)
      assert.equal(res.status, 400, path)
      assert.ok(JSON.stringify(res.body).length < 20_000, `${path}: ${JSON.stringify(res.body).length} bytes`)
      assert.ok(fieldsOf(res).length <= 50)
      if (path === '/hooks/') assert.deepEqual(fieldsOf(res).slice(0, 2), ['k0', 'k1'])
      assert.match(res.body.message, /more problems/)
      const long = await raw(h.url, 'POST', path, longKey)
      assert.equal(long.status, 400, path)
      assert.ok(JSON.stringify(long.body).length < 5_000, `${path}: ${JSON.stringify(long.body).length} bytes`)
    }
  })

  test('a cause_regex that backtracks exponentially cannot stall Herald: the alarm is decided, the pattern counts as no match', async () => {
    const redos = (await api(h.url, 'POST', '/hooks/', { ...GOOD_HOOK, active: true, name: 'redos', filters: { alarms: { cause_regex: '(a|a)*$' } } })).body as { id: number }
    const control = (await api(h.url, 'POST', '/hooks/', { ...GOOD_HOOK, active: true, name: 'control', filters: { alarms: { cause_regex: 'a!$' } } })).body as { id: number }
    const started = performance.now()
    const res = await api(h.url, 'POST', '/api/v1/events', { type: 'alarm', monitor_id: 1, event_id: 77, phase: 'start', cause: `${'a'.repeat(40)}!` })
    assert.equal(res.status, 202)
    const queued = async (id: number): Promise<number> => (await api(h.url, 'GET', `/api/v1/hooks/${id}/deliveries`)).body.results.length
    while (await queued(control.id) === 0) {
      assert.ok(performance.now() - started < 5_000, 'the alarm was decided')
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    // Unbounded, matching 40 characters takes hours.
    assert.ok(performance.now() - started < 5_000, `${performance.now() - started} ms`)
    assert.equal(await queued(redos.id), 0)
    assert.equal((await api(h.url, 'GET', '/healthz')).status, 200)
    for (const id of [redos.id, control.id]) await api(h.url, 'DELETE', `/hooks/${id}/`)
  })

  test('errors of the router and the HTTP parser have Herald\'s JSON body and code too', async () => {
    const badUrl = await api(h.url, 'GET', '/hooks/%ZZ/')
    assert.equal(badUrl.status, 400)
    assert.equal(badUrl.body.code, 'HRD_ERR_API_REQUEST')
    const longParam = await api(h.url, 'GET', `/api/v1/tokens/${'t'.repeat(5000)}`)
    assert.equal(longParam.status, 414)
    assert.equal(longParam.body.code, 'HRD_ERR_API_REQUEST')
    const bigHeader = await fetch(`${h.url}/hooks/`, { headers: { ...AUTH, 'x-padding': 'p'.repeat(20_000) } })
    assert.equal(bigHeader.status, 431)
    assert.equal(bigHeader.headers.get('content-type'), 'application/json; charset=utf-8')
    assert.equal(((await bigHeader.json()) as { code: string }).code, 'HRD_ERR_API_REQUEST')
    // The server is unharmed.
    assert.equal((await api(h.url, 'GET', '/hooks/')).status, 200)
  })

  test('a 10 MB webhook body is refused with 413', async () => {
    for (const [method, path] of [['POST', '/hooks/'], ['PUT', `/hooks/${existing.id as number}/`]] as const) {
      const res = await raw(h.url, method, path, JSON.stringify({ ...GOOD_HOOK, name: 'x'.repeat(TEN_MB) }))
      assertNames(res, 'body', `${method} ${path}`, 413)
      assert.equal(res.body.code, 'HRD_ERR_API_BODY_TOO_LARGE')
    }
  })

  test('refused webhook bodies stored nothing and changed nothing', async () => {
    const list = await api(h.url, 'GET', '/hooks/')
    assert.deepEqual(list.body.results, [existing])
  })

  const BAD_IDS = ['abc', '1.5', '-1', '0', '1e3', '0x10', '99999999999999999999', '%20']
  test('a path id that is not a positive integer is refused with 400 naming it', async () => {
    for (const id of BAD_IDS) {
      for (const [method, path, body] of [
        ['GET', `/hooks/${id}/`], ['PATCH', `/hooks/${id}/`, { name: 'x' }], ['PUT', `/api/v1/hooks/${id}/`, GOOD_HOOK],
        ['DELETE', `/hooks/${id}/`], ['POST', `/api/v1/hooks/${id}/rotate-secret`, {}], ['GET', `/api/v1/hooks/${id}/deliveries`],
        ['GET', `/api/v1/cameras/${id}`], ['DELETE', `/api/v1/cards/${id}`]
      ] as Array<[string, string, unknown?]>) {
        assertNames(await api(h.url, method, path, body), 'id', `${method} ${path}`)
      }
      assertNames(await api(h.url, 'POST', `/api/v1/hooks/${existing.id as number}/deliveries/${id}/resend`), 'delivery_id', `resend ${id}`)
    }
    assert.deepEqual((await api(h.url, 'GET', '/hooks/')).body.results, [existing])
  })

  test('bad list and attempt-log query parameters are refused with 400 naming them', async () => {
    for (const [query, field] of [
      ['limit=0', 'limit'], ['limit=abc', 'limit'], ['limit=1001', 'limit'], ['page=not-a-cursor', 'page'],
      ['ordering=colour', 'ordering'], ['ordering=id&ordering=name', 'ordering'], ['id_in=a,b', 'id_in'],
      ['id_in=1,-2', 'id_in'], ['created_date_gt=yesterday', 'created_date_gt']
    ]) {
      assertNames(await api(h.url, 'GET', `/hooks/?${query as string}`), field as string, query as string)
    }
    for (const [query, field] of [['status=lost', 'status'], ['before=x', 'before'], ['limit=-1', 'limit']]) {
      assertNames(await api(h.url, 'GET', `/api/v1/hooks/${existing.id as number}/deliveries?${query as string}`), field as string, query as string)
    }
  })

  test('rotate-secret refuses a body that is not an object, or has other keys, and rotates nothing', async () => {
    const hook = (await api(h.url, 'POST', '/hooks/', { ...GOOD_HOOK, name: 'rotating', secret: true })).body as { id: number, secret: string }
    const before = (await api(h.url, 'GET', `/hooks/${hook.id}/`)).body.secret
    for (const [body, field] of [['[1]', 'body'], ['"now"', 'body'], ['{"grace": 5}', 'grace']] as const) {
      assertNames(await raw(h.url, 'POST', `/api/v1/hooks/${hook.id}/rotate-secret`, body), field, body)
    }
    assert.equal((await api(h.url, 'GET', `/hooks/${hook.id}/`)).body.secret, before)
  })

  test('rotate-secret refuses a negative grace period', async () => {
    assertNames(await api(h.url, 'POST', `/api/v1/hooks/${existing.id as number}/rotate-secret`, { grace_period_seconds: -1 }), 'grace_period_seconds', 'grace -1')
    assert.equal((await api(h.url, 'GET', `/hooks/${existing.id as number}/`)).body.secret, null)
  })
})

/* A valid object of each type, the field to break, the bad value, and the field the 400 names. */
const VALID: Record<string, Record<string, unknown>> = {
  face_event: { type: 'face_event', id: 'f-1', camera: 3, camera_group: 1, matched: true, matched_lists: [2], confidence: 0.9 },
  body_event: { type: 'body_event', id: 'b-1', camera: 3, matched: false },
  car_event: { type: 'car_event', id: 'c-1', camera: 3, matched_lists: [] },
  human_episode: { type: 'human_episode', id: 5512, transition: 'episode_open', open: true, events_count: 1, cameras: [3] },
  car_episode: { type: 'car_episode', id: 6000, transition: 'episode_close', open: false, events_count: 4 },
  counter_record: { type: 'counter_record', id: 9001, counter: 4, camera: 3, faces_count: 2 },
  area_activation: { type: 'area_activation', id: 77, area: 2, active: true, duration: 15, max_body_count: 6 },
  alarm: { type: 'alarm', monitor_id: 1, monitor_name: 'Front', event_id: 4242, cause: 'Motion', phase: 'start' }
}

const WRONG_TYPES: Array<[string, string, unknown, string]> = [
  ['face_event', 'camera', { id: 3 }, '/0/camera'],
  ['face_event', 'matched_lists', [2, 'vip'], '/0/matched_lists/1'],
  ['face_event', 'confidence', 'high', '/0/confidence'],
  ['face_event', 'bs_type', 'live', '/0/bs_type'],
  ['body_event', 'matched', 'yes', '/0/matched'],
  ['body_event', 'camera_group', true, '/0/camera_group'],
  ['car_event', 'matched_lists', 'vip', '/0/matched_lists'],
  ['car_event', 'thumbnail', 42, '/0/thumbnail'],
  ['human_episode', 'transition', 'opened', '/0/transition'],
  ['human_episode', 'events_count', 'three', '/0/events_count'],
  ['human_episode', 'cameras', 3, '/0/cameras'],
  ['car_episode', 'open', 'no', '/0/open'],
  ['car_episode', 'events_count', -1, '/0/events_count'],
  ['counter_record', 'faces_count', 2.5, '/0/faces_count'],
  ['counter_record', 'counter', { id: 4 }, '/0/counter'],
  ['area_activation', 'active', 1, '/0/active'],
  ['area_activation', 'duration', -5, '/0/duration'],
  ['alarm', 'monitor_id', true, '/0/monitor_id'],
  ['alarm', 'phase', 'begin', '/0/phase'],
  ['alarm', 'notes', 7, '/0/notes'],
  ['alarm', 'detection', { labels: 'person' }, '/0/detection']
]

describe('bad event input', () => {
  let h: TestHerald
  let receiver: Receiver
  let hookId: number
  before(async () => {
    receiver = await Receiver.start()
    h = await startHerald()
    const sections = { face_events: {}, body_events: {}, car_events: {}, human_episodes: {}, car_episodes: {}, counters: {}, areas: {}, alarms: {} }
    hookId = (await api(h.url, 'POST', '/hooks/', { name: 'everything', url: receiver.url, filters: sections })).body.id
  })
  after(async () => {
    await h.close()
    await receiver.stop()
  })

  async function deliveries (): Promise<unknown[]> {
    return (await api(h.url, 'GET', `/api/v1/hooks/${hookId}/deliveries`)).body.results
  }

  test('every sample event is valid on its own (the rows below break exactly one field)', async () => {
    for (const event of Object.values(VALID)) {
      const res = await api(h.url, 'POST', '/api/v1/events', [{ ...event, id: `probe-${String(event.id ?? event.event_id)}`, event_id: event.type === 'alarm' ? 1 : undefined }])
      assert.equal(res.status, 202, JSON.stringify(res.body))
    }
  })

  for (const [type, key, value, field] of WRONG_TYPES) {
    test(`a ${type} with ${key} = ${JSON.stringify(value)} is refused, naming ${field}`, async () => {
      const res = await api(h.url, 'POST', '/api/v1/events', [{ ...VALID[type], [key]: value }])
      assertNames(res, field, `${type}.${key}`)
      assert.equal(res.body.code, 'HRD_ERR_VALIDATION')
    })
  }

  test('an unknown or missing type is refused, naming /0/type', async () => {
    assertNames(await api(h.url, 'POST', '/api/v1/events', [{ ...VALID.face_event, type: 'face' }]), '/0/type', 'type face')
    assertNames(await api(h.url, 'POST', '/api/v1/events', [{ id: 'x' }]), '/0/type', 'no type')
    assertNames(await api(h.url, 'POST', '/api/v1/events', { id: 'x' }), '/type', 'single, no type')
  })

  test('an event without id is refused, naming the id field', async () => {
    for (const type of ['face_event', 'body_event', 'car_event', 'human_episode', 'car_episode', 'counter_record', 'area_activation']) {
      const { id: _id, ...noId } = VALID[type] as Record<string, unknown>
      const res = await api(h.url, 'POST', '/api/v1/events', [noId])
      assertNames(res, '/0/id', type)
      assert.equal(fieldsOf(res).filter((f) => f === '/0/id').length, 1, 'the field is named once')
    }
  })

  test('an integer id past 2^53 is refused (JSON would round it into another event\'s id), naming id and saying to send a string', async () => {
    const before = (await deliveries()).length
    for (const id of ['4046311220736452001', '1e300', '-9007199254740993']) {
      const res = await raw(h.url, 'POST', '/api/v1/events', `[{"type":"face_event","id":${id},"camera":3}]`)
      assertNames(res, '/0/id', id)
      assert.match(res.body.fields[0].message, /as strings/)
    }
    const camera = await raw(h.url, 'POST', '/api/v1/events', '[{"type":"face_event","id":"big-camera","camera":9007199254740993}]')
    assertNames(camera, '/0/camera', 'camera')
    // The same ids as strings are two events, each with its own id.
    for (const id of ['4046311220736452001', '4046311220736452003']) {
      const res = await api(h.url, 'POST', '/api/v1/events', [{ type: 'face_event', id, camera: 3 }])
      assert.equal(res.status, 202)
      assert.equal(res.body.accepted, 1, `${id} is not a duplicate`)
      assert.equal(res.body.events[0].id, id)
    }
    assert.equal((await deliveries()).length, before + 2)
    const ok = await raw(h.url, 'POST', '/api/v1/events', '[{"type":"face_event","id":9007199254740991,"camera":3}]')
    assert.equal(ok.status, 202, JSON.stringify(ok.body))
  })

  test('a field of several accepted shapes says which ones, not "Expected union value"', async () => {
    const res = await api(h.url, 'POST', '/api/v1/events', [{ ...VALID.alarm, phase: 'begin' }, { ...VALID.face_event, camera: true }])
    const messages = Object.fromEntries((res.body.fields as Array<{ field: string, message: string }>).map((f) => [f.field, f.message]))
    assert.equal(messages['/0/phase'], 'must be start, update or end')
    assert.match(messages['/1/camera'] ?? '', /^must be an id: an integer/)
  })

  test('an alarm without phase is refused, naming phase', async () => {
    const { phase: _phase, ...noPhase } = VALID.alarm as Record<string, unknown>
    assertNames(await api(h.url, 'POST', '/api/v1/events', noPhase), '/phase', 'single alarm')
    assertNames(await api(h.url, 'POST', '/api/v1/events', [VALID.face_event, noPhase]), '/1/phase', 'second of two')
  })

  test('an item that is not an object is refused, naming its index', async () => {
    assertNames(await api(h.url, 'POST', '/api/v1/events', [VALID.face_event, 42]), '/1', 'number item')
    assertNames(await api(h.url, 'POST', '/api/v1/events', [null]), '/0', 'null item')
    assertNames(await api(h.url, 'POST', '/api/v1/events', JSON.stringify('face_event')), '/', 'string body')
  })

  test('an empty array is refused with 400', async () => {
    assertNames(await api(h.url, 'POST', '/api/v1/events', []), 'body', 'empty array')
  })

  test('a payload nested deeper than Herald stores is refused with 400, not a crash', async () => {
    const deep = `[{"type":"face_event","id":"deep","meta":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}]`
    const res = await raw(h.url, 'POST', '/api/v1/events', deep)
    assert.equal(res.status, 400)
    assert.match(fieldsOf(res)[0] as string, /^\/0\/meta\/a\/a/)
  })

  test('malformed JSON and a 10 MB body are refused (400, 413)', async () => {
    for (const text of ['[{"type":"face_event","id":"x"}', '{"type":"face_event","id":NaN}', '{"type":"face_event","id":"x",}']) {
      const res = await raw(h.url, 'POST', '/api/v1/events', text)
      assertNames(res, 'body', text)
      assert.equal(res.body.code, 'HRD_ERR_API_BAD_JSON')
    }
    const big = JSON.stringify([{ ...VALID.face_event, id: 'big', notes: 'x'.repeat(TEN_MB) }])
    const res = await raw(h.url, 'POST', '/api/v1/events', big)
    assertNames(res, 'body', '10 MB', 413)
  })

  test('an array with one bad item among good ones is refused whole, and none of it is stored', async () => {
    const before = (await deliveries()).length
    const good = Object.values(VALID).map((e, i) => ({ ...e, ...(e.type === 'alarm' ? { event_id: 9000 + i } : { id: typeof e.id === 'number' ? 100_000 + i : `whole-${i}` }) }))
    const bad = { ...VALID.counter_record, id: 'whole-bad', faces_count: 'two' }
    const res = await api(h.url, 'POST', '/api/v1/events', [...good.slice(0, 4), bad, ...good.slice(4)])
    assertNames(res, '/4/faces_count', 'bad in the middle')
    assert.deepEqual(fieldsOf(res), ['/4/faces_count'])
    assert.equal((await deliveries()).length, before, 'deliveries were queued for a rejected request')

    // Posting the good items alone proves none was stored: none is a duplicate.
    const accepted = await api(h.url, 'POST', '/api/v1/events', good)
    assert.equal(accepted.status, 202)
    assert.equal(accepted.body.accepted, good.length)
    assert.equal(accepted.body.duplicates, 0)
  })

  test('no refused event ever reached the receiver', async () => {
    const probes = Object.keys(VALID).length
    const accepted = probes + Object.keys(VALID).length
    await receiver.waitForItems(accepted)
    const ids = receiver.items().map((i) => String((i as Record<string, unknown>).id ?? (i as Record<string, unknown>).event_id))
    assert.equal(ids.length, accepted)
    assert.equal(ids.some((id) => id.includes('bad') || id === 'x' || id === 'deep' || id === 'big'), false)
  })
})
