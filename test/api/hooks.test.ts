import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { api, startHerald, type ApiResponse, type TestHerald } from '../helpers/herald.js'
import { ManualClock } from '../helpers/manual-clock.js'
import { Receiver } from '../helpers/receiver.js'
import { Webhook } from 'standardwebhooks'

const DEAD_URL = 'http://127.0.0.1:9/never'

function hookBody (overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'Access control', url: DEAD_URL, active: false, filters: { face_events: {} }, ...overrides }
}

async function listIds (h: TestHerald, path = '/hooks/'): Promise<number[]> {
  const res = await api(h.url, 'GET', path)
  assert.equal(res.status, 200)
  return (res.body.results as Array<{ id: number }>).map((r) => r.id)
}

describe('webhook object', () => {
  let h: TestHerald
  const clock = new ManualClock(Date.parse('2026-03-01T10:00:00Z'))
  before(async () => { h = await startHerald({}, { clock }) })
  after(async () => { await h.close() })

  test('POST /hooks/ answers 201 with the FindFace object and its defaults', async () => {
    const res = await api(h.url, 'POST', '/hooks/', { name: 'Gate', url: 'https://receiver.example/ff', filters: {} })
    assert.equal(res.status, 201)
    assert.deepEqual(res.body, {
      id: res.body.id,
      name: 'Gate',
      active: true,
      url: 'https://receiver.example/ff',
      batch_size: 1,
      send_attempts: 10,
      filters: {},
      verbose: null,
      max_in_flight: null,
      secret: null,
      created_by: res.body.created_by,
      created_date: '2026-03-01T10:00:00.000Z',
      modified_date: '2026-03-01T10:00:00.000Z'
    })
    assert.ok(Number.isInteger(res.body.id) && res.body.id > 0)
    assert.ok(Number.isInteger(res.body.created_by))
  })

  test('title is accepted as an alias of name on create and on PATCH', async () => {
    const created = await api(h.url, 'POST', '/hooks/', { title: 'Lobby', url: DEAD_URL })
    assert.equal(created.status, 201)
    assert.equal(created.body.name, 'Lobby')
    assert.equal('title' in created.body, false)
    const patched = await api(h.url, 'PATCH', `/hooks/${created.body.id as number}/`, { title: 'Lobby 2' })
    assert.equal(patched.status, 200)
    assert.equal(patched.body.name, 'Lobby 2')
  })

  test('name and title with different values are refused, naming title', async () => {
    const res = await api(h.url, 'POST', '/hooks/', { name: 'a', title: 'b', url: DEAD_URL })
    assert.equal(res.status, 400)
    assert.equal(res.body.code, 'HRD_ERR_VALIDATION')
    assert.equal(res.body.param, 'title')
  })

  test('a webhook created under /api/v1/hooks/ is the same object under /hooks/', async () => {
    const created = await api(h.url, 'POST', '/api/v1/hooks/', hookBody({ name: 'Both paths' }))
    assert.equal(created.status, 201)
    const viaFindFacePath = await api(h.url, 'GET', `/hooks/${created.body.id as number}/`)
    const viaHeraldPath = await api(h.url, 'GET', `/api/v1/hooks/${created.body.id as number}/`)
    assert.equal(viaFindFacePath.status, 200)
    assert.deepEqual(viaFindFacePath.body, viaHeraldPath.body)
    assert.equal(viaFindFacePath.body.name, 'Both paths')
  })

  test('PATCH changes only the fields it names and moves modified_date', async () => {
    const created = await api(h.url, 'POST', '/hooks/', hookBody({ batch_size: 5, send_attempts: 3 }))
    await clock.advance(5000)
    const id = created.body.id as number
    const res = await api(h.url, 'PATCH', `/hooks/${id}/`, { send_attempts: 0 })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, { ...created.body, send_attempts: 0, modified_date: new Date(clock.now()).toISOString() })
    assert.notEqual(res.body.modified_date, created.body.created_date)
    assert.deepEqual((await api(h.url, 'GET', `/hooks/${id}/`)).body, res.body)
  })

  test('PUT replaces the whole webhook: omitted optional fields return to their defaults', async () => {
    const created = await api(h.url, 'POST', '/hooks/', hookBody({ batch_size: 50, send_attempts: 2, verbose: true, max_in_flight: 4, filters: { counters: {} } }))
    const id = created.body.id as number
    const res = await api(h.url, 'PUT', `/hooks/${id}/`, { name: 'Replaced', url: 'http://127.0.0.1:9/other' })
    assert.equal(res.status, 200)
    assert.equal(res.body.id, id)
    assert.equal(res.body.name, 'Replaced')
    assert.equal(res.body.url, 'http://127.0.0.1:9/other')
    assert.equal(res.body.active, true)
    assert.equal(res.body.batch_size, 1)
    assert.equal(res.body.send_attempts, 10)
    assert.deepEqual(res.body.filters, {})
    assert.equal(res.body.verbose, null)
    assert.equal(res.body.max_in_flight, null)
    assert.equal(res.body.created_date, created.body.created_date)
  })

  test('PUT without the required fields is refused, naming each', async () => {
    const created = await api(h.url, 'POST', '/hooks/', hookBody())
    const res = await api(h.url, 'PUT', `/hooks/${created.body.id as number}/`, { active: true })
    assert.equal(res.status, 400)
    assert.deepEqual(res.body.fields.map((f: { field: string }) => f.field).sort(), ['name', 'url'])
  })

  test('DELETE answers 204, then the webhook is 404 for GET, PATCH, PUT and DELETE', async () => {
    const created = await api(h.url, 'POST', '/hooks/', hookBody())
    const path = `/hooks/${created.body.id as number}/`
    const deleted = await api(h.url, 'DELETE', path)
    assert.equal(deleted.status, 204)
    assert.equal(deleted.body, undefined)
    for (const [method, body] of [['GET'], ['PATCH', { name: 'x' }], ['PUT', hookBody()], ['DELETE']] as const) {
      const res = await api(h.url, method, path, body)
      assert.equal(res.status, 404, `${method} ${path}`)
      assert.equal(res.body.code, 'HRD_ERR_NOT_FOUND')
    }
    assert.equal((await listIds(h)).includes(created.body.id as number), false)
  })

  test('routes answer with and without the trailing slash FindFace clients write', async () => {
    const created = await api(h.url, 'POST', '/hooks', hookBody())
    assert.equal(created.status, 201)
    assert.equal((await api(h.url, 'GET', `/api/v1/hooks/${created.body.id as number}`)).status, 200)
  })

  test('a filter with empty lists is saved, and the answer warns about each empty list', async () => {
    const filters = { face_events: { camera_in: [], matched_lists_in: [], matched: true }, counters: { counter_in: [] } }
    const created = await api(h.url, 'POST', '/hooks/', hookBody({ filters }))
    assert.equal(created.status, 201)
    assert.deepEqual(created.body.filters, filters)
    const warnings = created.body.warnings as string[]
    assert.equal(warnings.length, 3)
    for (const field of ['filters.face_events.camera_in', 'filters.face_events.matched_lists_in', 'filters.counters.counter_in']) {
      assert.ok(warnings.some((w) => w.includes(field)), `no warning names ${field}: ${warnings.join('; ')}`)
    }
    const read = await api(h.url, 'GET', `/hooks/${created.body.id as number}/`)
    assert.deepEqual(read.body.filters, filters)
    assert.equal('warnings' in read.body, false)
    const patched = await api(h.url, 'PATCH', `/hooks/${created.body.id as number}/`, { filters: { areas: { area_in: [] } } })
    assert.equal(patched.status, 200)
    assert.equal(patched.body.warnings.length, 1)
    assert.match(patched.body.warnings[0], /filters\.areas\.area_in/)
  })

  test('a filter without empty lists carries no warnings key', async () => {
    const created = await api(h.url, 'POST', '/hooks/', hookBody({ filters: { face_events: { camera_in: [1] } } }))
    assert.equal(created.status, 201)
    assert.equal('warnings' in created.body, false)
  })
})

