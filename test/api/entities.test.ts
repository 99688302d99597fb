import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { api, startHerald, type TestHerald } from '../helpers/herald.js'
import { ManualClock } from '../helpers/manual-clock.js'

/* Each entity path, a full body, and a patch of its own link field. */
const KINDS: Array<{ path: string, body: Record<string, unknown>, patch: Record<string, unknown> }> = [
  { path: 'cameras', body: { name: 'Gate 1', comment: 'north', group: 1, active: true, latitude: 55.75, longitude: 37.62, azimuth: 90, meta: { vendor: 'axis' } }, patch: { group: 2 } },
  { path: 'camera-groups', body: { name: 'Entrance', comment: '', active: true, meta: {} }, patch: { active: false } },
  { path: 'watch-lists', body: { name: 'VIP', comment: 'guests', color: 'ffcc00', active: true, notify: true, acknowledge: false, meta: {} }, patch: { color: '00ff00' } },
  { path: 'cards', body: { name: 'John Smith', comment: '', watch_lists: [2, 5], active: true, meta: { badge: 'A-17' } }, patch: { watch_lists: [5] } }
]

describe('entities', () => {
  let h: TestHerald
  const clock = new ManualClock(Date.parse('2026-04-01T08:00:00Z'))
  before(async () => { h = await startHerald({}, { clock }) })
  after(async () => { await h.close() })

  for (const { path, body, patch } of KINDS) {
    const base = `/api/v1/${path}`

    test(`POST ${base} answers 201 with the object, a new id and its dates`, async () => {
      const res = await api(h.url, 'POST', base, body)
      assert.equal(res.status, 201)
      assert.deepEqual(res.body, { ...body, id: res.body.id, created_date: new Date(clock.now()).toISOString(), modified_date: new Date(clock.now()).toISOString() })
      const second = await api(h.url, 'POST', base, { name: 'second' })
      assert.equal(second.body.id, res.body.id + 1)
      assert.equal(second.body.comment, '')
      assert.deepEqual(second.body.meta, {})
    })

    test(`POST ${base} with an id keeps it (the id the events carry), and refuses it twice`, async () => {
      const res = await api(h.url, 'POST', base, { ...body, id: 700 })
      assert.equal(res.status, 201)
      assert.equal(res.body.id, 700)
      const again = await api(h.url, 'POST', base, { ...body, id: 700 })
      assert.equal(again.status, 400)
      assert.equal(again.body.param, 'id')
    })

    test(`GET ${base} lists them and GET ${base}/{id} reads one`, async () => {
      const list = await api(h.url, 'GET', base)
      assert.equal(list.status, 200)
      assert.ok(list.body.results.length >= 3)
      const one = await api(h.url, 'GET', `${base}/700`)
      assert.equal(one.status, 200)
      assert.deepEqual(list.body.results.find((e: { id: number }) => e.id === 700), one.body)
    })

    test(`PATCH ${base}/{id} changes only the fields it names`, async () => {
      const before = (await api(h.url, 'GET', `${base}/700`)).body
      await clock.advance(1000)
      const res = await api(h.url, 'PATCH', `${base}/700`, { ...patch, comment: 'patched' })
      assert.equal(res.status, 200)
      assert.deepEqual(res.body, { ...before, ...patch, comment: 'patched', modified_date: new Date(clock.now()).toISOString() })
    })

    test(`PUT ${base}/{id} replaces the object: omitted fields are gone`, async () => {
      const res = await api(h.url, 'PUT', `${base}/700`, { name: 'replaced' })
      assert.equal(res.status, 200)
      const { created_date: _c, modified_date: _m, ...rest } = res.body
      assert.deepEqual(rest, { id: 700, name: 'replaced', comment: '', meta: {} })
    })

    test(`a ${path} GET body PUT back is accepted unchanged`, async () => {
      const read = (await api(h.url, 'GET', `${base}/700`)).body
      const res = await api(h.url, 'PUT', `${base}/700`, read)
      assert.equal(res.status, 200)
      assert.deepEqual({ ...res.body, modified_date: read.modified_date }, read)
    })

    test(`DELETE ${base}/{id} answers 204, then 404`, async () => {
      assert.equal((await api(h.url, 'DELETE', `${base}/700`)).status, 204)
      for (const method of ['GET', 'DELETE']) {
        const res = await api(h.url, method, `${base}/700`)
        assert.equal(res.status, 404)
        assert.equal(res.body.code, 'HRD_ERR_NOT_FOUND')
      }
      assert.equal((await api(h.url, 'PATCH', `${base}/700`, { name: 'x' })).status, 404)
    })
  }

  test('PATCH refuses an empty name and leaves the entity as it was', async () => {
    const created = await api(h.url, 'POST', '/api/v1/watch-lists', { name: 'Staff' })
    const res = await api(h.url, 'PATCH', `/api/v1/watch-lists/${created.body.id as number}`, { name: '' })
    assert.equal(res.status, 400)
    assert.equal(res.body.param, 'name')
    assert.deepEqual((await api(h.url, 'GET', `/api/v1/watch-lists/${created.body.id as number}`)).body, created.body)
  })

  const BAD: Array<[string, string, unknown, string]> = [
    ['cameras', 'an empty name', { name: '' }, 'name'],
    ['cameras', 'an unknown field', { name: 'x', colour: 'red' }, 'colour'],
    ['cameras', 'no name', { comment: 'x' }, 'name'],
    ['cameras', 'a group that is not an id', { name: 'x', group: 'north' }, 'group'],
    ['cameras', 'a latitude that is not a number', { name: 'x', latitude: '55' }, 'latitude'],
    ['camera-groups', 'active as a string', { name: 'x', active: 'yes' }, 'active'],
    ['watch-lists', 'a colour that is not a string', { name: 'x', color: 0xffcc00 }, 'color'],
    ['cards', 'watch_lists that are not ids', { name: 'x', watch_lists: ['vip'] }, 'watch_lists'],
    ['cards', 'meta that is a list', { name: 'x', meta: [] }, 'meta'],
    ['cards', 'meta nested 40 levels deep', { name: 'x', meta: JSON.parse(`${'{"a":'.repeat(40)}1${'}'.repeat(40)}`) }, 'meta'],
    ['cards', 'a negative id', { name: 'x', id: -3 }, 'id'],
    ['cards', 'a list body', [{ name: 'x' }], 'body']
  ]
  for (const [path, what, body, field] of BAD) {
    test(`a ${path} body with ${what} is refused with 400 naming ${field}, and nothing is stored`, async () => {
      const before = (await api(h.url, 'GET', `/api/v1/${path}`)).body.results
      const res = await api(h.url, 'POST', `/api/v1/${path}`, body)
      assert.equal(res.status, 400)
      assert.equal(res.body.code, 'HRD_ERR_VALIDATION')
      assert.ok(res.body.fields.some((f: { field: string }) => f.field === field), JSON.stringify(res.body))
      assert.deepEqual((await api(h.url, 'GET', `/api/v1/${path}`)).body.results, before)
    })
  }
})

