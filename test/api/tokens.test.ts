import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ADMIN_TOKEN, api, startHerald, type TestHerald } from '../helpers/herald.js'

/** A real FCM token's shape: ~160 characters with ':' '-' '_', longer than fastify's default 100-character path parameter. */
const FCM = 'dGVzdDp0b2tlbg:APA91bH-0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV'
const IOS = 'f1e2d3c4b5a69788f1e2d3c4b5a69788f1e2d3c4b5a69788f1e2d3c4b5a69788'

describe('/api/v1/tokens', () => {
  let h: TestHerald
  before(async () => {
    h = await startHerald()
    await h.herald.registry.register({ token: FCM, platform: 'android', monlist: '1,2', intlist: '0,60', appversion: '1.6.009' })
    await h.herald.registry.register({ token: IOS, platform: 'ios', pushstate: 'disabled', profile: 'home' })
    await h.herald.registry.markSent(IOS, '1', 1)
  })
  after(async () => { await h.close() })

  it('lists every push token with its tokens.txt fields, badge and dates', async () => {
    const res = await api<{ results: Array<Record<string, unknown>> }>(h.url, 'GET', '/api/v1/tokens')
    assert.equal(res.status, 200)
    const created = h.herald.registry.get(FCM)?.createdAt ?? 0
    assert.deepEqual(res.body.results[0], {
      token: FCM, platform: 'android', monlist: '1,2', intlist: '0,60', pushstate: 'enabled', appversion: '1.6.009', badge: 0,
      invocations: { count: 0, at: new Date(created).getMonth() }, profile: null,
      created_date: new Date(created).toISOString(), modified_date: new Date(created).toISOString()
    })
    assert.deepEqual(res.body.results.map((t) => [t.token, t.pushstate, t.profile]), [[FCM, 'enabled', null], [IOS, 'disabled', 'home']])
  })

  it('reads one token by its value, written as is or percent-encoded', async () => {
    for (const path of [`/api/v1/tokens/${FCM}`, `/api/v1/tokens/${encodeURIComponent(FCM)}`]) {
      const res = await api(h.url, 'GET', path)
      assert.equal(res.status, 200, path)
      assert.equal(res.body.token, FCM)
      assert.equal(res.body.platform, 'android')
    }
  })

  it('answers 404 HRD_ERR_NOT_FOUND for a token it does not have', async () => {
    const res = await api(h.url, 'GET', '/api/v1/tokens/unknown-token')
    assert.equal(res.status, 404)
    assert.equal(res.body.code, 'HRD_ERR_NOT_FOUND')
  })

  it('DELETE removes a token for good (204), throttle state included, then answers 404', async () => {
    const res = await api(h.url, 'DELETE', `/api/v1/tokens/${IOS}`)
    assert.equal(res.status, 204)
    assert.equal(res.body, undefined)
    assert.equal(h.herald.registry.get(IOS), undefined)
    assert.deepEqual((await h.herald.store.listTokens()).map((t) => t.token), [FCM])
    assert.deepEqual(await h.herald.store.listLastSent(), [])
    assert.equal((await api(h.url, 'GET', `/api/v1/tokens/${IOS}`)).status, 404)
    assert.equal((await api(h.url, 'DELETE', `/api/v1/tokens/${IOS}`)).status, 404)
    assert.deepEqual((await api<{ results: Array<{ token: string }> }>(h.url, 'GET', '/api/v1/tokens')).body.results.map((t) => t.token), [FCM])
  })

  describe('is for admins only', () => {
    const routes: Array<[string, string]> = [['GET', '/api/v1/tokens'], ['GET', `/api/v1/tokens/${FCM}`], ['DELETE', `/api/v1/tokens/${FCM}`]]
    for (const [method, path] of routes) {
      it(`${method} ${path.slice(0, 30)}… answers 401 without a token and 403 with a wrong one, changing nothing`, async () => {
        const missing = await api(h.url, method, path, undefined, {})
        assert.equal(missing.status, 401)
        assert.equal(missing.body.code, 'HRD_ERR_AUTH_MISSING')
        const wrong = await api(h.url, method, path, undefined, { authorization: `Token ${ADMIN_TOKEN}x` })
        assert.equal(wrong.status, 403)
        assert.equal(wrong.body.code, 'HRD_ERR_AUTH_INVALID')
        assert.ok(h.herald.registry.get(FCM) !== undefined)
      })
    }
  })
})