describe('putting back what GET returned', () => {
  test('a GET body PUT back unchanged is accepted and changes nothing but modified_date', async () => {
    const h = await startHerald()
    try {
      const created = await api(h.url, 'POST', '/hooks/', hookBody({ batch_size: 7, send_attempts: 0, verbose: false, filters: { face_events: { camera_in: [] } } }))
      const read = await api(h.url, 'GET', `/hooks/${created.body.id as number}/`)
      const put = await api(h.url, 'PUT', `/hooks/${created.body.id as number}/`, read.body)
      assert.equal(put.status, 200)
      const { modified_date: _m, warnings: _w, ...rest } = put.body
      const { modified_date: _m2, ...expected } = read.body
      assert.deepEqual(rest, expected)
      assert.deepEqual((await api(h.url, 'GET', '/hooks/')).body.results.length, 1)
    } finally {
      await h.close()
    }
  })

  test('a masked secret echoed back by PUT keeps the secret: deliveries still verify with it', async () => {
    const receiver = await Receiver.start()
    const h = await startHerald()
    try {
      const created = await api(h.url, 'POST', '/hooks/', { name: 'signed', url: receiver.url, filters: {}, secret: true })
      const secret = created.body.secret as string
      const read = await api(h.url, 'GET', `/hooks/${created.body.id as number}/`)
      assert.notEqual(read.body.secret, secret)
      assert.ok(secret.startsWith((read.body.secret as string).replace('…', '')))
      const put = await api(h.url, 'PUT', `/hooks/${created.body.id as number}/`, read.body)
      assert.equal(put.status, 200)
      assert.equal(put.body.secret, read.body.secret)
      await api(h.url, 'POST', '/api/v1/events', { type: 'face_event', id: 'after-put', camera: 1 })
      await receiver.waitForRequests(1)
      const req = receiver.requests[0]
      assert.ok(req !== undefined)
      assert.doesNotThrow(() => new Webhook(secret).verify(req.body, req.headers as Record<string, string>))
    } finally {
      await h.close()
      await receiver.stop()
    }
  })
})