describe('the largest ids', () => {
  let h: TestHerald
  before(async () => { h = await startHerald() })
  after(async () => { await h.close() })

  test('an entity created with id 2^53−1 can be read, edited and deleted; a create without id then says to give one, naming id', async () => {
    const max = Number.MAX_SAFE_INTEGER
    const created = await api(h.url, 'POST', '/api/v1/camera-groups', { name: 'last', id: max })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    assert.equal((await api(h.url, 'GET', `/api/v1/camera-groups/${max}`)).body.name, 'last')
    assert.equal((await api(h.url, 'PATCH', `/api/v1/camera-groups/${max}`, { name: 'still last' })).status, 200)
    const next = await api(h.url, 'POST', '/api/v1/camera-groups', { name: 'after the last' })
    assert.equal(next.status, 400)
    assert.deepEqual(next.body.fields.map((f: { field: string }) => f.field), ['id'])
    assert.match(next.body.fields[0].message, /give the id explicitly/)
    assert.equal((await api(h.url, 'POST', '/api/v1/camera-groups', { name: 'explicit', id: 7 })).status, 201)
    assert.equal((await api(h.url, 'DELETE', `/api/v1/camera-groups/${max}`)).status, 204)
    assert.equal((await api(h.url, 'GET', `/api/v1/camera-groups/${max + 2}`)).status, 400)
  })
})
