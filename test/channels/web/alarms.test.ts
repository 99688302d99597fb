import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { FcmFake } from '../../fakes/fcm-fake.js'
import { ManualClock } from '../../helpers/manual-clock.js'
import { Client, alarm, login, pushedTo, raise, raiseDecided, startEventHerald, type EventHerald, type Json } from './support.js'

/*
 * Alarms over the WebSocket channel (spec §4, §9.4, §10.1): who gets which alarm, in what shape,
 * and the interval throttle with a manual clock.
 */

let eid = 1000
const nextEid = (): number => ++eid

function causes (messages: Json[]): string[] {
  return messages.filter((m) => m.event === 'alarm').map((m) => `${String(m.events[0].MonitorId)}:${String(m.events[0].Cause)}`)
}

describe('which alarms go out', () => {
  let h: EventHerald
  before(async () => { h = await startEventHerald() })
  after(async () => { await h.close() })

  test('starts go out; ends are off by default (zmES built-in send_event_end_notification = no); updates never', async () => {
    const c = await login(h.url)
    const e = nextEid()
    assert.equal(await raise(h, alarm(1, e, 'start')), 1)
    assert.equal(await raise(h, alarm(1, e, 'update', { cause: 'more motion' })), 0, 'an update is not routed to the web channel')
    assert.equal(await raise(h, alarm(1, e, 'end')), 0, 'an end is not routed while send_event_end_notification is off')
    assert.deepEqual(causes(await c.drain()), ['1:Motion All'])
    c.close()
  })

  test('a monlist restricts the monitors; "" and "-1" mean all of them', async () => {
    const some = await login(h.url, { data: { monlist: '1,2', intlist: '0,0' } })
    const all = await login(h.url, { data: { monlist: '-1', intlist: '' } })
    const none = await login(h.url)
    none.send({ event: 'control', data: { type: 'filter', monlist: '', intlist: '' } })
    await raise(h, alarm(3, nextEid(), 'start'), alarm(2, nextEid(), 'start'))
    assert.deepEqual(causes(await some.drain()), ['2:Motion All'])
    assert.deepEqual(causes(await all.drain()), ['3:Motion All', '2:Motion All'])
    assert.deepEqual(causes(await none.drain()), ['3:Motion All', '2:Motion All'])
    for (const c of [some, all, none]) c.close()
  })

  test('a filter whose monlist or intlist is not a list is refused and the filter stays as it was (never widened to every monitor)', async () => {
    const c = await login(h.url, { data: { monlist: '1', intlist: '0' } })
    for (const [monlist, intlist, reason] of [[{ a: 1 }, '0', 'BADMONITORLIST'], [true, '0', 'BADMONITORLIST'], [null, '0', 'BADMONITORLIST'], ['2', { a: 1 }, 'BADINTERVALLIST']] as const) {
      c.send({ event: 'control', data: { type: 'filter', monlist, intlist } })
      assert.deepEqual(await c.next(), { event: 'control', type: 'filter', status: 'Fail', reason })
    }
    await raise(h, alarm(2, nextEid(), 'start'), alarm(1, nextEid(), 'start'))
    assert.deepEqual(causes(await c.drain()), ['1:Motion All'])
    c.close()
  })

  test('a token with pushes off registered on two connections gets one alarm per event; a socket without token gets its own', async () => {
    // A token with pushes on hears through its pushes instead (phones.test.ts).
    const older = await login(h.url)
    const newer = await login(h.url)
    const plain = await login(h.url)
    for (const c of [older, newer]) c.send({ event: 'push', data: { type: 'token', token: 'shared-token', platform: 'android', state: 'disabled' } })
    await Promise.all([older.drain(), newer.drain()])
    await raise(h, alarm(4, nextEid(), 'start'))
    const [a, b, p] = await Promise.all([older.drain(), newer.drain(), plain.drain()])
    assert.deepEqual(causes(a), [], 'the older socket of the token is skipped')
    assert.deepEqual(causes(b), ['4:Motion All'], 'the newest socket of the token gets it')
    assert.deepEqual(causes(p), ['4:Motion All'])
    for (const c of [older, newer, plain]) c.close()
  })

  test('a connection whose token has pushstate disabled still gets websocket alarms (quirk 11 decided)', async () => {
    const c = await login(h.url)
    c.send({ event: 'push', data: { type: 'token', token: 'disabled-token', platform: 'ios', state: 'disabled' } })
    await c.drain()
    assert.equal((await h.herald.store.listTokens()).find((t) => t.token === 'disabled-token')?.pushstate, 'disabled')
    await raise(h, alarm(5, nextEid(), 'start'))
    assert.deepEqual(causes(await c.drain()), ['5:Motion All'])
    c.close()
  })

  test('a client that went away does not stop the others from getting the alarm', async () => {
    const gone = await login(h.url)
    const stays = await login(h.url)
    gone.close()
    await gone.closed
    await raise(h, alarm(6, nextEid(), 'start'))
    assert.deepEqual(causes(await stays.drain()), ['6:Motion All'])
    stays.close()
  })
})