describe('a receiver URL with user:password (FindFace accepts it and its sender uses basic auth)', () => {
  test('is stored as given and every delivery carries the basic auth', async () => {
    const receiver = await Receiver.start()
    const h = await startHerald()
    try {
      const url = receiver.url.replace('http://', 'http://ff:s3cret@')
      const created = await api(h.url, 'POST', '/hooks/', { name: 'basic', url, filters: {} })
      assert.equal(created.status, 201, JSON.stringify(created.body))
      assert.equal(created.body.url, url)
      await api(h.url, 'POST', '/api/v1/events', { type: 'face_event', id: 'basic-1', camera: 1 })
      await receiver.waitForRequests(1)
      assert.equal(receiver.requests[0]?.headers.authorization, `Basic ${Buffer.from('ff:s3cret').toString('base64')}`)
    } finally {
      await h.close()
      await receiver.stop()
    }
  })
})

describe("webhook list: FindFace's relative created_date filters (UTC weeks from Monday)", () => {
  test('last_n_days, nth_full_week and nth_work_week select by creation time, and next_page keeps them', async () => {
    const clock = new ManualClock(Date.parse('2026-11-16T09:00:00Z'))
    const h = await startHerald({}, { clock })
    try {
      const created: Record<string, number> = {}
      // Monday two weeks back, Tuesday and Sunday of last week, Wednesday of this week; then Thursday.
      for (const [name, at] of [['two weeks back', '2026-11-16T09:00:00Z'], ['last Tuesday', '2026-11-24T12:00:00Z'], ['last Sunday', '2026-11-29T18:00:00Z'], ['this Wednesday', '2026-12-02T08:00:00Z']] as const) {
        await clock.advance(Date.parse(at) - clock.now())
        created[name] = (await api(h.url, 'POST', '/hooks/', hookBody({ name }))).body.id as number
      }
      await clock.advance(Date.parse('2026-12-03T10:00:00Z') - clock.now())
      const named = async (query: string): Promise<string[]> => {
        const res = await api(h.url, 'GET', `/hooks/?${query}`)
        assert.equal(res.status, 200, JSON.stringify(res.body))
        return (res.body.results as Array<{ name: string }>).map((r) => r.name)
      }
      assert.deepEqual(await named('created_date_last_n_days=2'), ['this Wednesday'])
      assert.deepEqual(await named('created_date_last_n_days=10'), ['last Tuesday', 'last Sunday', 'this Wednesday'])
      assert.deepEqual(await named('created_date_nth_full_week=0'), ['this Wednesday'])
      assert.deepEqual(await named('created_date_nth_full_week=1'), ['last Tuesday', 'last Sunday'])
      assert.deepEqual(await named('created_date_nth_work_week=1'), ['last Tuesday'])
      assert.deepEqual(await named('created_date_nth_full_week=2'), ['two weeks back'])
      const first = await api(h.url, 'GET', '/hooks/?limit=1&created_date_nth_full_week=1')
      assert.deepEqual(first.body.results.map((r: { id: number }) => r.id), [created['last Tuesday']])
      const second = await api(h.url, 'GET', first.body.next_page as string)
      assert.deepEqual(second.body.results.map((r: { id: number }) => r.id), [created['last Sunday']])
      assert.equal(second.body.next_page, null)
      const bad = await api(h.url, 'GET', '/hooks/?created_date_last_n_days=0')
      assert.equal(bad.status, 400)
      assert.deepEqual(bad.body.fields.map((f: { field: string }) => f.field), ['created_date_last_n_days'])
    } finally {
      await h.close()
    }
  })
})

