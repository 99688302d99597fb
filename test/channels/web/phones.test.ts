import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import Database from 'better-sqlite3'
import { join, resolve } from 'node:path'
import { FcmFake } from '../../fakes/fcm-fake.js'
import { ManualClock } from '../../helpers/manual-clock.js'
import { ESCONTROL_PASSWORD, PASSWORD, USER, alarm, escontrolLogin, login, pushedTo, raiseDecided, startEventHerald, waitFor, type Client, type EventHerald, type Ini, type Json } from './support.js'

/*
 * zmNinja on a phone: once the app registered a push token on its socket it is zmES's "FCM entry"
 * (spec §2, §10.1). It is told of an alarm only when the decision allows `fcm` — by a push, then
 * the same alarm on its open socket marked supplementary, so the app lists it without a second
 * sound — and never by a plain websocket alarm, which goes to sockets without a token (the
 * desktop app). Real Herald, real `ws` clients, pushes through the local fake of the proxy.
 */

const START_HOOK = `'${join(resolve('test/fixtures/decision'), 'start-hook.sh')}'`
/** The fixture hook finds a person in any cause that names one (exit 0) and nothing otherwise (exit 1). */
const FOUND = 'Motion All person'
const NOTHING = 'Motion All'

function hooked (success: string, fail: string): Ini {
  return {
    customize: { use_hooks: 'yes' },
    hook: { event_start_hook: START_HOOK, event_start_notify_on_hook_success: success, event_start_notify_on_hook_fail: fail }
  }
}

let eid = 7000
const nextEid = (): number => ++eid

async function phone (h: EventHerald, token: string, extra: Json = {}): Promise<Client> {
  const c = await login(h.url)
  c.send({ event: 'push', data: { type: 'token', token, platform: 'android', state: 'enabled', appversion: '1.6.009', ...extra }, token })
  await c.drain()
  return c
}

const pushesTo = (fake: FcmFake, token: string): Json[] =>
  fake.proxyRequests.filter((r) => (r.json as Json).token === token).map((r) => r.json as Json)

/** The §4 alarm message zmNinja gets for a start of `Cam <mid>` caused by `cause`. */
function alarmMessage (mid: number, eventId: number, cause: string, supplementary: boolean): Json {
  return {
    event: 'alarm',
    type: '',
    status: 'Success',
    ...(supplementary ? { supplementary: 'true' } : {}),
    events: [{ Name: `Cam ${mid}`, MonitorId: String(mid), EventId: String(eventId), Cause: cause, DetectionJson: [], RulesObject: {} }]
  }
}

describe('a phone and a desktop, with the hook lists of seed §3.2.1 (success: all, fail: api,web)', () => {
  let fake: FcmFake
  let h: EventHerald
  before(async () => {
    fake = await FcmFake.start()
    h = await startEventHerald({ fcm: fake, ini: hooked('all', 'api,web') })
  })
  after(async () => {
    await h.close()
    await fake.stop()
  })

  test('the hook failed: the desktop gets the alarm, the phone with zmNinja open gets nothing, neither push nor websocket', async () => {
    const mobile = await phone(h, 'PHONE1')
    const desktop = await login(h.url)
    const e = nextEid()
    const [decision] = await raiseDecided(h, alarm(1, e, 'start', { cause: NOTHING }))
    assert.equal(pushedTo(decision, 'PHONE1'), false, 'fcm is not in event_start_notify_on_hook_fail')
    assert.deepEqual(await desktop.drain(), [alarmMessage(1, e, NOTHING, false)])
    assert.deepEqual(await mobile.drain(), [], 'the phone is not notified (seed §3.2.1)')
    assert.deepEqual(pushesTo(fake, 'PHONE1'), [])
    mobile.close()
    desktop.close()
  })

  test('the hook succeeded: the phone gets the push, then the alarm once on its socket, marked supplementary; the desktop gets it plain', async () => {
    const mobile = await phone(h, 'PHONE2')
    const desktop = await login(h.url)
    const e = nextEid()
    const [decision] = await raiseDecided(h, alarm(2, e, 'start', { cause: FOUND }))
    assert.ok(pushedTo(decision, 'PHONE2'))
    const supplementary = await mobile.next()
    assert.equal(pushesTo(fake, 'PHONE2').length, 1, 'the push went out before the supplementary alarm')
    assert.deepEqual(supplementary, alarmMessage(2, e, FOUND, true))
    assert.deepEqual(await mobile.drain(), [], 'no plain alarm besides: zmNinja would sound twice')
    assert.deepEqual(await desktop.drain(), [alarmMessage(2, e, FOUND, false)])
    mobile.close()
    desktop.close()
  })

  test('a phone that turned pushes off (pushstate disabled) is a plain websocket client: it gets what the desktop gets', async () => {
    const mobile = await phone(h, 'PHONE3', { state: 'disabled' })
    const e = nextEid()
    const [decision] = await raiseDecided(h, alarm(3, e, 'start', { cause: NOTHING }))
    assert.equal(pushedTo(decision, 'PHONE3'), false)
    assert.deepEqual(await mobile.drain(), [alarmMessage(3, e, NOTHING, false)])
    mobile.close()
  })

  test('a token on two sockets: only the newest gets the supplementary alarm, and the phone one push', async () => {
    const older = await phone(h, 'PHONE4')
    const newer = await phone(h, 'PHONE4')
    const e = nextEid()
    await raiseDecided(h, alarm(4, e, 'start', { cause: 'person' }))
    assert.equal((await newer.next()).supplementary, 'true')
    assert.deepEqual(await older.drain(), [])
    assert.deepEqual(await newer.drain(), [])
    assert.equal(pushesTo(fake, 'PHONE4').length, 1)
    older.close()
    newer.close()
  })

  test('the newest socket of a token closes: the older one gets the next supplementary alarm; one that logs in again has forgotten its token', async () => {
    const older = await phone(h, 'PHONE10')
    const holder = (): unknown => h.herald.eventServer?.newestHolder('PHONE10')
    const oldest = holder()
    const newer = await phone(h, 'PHONE10')
    assert.notEqual(holder(), oldest)
    newer.close()
    await waitFor('the server to see the newest socket close', () => holder() === oldest)
    const first = nextEid()
    await raiseDecided(h, alarm(10, first, 'start', { cause: FOUND }))
    assert.deepEqual(await older.next(), alarmMessage(10, first, FOUND, true))
    // zmES forgets the token on every auth: the socket is a desktop client until it registers again.
    older.send({ event: 'auth', data: { user: USER, password: PASSWORD } })
    assert.equal((await older.next()).status, 'Success')
    const second = nextEid()
    await raiseDecided(h, alarm(10, second, 'start', { cause: FOUND }))
    assert.deepEqual(await older.drain(), [alarmMessage(10, second, FOUND, false)])
    // The token is still registered: the phone is pushed (its lane is not the websocket's: wait for it).
    await fake.waitFor(() => pushesTo(fake, 'PHONE10').length === 2)
    older.close()
  })
})