describe('with end notifications, pictures and skipped monitors', () => {
  let h: EventHerald
  before(async () => {
    h = await startEventHerald({
      ini: {
        general: { skip_monitors: '9' },
        customize: {
          send_event_end_notification: 'yes',
          include_picture: 'yes',
          picture_url: 'https://portal/zm/index.php?view=image&eid=EVENTID&mid=MONITORID&fid=objdetect&width=600',
          picture_portal_username: 'viewer',
          picture_portal_password: 'p&ss'
        }
      }
    })
  })
  after(async () => { await h.close() })

  test('an end goes out with Cause prefixed End:, to every client exactly once (no End:End:, quirk 8)', async () => {
    const clients = await Promise.all([login(h.url), login(h.url), login(h.url)])
    const e = nextEid()
    await raise(h, alarm(2, e, 'start'), alarm(2, e, 'end', { cause: undefined, notes: 'Motion: All' }))
    for (const c of clients) {
      const got = (await c.drain()).filter((m) => m.event === 'alarm')
      assert.deepEqual(got.map((m) => m.events[0].Cause), ['Motion All', 'End:Motion: All'])
    }
    for (const c of clients) c.close()
  })

  test('Picture carries the event and monitor ids and the portal credentials when include_picture and picture_url are set', async () => {
    const c = await login(h.url)
    const e = nextEid()
    await raise(h, alarm(3, e, 'start'))
    const [m] = await c.drain()
    assert.equal(m?.events[0].Picture, `https://portal/zm/index.php?view=image&eid=${e}&mid=3&fid=objdetect&width=600&username=viewer&password=p%26ss`)
    assert.deepEqual(Object.keys(m?.events[0] ?? {}), ['Name', 'MonitorId', 'EventId', 'Cause', 'DetectionJson', 'RulesObject', 'Picture'])
    c.close()
  })

  test('monitors in [general] skip_monitors are never sent', async () => {
    const c = await login(h.url)
    assert.equal(await raise(h, alarm(9, nextEid(), 'start')), 0)
    assert.deepEqual(await c.drain(), [])
    c.close()
  })
})

describe('the interval throttle', () => {
  test('intlist applies positionally to monlist, only to starts, per connection', async () => {
    const clock = new ManualClock(Date.now())
    const h = await startEventHerald({ clock, ini: { customize: { send_event_end_notification: 'yes' } } })
    try {
      const c = await login(h.url)
      c.send({ event: 'control', data: { type: 'filter', monlist: '1,2', intlist: '0,60' } })
      const other = await login(h.url, { data: { monlist: '2', intlist: '0' } })
      const e1 = nextEid()
      await raise(h, alarm(2, e1, 'start'), alarm(1, nextEid(), 'start'))
      await clock.advance(30_000)
      const e2 = nextEid()
      await raise(h, alarm(2, e2, 'start'), alarm(1, nextEid(), 'start'), alarm(2, e1, 'end'))
      await clock.advance(30_000)
      await raise(h, alarm(2, nextEid(), 'start'))
      assert.deepEqual(causes(await c.drain()), [
        '2:Motion All', '1:Motion All',
        // 30 s later: monitor 2's start is held back (60 s), monitor 1 (0 s) and the end are not.
        '1:Motion All', '2:End:Motion All',
        // 60 s after the first: allowed again.
        '2:Motion All'
      ])
      assert.equal(causes(await other.drain()).filter((x) => x === '2:Motion All').length, 3, 'another connection has its own throttle')
      c.close()
      other.close()
    } finally {
      await h.close()
    }
  })

  test('a token\'s throttle is its own and survives a restart of Herald', async () => {
    // Tokens with pushes on: the push and its supplementary alarm are what the throttle holds back.
    const fake = await FcmFake.start()
    const clock = new ManualClock(Date.now())
    let h = await startEventHerald({ clock, fcm: fake })
    const dir = h.dir
    try {
      const phone = await login(h.url)
      phone.send({ event: 'push', data: { type: 'token', token: 'phone-1', platform: 'android', monlist: '5', intlist: '120', state: 'enabled' } })
      const tablet = await login(h.url)
      tablet.send({ event: 'push', data: { type: 'token', token: 'tablet-1', platform: 'android', monlist: '5', intlist: '120', state: 'enabled' } })
      await Promise.all([phone.drain(), tablet.drain()])
      const [first] = await raiseDecided(h, alarm(5, nextEid(), 'start'))
      assert.ok(pushedTo(first, 'phone-1'))
      assert.deepEqual(causes([await phone.next()]), ['5:Motion All'])
      tablet.close()
      phone.close()
      await h.close(true)

      // 60 s later, on the same store: the phone comes back and registers again.
      const later = new ManualClock(clock.now() + 60_000)
      h = await startEventHerald({ clock: later, dir, user: false, fcm: fake })
      const again = await login(h.url)
      again.send({ event: 'push', data: { type: 'token', token: 'phone-1', platform: 'android', monlist: '5', intlist: '120', state: 'enabled' } })
      const fresh = await login(h.url)
      fresh.send({ event: 'push', data: { type: 'token', token: 'new-phone', platform: 'android', monlist: '5', intlist: '120', state: 'enabled' } })
      await Promise.all([again.drain(), fresh.drain()])
      const [held] = await raiseDecided(h, alarm(5, nextEid(), 'start'))
      assert.equal(pushedTo(held, 'phone-1'), false, 'still within 120 s of the last one, across the restart')
      assert.ok(pushedTo(held, 'new-phone'), 'another token is not throttled by it (quirk 12)')
      assert.deepEqual(causes([await fresh.next()]), ['5:Motion All'])
      assert.deepEqual(causes(await again.drain()), [])
      await later.advance(61_000)
      const [allowed] = await raiseDecided(h, alarm(5, nextEid(), 'start'))
      assert.ok(pushedTo(allowed, 'phone-1'))
      assert.deepEqual(causes([await again.next()]), ['5:Motion All'])
      again.close()
      fresh.close()
    } finally {
      await h.close()
      await fake.stop()
    }
  })
})
