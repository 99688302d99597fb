import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { ADMIN_TOKEN, api, startHerald, type TestHerald } from '../helpers/herald.js'

const INGEST_TOKEN = 'ingest-only-token'
const HOOK = { name: 'guarded', url: 'http://127.0.0.1:9/x', active: false, filters: {} }
const EVENT = { type: 'face_event', id: 'auth-1', camera: 1 }
const CAMERA = { name: 'Gate' }

interface Route { method: string, path: string, body?: unknown }

/* Every admin route, with a body that would succeed if the token were accepted. */
function adminRoutes (): Route[] {
  const routes: Route[] = []
  for (const prefix of ['/hooks', '/api/v1/hooks']) {
    routes.push(
      { method: 'GET', path: `${prefix}/` },
      { method: 'POST', path: `${prefix}/`, body: HOOK },
      { method: 'GET', path: `${prefix}/1/` },
      { method: 'PATCH', path: `${prefix}/1/`, body: { name: 'changed' } },
      { method: 'PUT', path: `${prefix}/1/`, body: HOOK },
      { method: 'DELETE', path: `${prefix}/1/` }
    )
  }
  routes.push(
    { method: 'POST', path: '/api/v1/hooks/1/rotate-secret', body: {} },
    { method: 'GET', path: '/api/v1/hooks/1/deliveries' },
    { method: 'POST', path: '/api/v1/hooks/1/deliveries/1/resend' }
  )
  for (const entity of ['cameras', 'camera-groups', 'watch-lists', 'cards']) {
    routes.push(
      { method: 'GET', path: `/api/v1/${entity}` },
      { method: 'POST', path: `/api/v1/${entity}`, body: CAMERA },
      { method: 'GET', path: `/api/v1/${entity}/1` },
      { method: 'PATCH', path: `/api/v1/${entity}/1`, body: { name: 'changed' } },
      { method: 'PUT', path: `/api/v1/${entity}/1`, body: CAMERA },
      { method: 'DELETE', path: `/api/v1/${entity}/1` }
    )
  }
  routes.push(
    { method: 'GET', path: '/api/v1/events/1' },
    { method: 'GET', path: '/api/v1/rules' },
    { method: 'PUT', path: '/api/v1/rules', body: { notifications: { monitors: {} } } },
    { method: 'GET', path: '/api/v1/targets' },
    { method: 'POST', path: '/api/v1/targets', body: { name: 'guarded', url: 'ntfy://alarms' } },
    { method: 'GET', path: '/api/v1/targets/guarded' },
    { method: 'PATCH', path: '/api/v1/targets/guarded', body: { active: false } },
    { method: 'DELETE', path: '/api/v1/targets/guarded' },
    { method: 'GET', path: '/api/v1/tokens' },
    { method: 'GET', path: '/api/v1/deliveries?channel=webhook&target=1' }
  )
  return routes
}

const INGEST: Route = { method: 'POST', path: '/api/v1/events', body: EVENT }