describe('fcm allowed, web not (event_start_notify_on_hook_fail = fcm)', () => {
  let fake: FcmFake
  let h: EventHerald
  before(async () => {
    fake = await FcmFake.start()
    h = await startEventHerald({ fcm: fake, ini: hooked('all', 'fcm') })
  })
  after(async () => {
    await h.close()
    await fake.stop()
  })

  test('the phone is pushed and gets the supplementary alarm on its socket; the desktop gets nothing', async () => {
    const mobile = await phone(h, 'PHONE5')
    const desktop = await login(h.url)
    const e = nextEid()
    const [decision] = await raiseDecided(h, alarm(5, e, 'start', { cause: NOTHING }))
    assert.equal(decision?.routes.some((r) => r.channel === 'web'), false, 'web is not in the list')
    assert.deepEqual(await mobile.next(), alarmMessage(5, e, NOTHING, true))
    assert.equal(pushesTo(fake, 'PHONE5').length, 1)
    assert.deepEqual(await desktop.drain(), [])
    mobile.close()
    desktop.close()
  })
})

describe('the phone\'s monlist, interval, throttle marks and a push that has to be retried (manual clock)', () => {
  let fake: FcmFake
  let clock: ManualClock
  let h: EventHerald
  before(async () => {
    fake = await FcmFake.start()
    clock = new ManualClock(Date.now())
    h = await startEventHerald({ fcm: fake, clock })
  })
  after(async () => {
    await h.close()
    await fake.stop()
  })

  test('an alarm the token\'s interval holds back gets neither push nor supplementary alarm; the desktop is not held back', async () => {
    const mobile = await phone(h, 'PHONE6', { monlist: '6,7', intlist: '60,0' })
    const desktop = await login(h.url)
    await raiseDecided(h, alarm(6, nextEid(), 'start'))
    assert.equal((await mobile.next()).supplementary, 'true')
    await clock.advance(30_000)
    const held = await raiseDecided(h, alarm(6, nextEid(), 'start'), alarm(8, nextEid(), 'start'))
    assert.deepEqual(held.map((d) => pushedTo(d, 'PHONE6')), [false, false], '30 s after the first, and a monitor the phone does not watch')
    assert.deepEqual(await mobile.drain(), [])
    await clock.advance(30_000)
    const e = nextEid()
    await raiseDecided(h, alarm(6, e, 'start'))
    assert.deepEqual(await mobile.next(), alarmMessage(6, e, 'Motion All', true), '60 s after the first')
    assert.equal(pushesTo(fake, 'PHONE6').length, 2)
    assert.equal((await desktop.drain()).filter((m) => m.event === 'alarm' && m.supplementary === undefined).length, 4)
    mobile.close()
    desktop.close()
  })

  test('FCM answers 503: the open app gets its supplementary alarm right after that first attempt, and not again when the retry succeeds', async () => {
    const mobile = await phone(h, 'PHONE7', { monlist: '9', intlist: '0' })
    let delivered = false
    h.herald.events.on('delivery:sent', ({ batch }) => { if (batch.channel === 'fcm' && batch.target === 'PHONE7') delivered = true })
    fake.failNext(1, { status: 503, retryAfter: '5' })
    const e = nextEid()
    await raiseDecided(h, alarm(9, e, 'start'))
    assert.deepEqual(await mobile.next(), alarmMessage(9, e, 'Motion All', true))
    assert.deepEqual(fake.proxyRequests.filter((r) => (r.json as Json).token === 'PHONE7').map((r) => r.status), [503])
    await clock.advance(5000)
    await waitFor('the retried push to be delivered', () => delivered)
    assert.deepEqual(fake.proxyRequests.filter((r) => (r.json as Json).token === 'PHONE7').map((r) => r.status), [503, 200])
    assert.deepEqual(await mobile.drain(), [], 'the retry is the same push: no second alarm on the socket')
    mobile.close()
  })

  // The manual clock does not move by itself: every alarm here is decided in the same millisecond.
  test('two alarms of one monitor decided in the same millisecond: the phone and the socket with an interval are told of the first only', async () => {
    const mobile = await phone(h, 'PHONE11', { monlist: '13', intlist: '60' })
    const desktop = await login(h.url, { data: { monlist: '13', intlist: '60' } })
    const [first, second] = [nextEid(), nextEid()]
    const decided = await raiseDecided(h, alarm(13, first, 'start'), alarm(13, second, 'start'))
    assert.deepEqual(decided.map((d) => pushedTo(d, 'PHONE11')), [true, false])
    assert.deepEqual((await desktop.drain()).map((m) => m.events[0].EventId), [String(first)])
    assert.deepEqual(await mobile.next(), alarmMessage(13, first, 'Motion All', true))
    assert.deepEqual(await mobile.drain(), [])
    mobile.close()
    desktop.close()
  })

  test('a decision whose store write failed is made again and still pushes: its own throttle mark does not hold it back', async () => {
    const mobile = await phone(h, 'PHONE12', { monlist: '14', intlist: '120' })
    const db = new Database(join(h.dir, 'herald.db'))
    db.exec("CREATE TRIGGER no_decision BEFORE INSERT ON events WHEN NEW.key LIKE 'decision:%' BEGIN SELECT RAISE(ABORT, 'database is locked'); END")
    let retryIn: number | undefined
    h.herald.events.on('delivery:retry', ({ batch, delayMs }) => { if (batch.channel === 'decision') retryIn = delayMs })
    const e = nextEid()
    await h.herald.ingestor.ingest([alarm(14, e, 'start')])
    await waitFor('the decision to fail to be stored', () => retryIn !== undefined)
    db.exec('DROP TRIGGER no_decision')
    db.close()
    await clock.advance(retryIn ?? 0)
    assert.deepEqual(await mobile.next(), alarmMessage(14, e, 'Motion All', true))
    assert.equal(pushesTo(fake, 'PHONE12').length, 1)
    mobile.close()
  })
})

