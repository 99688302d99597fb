import { after, before, beforeEach, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { MAX_PUSHES_PER_MONTH } from '../../../src/channels/fcm/index.js'
import { DECIDED_AT, decided, fcmToken, startRig, until, zmesConfig, type Rig } from './support.js'
import type { DecidedAlarmFixture } from '../../helpers/decided-alarm.js'

/*
 * Which tokens an alarm is pushed to (spec §6 delivery conditions, §9.4, and the shared throttle
 * rule): routes() alone, as the decision calls it inside its store transaction.
 */

let rig: Rig
before(async () => { rig = await startRig({ config: zmesConfig() }) })
after(async () => { await rig.close() })
beforeEach(async () => {
  for (const t of rig.registry.list()) await rig.registry.remove(t.token)
  rig.config = zmesConfig()
})

/** The tokens (their `n`) an alarm is routed to. */
function routedTo (f: DecidedAlarmFixture, now = f.record?.decidedAt ?? DECIDED_AT): string[] {
  const { alarm } = decided(f)
  return rig.channel.routes(alarm, now).map((r) => r.target)
}

const at = (seconds: number): number => DECIDED_AT + seconds * 1000

describe('monitor lists and push state', () => {
  test('monlist "" and "-1" mean every monitor; a list restricts to its monitors', async () => {
    await rig.register({ token: fcmToken(1), monlist: '' })
    await rig.register({ token: fcmToken(2), monlist: '-1' })
    await rig.register({ token: fcmToken(3), monlist: '1,2' })
    assert.deepEqual(routedTo({ monitorId: 3 }), [fcmToken(1), fcmToken(2)])
    assert.deepEqual(routedTo({ monitorId: 2 }), [fcmToken(1), fcmToken(2), fcmToken(3)])
  })

  test('one lane per token, fcm:<token>, group alarms', async () => {
    await rig.register({ token: fcmToken(4) })
    const { alarm } = decided()
    assert.deepEqual(rig.channel.routes(alarm, DECIDED_AT), [{ channel: 'fcm', target: fcmToken(4), lane: `fcm:${fcmToken(4)}`, group: 'alarms' }])
  })

  test('a token with pushstate disabled gets nothing, and its queue is gone', async () => {
    await rig.register({ token: fcmToken(5), pushstate: 'disabled' })
    await rig.register({ token: fcmToken(6) })
    assert.deepEqual(routedTo({}), [fcmToken(6)])
    assert.deepEqual(rig.channel.target(fcmToken(5)), { kind: 'gone' })
    assert.deepEqual(rig.channel.target(fcmToken(6)), { kind: 'ready', batchSize: 1, maxAttempts: 10 })
    assert.deepEqual(rig.channel.target(fcmToken('never-registered')), { kind: 'gone' })
  })

  test('updates are never pushed; with [fcm] enable off nothing is, and queues wait', async () => {
    await rig.register({ token: fcmToken(7) })
    assert.deepEqual(routedTo({ phase: 'update' }), [])
    rig.config = zmesConfig({ fcm: { enable: false } })
    assert.equal(rig.channel.enabled(), false)
    assert.deepEqual(routedTo({}), [])
    assert.deepEqual(rig.channel.target(fcmToken(7)), { kind: 'paused' })
  })
})

describe('intervals (intlist), per token, at the decision time', () => {
  test('a start within the monitor\'s interval is not pushed; after it, it is; other monitors are not throttled', async () => {
    await rig.register({ token: fcmToken(10), monlist: '1,2', intlist: '0,60' })
    assert.deepEqual(routedTo({ monitorId: 2, record: { decidedAt: at(0) } }), [fcmToken(10)])
    assert.deepEqual(routedTo({ monitorId: 2, record: { decidedAt: at(30) } }), [], '30 s < 60 s')
    assert.deepEqual(routedTo({ monitorId: 1, record: { decidedAt: at(30) } }), [fcmToken(10)], 'monitor 1 has interval 0')
    assert.deepEqual(routedTo({ monitorId: 1, record: { decidedAt: at(31) } }), [fcmToken(10)])
    assert.deepEqual(routedTo({ monitorId: 2, record: { decidedAt: at(60) } }), [fcmToken(10)], '60 s is not less than 60 s')
  })

  test('ends have no interval check and do not mark the token', async () => {
    await rig.register({ token: fcmToken(11), monlist: '4', intlist: '3600' })
    assert.deepEqual(routedTo({ monitorId: 4, record: { decidedAt: at(0) } }), [fcmToken(11)])
    assert.deepEqual(routedTo({ monitorId: 4, phase: 'end', record: { decidedAt: at(5) } }), [fcmToken(11)])
    assert.equal(rig.registry.lastSent(fcmToken(11), '4'), at(0))
  })

  test('a mark equal to the decision time is the same alarm (its websocket copy): not throttled', async () => {
    await rig.register({ token: fcmToken(12), monlist: '5', intlist: '600' })
    await rig.registry.markSent(fcmToken(12), '5', at(100))
    assert.deepEqual(routedTo({ monitorId: 5, record: { decidedAt: at(100) } }), [fcmToken(12)])
    assert.deepEqual(routedTo({ monitorId: 5, record: { decidedAt: at(101) } }), [])
  })

  test('the mark is the decision time, written to the store after routing', async () => {
    await rig.register({ token: fcmToken(13), monlist: '6', intlist: '60' })
    routedTo({ monitorId: 6, record: { decidedAt: at(7) } }, at(9))
    assert.equal(rig.registry.lastSent(fcmToken(13), '6'), at(7))
    await until(async () => (await rig.store.listLastSent()).some((r) => r.recipient === fcmToken(13) && r.monitorId === '6' && r.at === at(7)), 'the stored mark')
  })

  test('without a monitor list there is no position, so no interval', async () => {
    await rig.register({ token: fcmToken(14), monlist: '', intlist: '3600' })
    assert.deepEqual(routedTo({ record: { decidedAt: at(0) } }), [fcmToken(14)])
    assert.deepEqual(routedTo({ record: { decidedAt: at(1) } }), [fcmToken(14)])
  })
})

describe('escontrol monitor states', () => {
  test('with use_escontrol_interface: -1 mutes starts and ends; 1 goes past monlist and interval, not past pushstate', async () => {
    rig.config = zmesConfig({ general: { use_escontrol_interface: true } })
    await rig.register({ token: fcmToken(20), monlist: '9', intlist: '3600' })
    await rig.register({ token: fcmToken(21), monlist: '1' })
    await rig.register({ token: fcmToken(22), pushstate: 'disabled' })
    await rig.control.setMonitorStates(['9'], -1)
    assert.deepEqual(routedTo({ monitorId: 9 }), [])
    assert.deepEqual(routedTo({ monitorId: 9, phase: 'end' }), [])
    await rig.control.setMonitorStates(['9'], 1)
    assert.deepEqual(routedTo({ monitorId: 9, record: { decidedAt: at(0) } }), [fcmToken(20), fcmToken(21)])
    assert.deepEqual(routedTo({ monitorId: 9, record: { decidedAt: at(1) } }), [fcmToken(20), fcmToken(21)], 'force-notify ignores the interval')
    assert.deepEqual(routedTo({ monitorId: 9, phase: 'end' }), [fcmToken(20), fcmToken(21)])
    await rig.control.setMonitorStates(['9'], 0)
    assert.deepEqual(routedTo({ monitorId: 9, record: { decidedAt: at(2) } }), [], 'state 0: the normal rules, within the interval')
  })

  test('without use_escontrol_interface the stored states are ignored', async () => {
    await rig.register({ token: fcmToken(23) })
    await rig.control.setMonitorStates(['8'], -1)
    assert.deepEqual(routedTo({ monitorId: 8 }), [fcmToken(23)])
  })
})

describe('the monthly cap', () => {
  test(`a token over ${MAX_PUSHES_PER_MONTH} pushes this month is skipped and logged once that month; a count of another month has reset`, async () => {
    const month = new Date(DECIDED_AT).getMonth()
    const record = (token: string, count: number, at: number) => ({ token, platform: 'android', monlist: '', intlist: '', pushstate: 'enabled' as const, appversion: 'unknown', invocations: { count, at }, profile: null })
    await rig.registry.importTokens([
      record(fcmToken(30), MAX_PUSHES_PER_MONTH + 1, month),
      record(fcmToken(31), MAX_PUSHES_PER_MONTH, month),
      record(fcmToken(32), 20_000, (month + 11) % 12)
    ])
    const logged = (): number => rig.logs.lines.filter((l) => l.level === 50 && l.msg.includes('pushes this month')).length
    const before = logged()
    assert.deepEqual(routedTo({}), [fcmToken(31), fcmToken(32)])
    assert.deepEqual(routedTo({ eventId: 2 }), [fcmToken(31), fcmToken(32)])
    assert.equal(logged() - before, 1, 'one line per token and month')
    assert.ok(!rig.logs.text().includes(fcmToken(30)), 'the log shows the token masked')
  })
})