describe('admin token', () => {
  let h: TestHerald
  before(async () => {
    h = await startHerald({ http: { ingest_token: INGEST_TOKEN } })
    assert.equal((await api(h.url, 'POST', '/hooks/', HOOK)).status, 201)
    assert.equal((await api(h.url, 'POST', '/api/v1/events', { ...EVENT, id: 'seed' })).status, 202)
    for (const entity of ['cameras', 'camera-groups', 'watch-lists', 'cards']) {
      assert.equal((await api(h.url, 'POST', `/api/v1/${entity}`, CAMERA)).status, 201)
    }
  })
  after(async () => { await h.close() })

  const refusals: Array<[string, Record<string, string>, number, string]> = [
    ['no Authorization header', {}, 401, 'HRD_ERR_AUTH_MISSING'],
    ['an empty Authorization header', { authorization: '' }, 401, 'HRD_ERR_AUTH_MISSING'],
    ['a Basic Authorization header', { authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}` }, 401, 'HRD_ERR_AUTH_MISSING'],
    ['a wrong Token', { authorization: 'Token wrong-token' }, 403, 'HRD_ERR_AUTH_INVALID'],
    ['a wrong Bearer token', { authorization: 'Bearer wrong-token' }, 403, 'HRD_ERR_AUTH_INVALID'],
    ['the admin token with a suffix', { authorization: `Token ${ADMIN_TOKEN}x` }, 403, 'HRD_ERR_AUTH_INVALID']
  ]

  for (const [what, headers, status, code] of refusals) {
    test(`every admin route and event ingest answer ${status} ${code} to ${what}`, async () => {
      for (const route of [...adminRoutes(), INGEST]) {
        const res = await api(h.url, route.method, route.path, route.body, headers)
        assert.equal(res.status, status, `${route.method} ${route.path}`)
        assert.equal(res.body.code, code, `${route.method} ${route.path}`)
        assert.equal(typeof res.body.message, 'string')
      }
    })
  }

  test('refused requests changed nothing', async () => {
    const hooks = await api(h.url, 'GET', '/hooks/')
    assert.equal(hooks.body.results.length, 1)
    assert.equal(hooks.body.results[0].name, 'guarded')
    assert.equal(hooks.body.results[0].secret, null)
    for (const entity of ['cameras', 'camera-groups', 'watch-lists', 'cards']) {
      const list = await api(h.url, 'GET', `/api/v1/${entity}`)
      assert.deepEqual(list.body.results.map((e: { id: number, name: string }) => [e.id, e.name]), [[1, 'Gate']])
    }
    const again = await api(h.url, 'POST', '/api/v1/events', EVENT)
    assert.equal(again.status, 202)
    assert.equal(again.body.duplicates, 0, 'an event posted with a refused token was stored')
  })

  test('the admin token is accepted as Bearer as well as Token, case-insensitively', async () => {
    for (const authorization of [`Bearer ${ADMIN_TOKEN}`, `Token ${ADMIN_TOKEN}`, `token ${ADMIN_TOKEN}`, `bearer ${ADMIN_TOKEN}`]) {
      assert.equal((await api(h.url, 'GET', '/hooks/', undefined, { authorization })).status, 200, authorization)
      assert.equal((await api(h.url, 'GET', '/api/v1/cameras', undefined, { authorization })).status, 200, authorization)
    }
    const posted = await api(h.url, 'POST', '/api/v1/events', { ...EVENT, id: 'bearer' }, { authorization: `Bearer ${ADMIN_TOKEN}` })
    assert.equal(posted.status, 202)
  })

  test('the ingest token is accepted on POST /api/v1/events, as Token or Bearer', async () => {
    for (const [i, authorization] of [`Token ${INGEST_TOKEN}`, `Bearer ${INGEST_TOKEN}`].entries()) {
      const res = await api(h.url, 'POST', '/api/v1/events', { ...EVENT, id: `ingest-${i}` }, { authorization })
      assert.equal(res.status, 202, authorization)
      assert.equal(res.body.accepted, 1)
    }
  })

  test('the ingest token is refused with 403 on every admin route', async () => {
    for (const route of adminRoutes()) {
      const res = await api(h.url, route.method, route.path, route.body, { authorization: `Token ${INGEST_TOKEN}` })
      assert.equal(res.status, 403, `${route.method} ${route.path}`)
      assert.equal(res.body.code, 'HRD_ERR_AUTH_INVALID')
    }
  })

  test('/healthz answers without a token', async () => {
    const res = await api(h.url, 'GET', '/healthz', undefined, {})
    assert.equal(res.status, 200)
    assert.equal(res.body.status, 'ok')
  })
})

test('without an ingest token configured, events need the admin token', async () => {
  const h = await startHerald()
  try {
    assert.equal((await api(h.url, 'POST', '/api/v1/events', EVENT, { authorization: 'Token ' })).status, 401)
    assert.equal((await api(h.url, 'POST', '/api/v1/events', EVENT, { authorization: `Token ${INGEST_TOKEN}` })).status, 403)
    assert.equal((await api(h.url, 'POST', '/api/v1/events', EVENT)).status, 202)
  } finally {
    await h.close()
  }
})