describe('escontrol: a muted monitor, and FCM switched off', () => {
  let fake: FcmFake
  let h: EventHerald
  before(async () => {
    fake = await FcmFake.start()
    h = await startEventHerald({ fcm: fake, ini: { general: { use_escontrol_interface: 'yes', escontrol_interface_password: ESCONTROL_PASSWORD } } })
  })
  after(async () => {
    await h.close()
    await fake.stop()
  })

  async function command (admin: Client, data: Json): Promise<void> {
    admin.send({ event: 'escontrol', data })
    assert.equal((await admin.next()).status, 'Success')
  }

  test('a muted monitor reaches neither the phone nor the desktop', async () => {
    const admin = await escontrolLogin(h.url)
    await command(admin, { command: 'mute', monitors: [11] })
    const mobile = await phone(h, 'PHONE8')
    const desktop = await login(h.url)
    const [decision] = await raiseDecided(h, alarm(11, nextEid(), 'start'))
    assert.equal(pushedTo(decision, 'PHONE8'), false)
    assert.deepEqual(await mobile.drain(), [])
    assert.deepEqual(await desktop.drain(), [])
    for (const c of [admin, mobile, desktop]) c.close()
  })

  test('with [fcm] enable turned off, a socket with a token is a plain websocket client again', async () => {
    const mobile = await phone(h, 'PHONE9')
    const admin = await escontrolLogin(h.url)
    await command(admin, { command: 'edit', key: 'fcm.enable', val: 'no' })
    try {
      const e = nextEid()
      const [decision] = await raiseDecided(h, alarm(12, e, 'start'))
      assert.equal(pushedTo(decision, 'PHONE9'), false)
      assert.deepEqual(await mobile.drain(), [alarmMessage(12, e, 'Motion All', false)])
      assert.deepEqual(pushesTo(fake, 'PHONE9'), [])
    } finally {
      await command(admin, { command: 'edit', key: 'fcm.enable', val: 'yes' })
    }
    for (const c of [admin, mobile]) c.close()
  })
})