describe('webhook list', () => {
  let h: TestHerald
  const clock = new ManualClock(Date.parse('2026-03-01T10:00:00Z'))
  const names = ['delta', 'alpha', 'echo', 'charlie', 'golf', 'bravo', 'foxtrot']
  const ids: number[] = []
  before(async () => {
    h = await startHerald({}, { clock })
    for (const [i, name] of names.entries()) {
      const res = await api(h.url, 'POST', '/hooks/', hookBody({ name, url: `http://127.0.0.1:9/${String.fromCharCode(122 - i)}`, active: i % 2 === 0 }))
      ids.push(res.body.id as number)
      await clock.advance(60_000)
    }
  })
  after(async () => { await h.close() })

  async function walk (first: string): Promise<{ pages: number[][], last: any }> {
    const pages: number[][] = []
    let next: string | null = first
    let last: any
    while (next !== null) {
      const res: ApiResponse<any> = await api(h.url, 'GET', next)
      assert.equal(res.status, 200, next)
      pages.push(res.body.results.map((r: { id: number }) => r.id))
      last = res.body
      next = res.body.next_page
      assert.ok(pages.length <= names.length, 'next_page never ends')
    }
    return { pages, last }
  }

  test('without limit one page holds every webhook and neither next_page nor prev_page is set', async () => {
    const res = await api(h.url, 'GET', '/hooks/')
    assert.deepEqual(res.body.results.map((r: { id: number }) => r.id), ids)
    assert.equal(res.body.next_page, null)
    assert.equal(res.body.prev_page, null)
  })

  for (const prefix of ['/hooks/', '/api/v1/hooks/']) {
    test(`${prefix} with limit=3 walks every webhook once through next_page and back through prev_page`, async () => {
      const { pages, last } = await walk(`${prefix}?limit=3`)
      assert.deepEqual(pages, [ids.slice(0, 3), ids.slice(3, 6), ids.slice(6)])
      const back: number[][] = []
      let prev: string | null = last.prev_page
      while (prev !== null) {
        assert.ok(prev.startsWith(prefix), prev)
        const res = await api(h.url, 'GET', prev)
        back.push(res.body.results.map((r: { id: number }) => r.id))
        prev = res.body.prev_page
      }
      assert.deepEqual(back, [ids.slice(3, 6), ids.slice(0, 3)])
    })
  }

  test('ordering sorts by name, url or active, and a leading minus reverses it', async () => {
    const byName = await api(h.url, 'GET', '/hooks/?ordering=name')
    assert.deepEqual(byName.body.results.map((r: { name: string }) => r.name), [...names].sort())
    const byNameDesc = await api(h.url, 'GET', '/hooks/?ordering=-name')
    assert.deepEqual(byNameDesc.body.results.map((r: { name: string }) => r.name), [...names].sort().reverse())
    const byUrl = await api(h.url, 'GET', '/hooks/?ordering=url')
    assert.deepEqual(byUrl.body.results.map((r: { id: number }) => r.id), [...ids].reverse())
    const byActive = await api(h.url, 'GET', '/hooks/?ordering=-active')
    assert.deepEqual(byActive.body.results.map((r: { active: boolean }) => r.active), [true, true, true, true, false, false, false])
    const byId = await api(h.url, 'GET', '/hooks/?ordering=-id')
    assert.deepEqual(byId.body.results.map((r: { id: number }) => r.id), [...ids].reverse())
  })

  test('ordering is kept across pages', async () => {
    const { pages } = await walk('/hooks/?limit=2&ordering=name')
    const sortedIds = [...names].sort().map((n) => ids[names.indexOf(n)])
    assert.deepEqual(pages.flat(), sortedIds)
  })

  test('id_in returns only the listed webhooks, comma-separated or repeated', async () => {
    const pick = [ids[1], ids[4], ids[6]] as number[]
    assert.deepEqual(await listIds(h, `/hooks/?id_in=${pick.join(',')}`), pick)
    assert.deepEqual(await listIds(h, `/hooks/?id_in=${pick[0] as number}&id_in=${pick[2] as number}`), [pick[0], pick[2]])
    assert.deepEqual(await listIds(h, '/hooks/?id_in=99999'), [])
  })

  test('next_page keeps the id_in filter', async () => {
    const pick = [ids[0], ids[2], ids[3], ids[5]] as number[]
    const { pages } = await walk(`/hooks/?limit=3&id_in=${pick.join(',')}`)
    assert.deepEqual(pages, [pick.slice(0, 3), pick.slice(3)])
  })

  test('created_date_gte and created_date_lt select by creation time', async () => {
    const third = (await api(h.url, 'GET', `/hooks/${ids[2] as number}/`)).body.created_date as string
    assert.deepEqual(await listIds(h, `/hooks/?created_date_gte=${third}`), ids.slice(2))
    assert.deepEqual(await listIds(h, `/hooks/?created_date_lt=${third}`), ids.slice(0, 2))
    const { pages } = await walk(`/hooks/?limit=2&created_date_gte=${third}`)
    assert.deepEqual(pages.flat(), ids.slice(2))
  })
})
