import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { join, resolve } from 'node:path'
import { Client, ESCONTROL_PASSWORD, alarm, escontrolLogin, login, raise, startEventHerald, type EventHerald, type Ini, type Json } from './support.js'

/*
 * The escontrol admin interface (spec §3.7): login, get/mute/unmute/edit/reset/restart, and the
 * overrides and monitor states kept in the store across restarts.
 */

const ESCONTROL: Ini = { general: { use_escontrol_interface: 'yes', escontrol_interface_password: ESCONTROL_PASSWORD } }

let eid = 5000
const nextEid = (): number => ++eid

function alarmMonitors (messages: Json[]): string[] {
  return messages.filter((m) => m.event === 'alarm').map((m) => `${String(m.events[0].MonitorId)}:${String(m.events[0].Cause).slice(0, 4)}`)
}

async function command (c: Client, data: Json): Promise<Json> {
  c.send({ event: 'escontrol', data })
  return await c.next()
}

describe('the escontrol interface', () => {
  let h: EventHerald
  before(async () => { h = await startEventHerald({ ini: ESCONTROL }) })
  after(async () => { await h.close() })

  test('logs in with category escontrol and escontrol_interface_password; a wrong password gets BADAUTH and is closed', async () => {
    const bad = await Client.connect(h.url)
    bad.send({ event: 'auth', category: 'escontrol', data: { password: 'guess' } })
    assert.deepEqual(await bad.next(), { event: 'auth', type: '', status: 'Fail', reason: 'BADAUTH' })
    await bad.closed
    const admin = await escontrolLogin(h.url)
    admin.close()
  })

  test('a normal login gets NOTCONTROL; no data gets NODATA; an unknown command NOTSUPPORTED with event escontrol', async () => {
    const user = await login(h.url)
    assert.deepEqual(await command(user, { command: 'get' }), { event: 'escontrol', type: 'command', status: 'Fail', reason: 'NOTCONTROL' })
    user.close()
    const admin = await escontrolLogin(h.url)
    admin.send({ event: 'escontrol' })
    assert.deepEqual(await admin.next(), { event: 'escontrol', type: 'command', status: 'Fail', reason: 'NODATA' })
    const request = { event: 'escontrol', data: { command: 'dance' } }
    admin.send(request)
    assert.deepEqual(await admin.next(), { event: 'escontrol', type: 'command', status: 'Fail', reason: 'NOTSUPPORTED', request })
    admin.close()
  })

  test('get answers with the settings map as a JSON string, the request echoed, and the effective settings with secrets masked', async () => {
    const admin = await escontrolLogin(h.url)
    const request = { event: 'escontrol', data: { command: 'get' } }
    admin.send(request)
    const reply = await admin.next()
    assert.equal(reply.event, 'escontrol')
    assert.equal(reply.type, '')
    assert.equal(reply.status, 'Success')
    assert.deepEqual(reply.request, request)
    assert.equal(typeof reply.response, 'string')
    assert.deepEqual(Object.keys(JSON.parse(reply.response)), ['notifications'])
    assert.equal(reply.effective.general.escontrol_interface_password, '********')
    assert.equal(reply.effective.network.address, '127.0.0.1')
    assert.ok(!JSON.stringify(reply).includes(ESCONTROL_PASSWORD))
    admin.close()
  })

  test('mute silences a monitor for everyone; unmute forces it through monlist and interval', async () => {
    const admin = await escontrolLogin(h.url)
    const request = { event: 'escontrol', data: { command: 'mute', monitors: [3] } }
    admin.send(request)
    assert.deepEqual(await admin.next(), { event: 'escontrol', type: '', status: 'Success', request })
    const all = await login(h.url)
    const onlyOne = await login(h.url, { data: { monlist: '1,3', intlist: '0,3600' } })
    await raise(h, alarm(3, nextEid(), 'start'), alarm(1, nextEid(), 'start'))
    assert.deepEqual(alarmMonitors(await all.drain()), ['1:Moti'])
    assert.deepEqual(alarmMonitors(await onlyOne.drain()), ['1:Moti'])

    assert.equal((await command(admin, { command: 'unmute', monitors: ['3', 7] })).status, 'Success')
    const two = await login(h.url, { data: { monlist: '2', intlist: '0' } })
    await raise(h, alarm(3, nextEid(), 'start'), alarm(3, nextEid(), 'start'), alarm(7, nextEid(), 'start'))
    assert.deepEqual(alarmMonitors(await onlyOne.drain()), ['3:Moti', '3:Moti', '7:Moti'], 'interval bypassed')
    assert.deepEqual(alarmMonitors(await two.drain()), ['3:Moti', '3:Moti', '7:Moti'], 'monlist bypassed')
    const map = JSON.parse((await command(admin, { command: 'get' })).response)
    assert.deepEqual(map.notifications, { 1: 0, 3: 1, 7: 1 }, 'a monitor is listed with 0 once it alarmed')
    for (const c of [admin, all, onlyOne, two]) c.close()
    assert.equal((await command(await escontrolLogin(h.url), { command: 'reset' })).status, 'Success')
  })

  test('edit applies at once and says which options need a restart; bad names and values are refused', async () => {
    const admin = await escontrolLogin(h.url)
    const user = await login(h.url)
    const e = nextEid()
    await raise(h, alarm(2, e, 'start'))
    const request = { event: 'escontrol', data: { command: 'edit', key: 'customize.send_event_end_notification', val: 'yes' } }
    admin.send(request)
    assert.deepEqual(await admin.next(), { event: 'escontrol', type: '', status: 'Success', request, restart_required: [] })
    await raise(h, alarm(2, e, 'end'))
    assert.deepEqual(alarmMonitors(await user.drain()), ['2:Moti', '2:End:'])

    assert.deepEqual((await command(admin, { command: 'edit', key: 'network.port', val: '9001' })).restart_required, ['network.port'])
    assert.equal(h.herald.eventServerAddress, h.url, 'the listener stays until restart')

    const ambiguous = await command(admin, { command: 'edit', key: 'enable', val: 'no' })
    assert.equal(ambiguous.status, 'Fail')
    assert.equal(ambiguous.reason, 'BADKEY')
    assert.match(ambiguous.message, /ambiguous/)
    const badValue = await command(admin, { command: 'edit', key: 'timeout', val: 'soon' })
    assert.equal(badValue.reason, 'BADVALUE')
    assert.deepEqual((await command(admin, { command: 'edit', key: 'fcm_v1_key', val: 'my-own-key' })).restart_required, [])

    const { notifications, ...overrides } = JSON.parse((await command(admin, { command: 'get' })).response)
    assert.equal(notifications[2], 0)
    assert.deepEqual(overrides, { 'customize.send_event_end_notification': 'yes', 'network.port': '9001', fcm_v1_key: '********' })

    const reset = { event: 'escontrol', data: { command: 'reset' } }
    admin.send(reset)
    assert.deepEqual(await admin.next(), { event: 'escontrol', type: 'command', status: 'Success', request: reset })
    const after = JSON.parse((await command(admin, { command: 'get' })).response)
    assert.deepEqual(Object.keys(after), ['notifications'])
    assert.ok(Object.values(after.notifications).every((state) => state === 0))
    const e2 = nextEid()
    await raise(h, alarm(2, e2, 'start'), alarm(2, e2, 'end'))
    assert.deepEqual(alarmMonitors(await user.drain()), ['2:Moti'], 'ends are off again after reset')
    admin.close()
    user.close()
  })
})

