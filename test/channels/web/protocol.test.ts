import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { FcmFake } from '../../fakes/fcm-fake.js'
import { ManualClock } from '../../helpers/manual-clock.js'
import { ES_COMPAT_VERSION, esVersion } from '../../../src/channels/web/index.js'
import { Client, alarm, login, raise, startEventHerald, type EventHerald, PASSWORD, USER } from './support.js'

/*
 * The client → server messages of spec §3 and every reply of §4, driven by a real `ws` client
 * replaying what zmNinja (EventServer.js) and zmNinjaNG (notifications.ts) send.
 */

const TOKEN = 'fcm-token-0123456789abcdefghijklmnopqrstuvwxyz'
const VERSION = esVersion()

describe('as zmNinja and zmNinjaNG talk to it', () => {
  let fake: FcmFake
  let h: EventHerald
  before(async () => {
    fake = await FcmFake.start()
    h = await startEventHerald({ fcm: fake })
  })
  after(async () => {
    await h.close()
    await fake.stop()
  })

  test('zmNinja: auth → push/token → control/filter, then the push, then the alarm in the §4 shape marked supplementary', async () => {
    const c = await Client.connect(h.url)
    c.send({ event: 'auth', data: { user: USER, password: PASSWORD, appversion: '1.6.009' }, token: '' })
    assert.deepEqual(await c.next(), { event: 'auth', type: '', status: 'Success', reason: '', version: VERSION })
    c.send({ event: 'push', data: { type: 'token', token: TOKEN, platform: 'android', monlist: '1,3', intlist: '0,0', state: 'enabled', appversion: '1.6.009' }, token: TOKEN })
    c.send({ event: 'control', data: { type: 'filter', monlist: '1,3', intlist: '0,0' }, token: TOKEN })
    assert.deepEqual(await c.drain(), [], 'token and filter get no reply')

    const stored = await h.herald.store.listTokens()
    assert.equal(stored.length, 1)
    assert.deepEqual({ ...stored[0], createdAt: 0, updatedAt: 0, invocations: null }, {
      token: TOKEN, platform: 'android', monlist: '1,3', intlist: '0,0', pushstate: 'enabled', appversion: '1.6.009',
      badge: 0, invocations: null, profile: null, createdAt: 0, updatedAt: 0
    })

    await raise(h, alarm(3, 1234, 'start', { monitor_name: 'Front Door', cause: '[a] detected:person:97% Motion All', detection: { labels: ['person'], boxes: [[10, 20, 110, 220]] } }))
    // The app has a token: it hears through the push, and its socket gets the copy zmNinja lists without a sound.
    assert.deepEqual(await c.next(), {
      event: 'alarm',
      type: '',
      status: 'Success',
      supplementary: 'true',
      events: [{
        Name: 'Front Door',
        MonitorId: '3',
        EventId: '1234',
        Cause: '[a] detected:person:97% Motion All',
        DetectionJson: { labels: ['person'], boxes: [[10, 20, 110, 220]] },
        RulesObject: {}
      }]
    })
    assert.deepEqual(fake.proxyRequests.map((r) => (r.json as { token: string }).token), [TOKEN])
    c.close()
  })

  test('zmNinjaNG: auth with category normal, version keep-alive, token, filter, badge; alarm arrives via POST /api/v1/events', async () => {
    const c = await Client.connect(h.url)
    c.send({ event: 'auth', category: 'normal', data: { user: USER, password: PASSWORD, appversion: '2.0.0' } })
    assert.deepEqual(await c.next(), { event: 'auth', type: '', status: 'Success', reason: '', version: VERSION })
    c.send({ event: 'control', data: { type: 'version' } })
    assert.deepEqual(await c.next(), { event: 'control', type: 'version', status: 'Success', reason: '', version: VERSION })
    c.send({ event: 'push', data: { type: 'token', token: 'ng-token', platform: 'ios', state: 'enabled', profile: 'home' }, token: 'ng-token' })
    c.send({ event: 'control', data: { type: 'filter', monlist: '7', intlist: '0' } })
    c.send({ event: 'push', data: { type: 'badge', badge: 0 }, token: 'ng-token' })
    assert.deepEqual(await c.drain(), [])
    const token = (await h.herald.store.listTokens()).find((t) => t.token === 'ng-token')
    assert.equal(token?.platform, 'ios')
    assert.equal(token?.profile, 'home')
    assert.equal(token?.monlist, '7', 'the filter is saved with the token')

    const res = await fetch(`${await httpUrl(h)}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: 'Token test-admin-token', 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'alarm', monitor_id: 7, monitor_name: 'Garage', event_id: 99, phase: 'start', cause: 'Motion' })
    })
    assert.equal(res.status, 202)
    const got = await c.next()
    assert.equal(got.supplementary, 'true', 'after the push to ng-token')
    assert.deepEqual(got.events, [{ Name: 'Garage', MonitorId: '7', EventId: '99', Cause: 'Motion', DetectionJson: [], RulesObject: {} }])
    c.close()
  })

  test('push/badge sets the badge of the connection\'s token and of the token named at top level; no reply', async () => {
    const phone = await login(h.url)
    phone.send({ event: 'push', data: { type: 'token', token: 'badge-phone', platform: 'android' } })
    const other = await login(h.url)
    other.send({ event: 'push', data: { type: 'token', token: 'badge-other', platform: 'ios' } })
    await Promise.all([phone.drain(), other.drain()])
    phone.send({ event: 'push', data: { type: 'badge', badge: 5 }, token: 'badge-other' })
    phone.send({ event: 'push', data: { type: 'badge', badge: null }, token: 'badge-other' })
    assert.deepEqual(await phone.drain(), [])
    const badges = Object.fromEntries((await h.herald.store.listTokens()).map((t) => [t.token, t.badge]))
    assert.equal(badges['badge-phone'], 5)
    assert.equal(badges['badge-other'], 5)
    phone.close()
    other.close()
  })

  test('control/version is answered before auth, and the version is one zmNinja accepts (≥ 6.0)', async () => {
    const c = await Client.connect(h.url)
    c.send({ event: 'control', data: { type: 'version' } })
    const reply = await c.next()
    assert.deepEqual(reply, { event: 'control', type: 'version', status: 'Success', reason: '', version: VERSION })
    assert.match(reply.version, /^\d+\.\d+\.\d+$/)
    assert.ok(Number(reply.version.split('.')[0]) >= 6)
    c.close()
  })

  test('push, control/filter, escontrol and unknown events before auth get NOAUTH with their event and store nothing', async () => {
    const c = await Client.connect(h.url)
    const before = (await h.herald.store.listTokens()).length
    c.send({ event: 'push', data: { type: 'token', token: 'sneaky', platform: 'android' }, token: 'sneaky' })
    assert.deepEqual(await c.next(), { event: 'push', type: '', status: 'Fail', reason: 'NOAUTH' })
    c.send({ event: 'control', data: { type: 'filter', monlist: '1', intlist: '0' } })
    assert.deepEqual(await c.next(), { event: 'control', type: '', status: 'Fail', reason: 'NOAUTH' })
    c.send({ event: 'escontrol', data: { command: 'get' } })
    assert.deepEqual(await c.next(), { event: 'escontrol', type: '', status: 'Fail', reason: 'NOAUTH' })
    c.send({ event: 'subscribe', data: {} })
    assert.deepEqual(await c.next(), { event: 'subscribe', type: '', status: 'Fail', reason: 'NOAUTH' })
    assert.equal((await h.herald.store.listTokens()).length, before)
    assert.ok(!(await h.herald.store.listTokens()).some((t) => t.token === 'sneaky'))

    await raise(h, alarm(1, 500, 'start'))
    assert.deepEqual(await c.drain(), [], 'an unauthenticated connection gets no alarms')
    c.close()
  })

  test('bad credentials get BADAUTH and the connection is closed', async () => {
    const c = await Client.connect(h.url)
    c.send({ event: 'auth', data: { user: USER, password: 'wrong' } })
    assert.deepEqual(await c.next(), { event: 'auth', type: '', status: 'Fail', reason: 'BADAUTH' })
    assert.equal((await c.closed).code, 1008)
  })

  test('an unknown user, an empty password and a missing data object all get BADAUTH', async () => {
    for (const msg of [
      { event: 'auth', data: { user: 'nobody', password: PASSWORD } },
      { event: 'auth', data: { user: USER, password: '' } },
      { event: 'auth' }
    ]) {
      const c = await Client.connect(h.url)
      c.send(msg)
      assert.deepEqual(await c.next(), { event: 'auth', type: '', status: 'Fail', reason: 'BADAUTH' })
      await c.closed
    }
  })

  test('escontrol auth while the interface is off gets ESCONTROLDISABLED and is closed', async () => {
    const c = await Client.connect(h.url)
    c.send({ event: 'auth', category: 'escontrol', data: { password: 'anything' } })
    assert.deepEqual(await c.next(), { event: 'auth', type: '', status: 'Fail', reason: 'ESCONTROLDISABLED' })
    await c.closed
  })

  test('invalid JSON, a JSON array and a bare number get BADJSON and the connection stays usable', async () => {
    const c = await login(h.url)
    for (const text of ['{"event":', '[1,2]', '42']) {
      c.send(text)
      assert.deepEqual(await c.next(), { event: 'malformed', type: '', status: 'Fail', reason: 'BADJSON' })
    }
    assert.deepEqual(await c.drain(), [])
    c.close()
  })

  test('an unknown event gets NOTSUPPORTED with its event set (6.1.29 lost this reply)', async () => {
    const c = await login(h.url)
    c.send({ event: 'subscribe', data: {} })
    assert.deepEqual(await c.next(), { event: 'subscribe', type: '', status: 'Fail', reason: 'NOTSUPPORTED' })
    c.close()
  })

  test('a token without platform gets MISSINGPLATFORM; an empty token is silently ignored', async () => {
    const c = await login(h.url)
    c.send({ event: 'push', data: { type: 'token', token: 'no-platform' } })
    assert.deepEqual(await c.next(), { event: 'push', type: 'token', status: 'Fail', reason: 'MISSINGPLATFORM' })
    c.send({ event: 'push', data: { type: 'token', token: '', platform: 'android' } })
    c.send({ event: 'push', data: { type: 'token', platform: 'android' } })
    assert.deepEqual(await c.drain(), [])
    const tokens = await h.herald.store.listTokens()
    assert.ok(!tokens.some((t) => t.token === 'no-platform' || t.token === ''))
    c.close()
  })

  test('a filter without monlist gets MISSINGMONITORLIST, without intlist MISSINGINTERVALLIST', async () => {
    const c = await login(h.url)
    c.send({ event: 'control', data: { type: 'filter', intlist: '0' } })
    assert.deepEqual(await c.next(), { event: 'control', type: 'filter', status: 'Fail', reason: 'MISSINGMONITORLIST' })
    c.send({ event: 'control', data: { type: 'filter', monlist: '1' } })
    assert.deepEqual(await c.next(), { event: 'control', type: 'filter', status: 'Fail', reason: 'MISSINGINTERVALLIST' })
    c.close()
  })

  test('escontrol commands from a normal login get NOTCONTROL', async () => {
    const c = await login(h.url)
    c.send({ event: 'escontrol', data: { command: 'get' } })
    // The interface is off in this Herald: that answer comes first, as in zmES.
    assert.deepEqual(await c.next(), { event: 'escontrol', type: '', status: 'Fail', reason: 'ESCONTROLDISABLED' })
    c.close()
  })

  test('a push token from a login that is later repeated must be registered again (auth resets the token)', async () => {
    const c = await login(h.url, { data: { monlist: '4', intlist: '0' } })
    c.send({ event: 'push', data: { type: 'token', token: 're-auth-token', platform: 'android' } })
    c.send({ event: 'auth', data: { user: USER, password: PASSWORD } })
    assert.equal((await c.next()).status, 'Success')
    c.send({ event: 'control', data: { type: 'filter', monlist: '5', intlist: '0' } })
    assert.deepEqual(await c.drain(), [])
    const token = (await h.herald.store.listTokens()).find((t) => t.token === 're-auth-token')
    assert.equal(token?.monlist, '4', 'the filter after the second auth is not written to the forgotten token')
    c.close()
  })
})

describe('with [fcm] enable = no', () => {
  let h: EventHerald
  before(async () => { h = await startEventHerald({ ini: { fcm: { enable: 'no' } } }) })
  after(async () => { await h.close() })

  test('push/token and push/badge get PUSHDISABLED', async () => {
    const c = await login(h.url)
    c.send({ event: 'push', data: { type: 'token', token: 'x', platform: 'android' } })
    assert.deepEqual(await c.next(), { event: 'push', type: '', status: 'Fail', reason: 'PUSHDISABLED' })
    c.send({ event: 'push', data: { type: 'badge', badge: 2 }, token: 'x' })
    assert.deepEqual(await c.next(), { event: 'push', type: '', status: 'Fail', reason: 'PUSHDISABLED' })
    assert.equal((await h.herald.store.listTokens()).length, 0)
    c.close()
  })
})

describe('with [auth] enable = no', () => {
  let h: EventHerald
  before(async () => { h = await startEventHerald({ ini: { auth: { enable: 'no' } }, user: false }) })
  after(async () => { await h.close() })

  test('any credentials log in, but the auth message is still required', async () => {
    const c = await Client.connect(h.url)
    c.send({ event: 'push', data: { type: 'token', token: 'x', platform: 'android' } })
    assert.equal((await c.next()).reason, 'NOAUTH')
    c.send({ event: 'auth', data: { user: 'whoever', password: 'whatever' } })
    assert.deepEqual(await c.next(), { event: 'auth', type: '', status: 'Success', reason: '', version: VERSION })
    c.close()
  })
})

describe('the [auth] timeout', () => {
  test('a connection that has not logged in after [auth] timeout gets NOAUTH and is closed; one that did stays', async () => {
    const clock = new ManualClock(Date.now())
    const h = await startEventHerald({ ini: { auth: { timeout: '20' } }, clock })
    try {
      const silent = await Client.connect(h.url)
      const good = await login(h.url)
      await clock.advance(19_000)
      assert.deepEqual(await silent.drain(), [], 'nothing before the timeout')
      await clock.advance(1_000)
      assert.deepEqual(await silent.next(), { event: 'auth', type: '', status: 'Fail', reason: 'NOAUTH' })
      assert.equal((await silent.closed).code, 1008)
      assert.deepEqual(await good.drain(), [])
      good.close()
    } finally {
      await h.close()
    }
  })
})

describe('the reported version', () => {
  test('is Herald\'s own once that is 6.0 or later, else the documented compatibility version', () => {
    assert.equal(esVersion('0.1.0'), ES_COMPAT_VERSION)
    assert.equal(esVersion('5.9.9'), ES_COMPAT_VERSION)
    assert.equal(esVersion('6.0.0'), '6.0.0')
    assert.equal(esVersion('8.2.1'), '8.2.1')
    assert.equal(esVersion('9.0.0-beta.1'), ES_COMPAT_VERSION, 'zmNinja compares dotted numbers only')
  })
})

async function httpUrl (h: EventHerald): Promise<string> {
  const address = h.herald.api.server.address()
  if (address === null || typeof address !== 'object') throw new Error('HTTP API not listening')
  return `http://127.0.0.1:${address.port}`
}