describe('mute without a monitor list', () => {
  test('silences every monitor that has alarmed, including one whose alarms never went to the websocket (web not in the hook lists)', async () => {
    const hook = `'${join(resolve('test/fixtures/decision'), 'start-hook.sh')}'`
    const h = await startEventHerald({
      ini: {
        ...ESCONTROL,
        customize: { use_hooks: 'yes' },
        hook: { event_start_hook: hook, event_start_notify_on_hook_success: 'all', event_start_notify_on_hook_fail: 'api' }
      }
    })
    try {
      // No person in the cause: the hook fails and only `api` may be told; the monitor is still listed.
      await raise(h, alarm(21, nextEid(), 'start'))
      const admin = await escontrolLogin(h.url)
      assert.deepEqual(JSON.parse((await command(admin, { command: 'get' })).response).notifications, { 21: 0 })
      assert.equal((await command(admin, { command: 'mute' })).status, 'Success')
      const user = await login(h.url)
      await raise(h, alarm(21, nextEid(), 'start', { cause: 'person' }))
      assert.deepEqual(alarmMonitors(await user.drain()), [], 'muted: the hook found a person, and still nobody is told')
      for (const c of [admin, user]) c.close()
    } finally {
      await h.close()
    }
  })
})

describe('escontrol state across restarts', () => {
  test('overrides and monitor states are kept in the store and outrank the ini file after a restart of Herald', async () => {
    let h = await startEventHerald({ ini: ESCONTROL })
    const dir = h.dir
    try {
      const admin = await escontrolLogin(h.url)
      await command(admin, { command: 'mute', monitors: [4] })
      await command(admin, { command: 'edit', key: 'send_event_end_notification', val: 'yes' })
      admin.close()
      await h.close(true)

      h = await startEventHerald({ ini: ESCONTROL, dir, user: false })
      const again = await escontrolLogin(h.url)
      const map = JSON.parse((await command(again, { command: 'get' })).response)
      assert.deepEqual(map, { notifications: { 4: -1 }, send_event_end_notification: 'yes' })
      const user = await login(h.url)
      const e = nextEid()
      await raise(h, alarm(4, e, 'start'), alarm(5, e, 'start'), alarm(5, e, 'end'))
      assert.deepEqual(alarmMonitors(await user.drain()), ['5:Moti', '5:End:'])
      again.close()
      user.close()
    } finally {
      await h.close()
    }
  })

  test('restart re-reads the ini file in place: connections stay when the listener is unchanged', async () => {
    const h = await startEventHerald({ ini: ESCONTROL })
    try {
      const admin = await escontrolLogin(h.url)
      const user = await login(h.url)
      h.writeIni({ ...ESCONTROL, customize: { send_event_end_notification: 'yes' } })
      const request = { event: 'escontrol', data: { command: 'restart' } }
      admin.send(request)
      assert.deepEqual(await admin.next(), { event: 'escontrol', type: 'command', status: 'Success', request })
      await admin.drain()
      const e = nextEid()
      await raise(h, alarm(1, e, 'start'), alarm(1, e, 'end'))
      assert.deepEqual(alarmMonitors(await user.drain()), ['1:Moti', '1:End:'])
      admin.close()
      user.close()
    } finally {
      await h.close()
    }
  })

  test('restart after an edit of the port moves the listener and closes old connections with 1012', async () => {
    const h = await startEventHerald({ ini: ESCONTROL })
    try {
      const port = await freePort()
      const admin = await escontrolLogin(h.url)
      await command(admin, { command: 'edit', key: 'port', val: String(port) })
      admin.send({ event: 'escontrol', data: { command: 'restart' } })
      assert.equal((await admin.next()).status, 'Success')
      assert.equal((await admin.closed).code, 1012)
      assert.equal(h.herald.eventServerAddress, `ws://127.0.0.1:${port}`)
      const user = await login(`ws://127.0.0.1:${port}`)
      user.close()
    } finally {
      await h.close()
    }
  })
})

async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address !== 'object') throw new Error('no port')
  return address.port
}
