import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ManualClock } from '../helpers/manual-clock.js'
import { FcmFake } from '../fakes/fcm-fake.js'
import { makeServiceAccount, writeServiceAccountFile } from '../fakes/fcm-service-account.js'
import { fcmToken } from '../channels/fcm/support.js'
import { Subscriber, ciRequiresBroker, clearRetained, sharedBrokerUp, uniquePrefix } from '../channels/mqtt/support.js'
import {
  ESCONTROL_PASSWORD, alarm, escontrolLogin, login, raise, startEventHerald, waitFor,
  type Client, type EventHerald, type Ini, type Json, type StartOptions
} from '../channels/web/support.js'

/*
 * "Admin override via this channel takes precedence over config file": an escontrol `edit` of an
 * option that waits for a restart (the reply's restart_required) is obeyed after escontrol
 * `restart` and after a restart of the Herald process, exactly as the same value written in the
 * ini file would be. Real Herald, real `ws` clients, real rules files and hook scripts.
 */

const ESCONTROL: Ini = { general: { use_escontrol_interface: 'yes', escontrol_interface_password: ESCONTROL_PASSWORD } }

const work = mkdtempSync(join(tmpdir(), 'herald-overrides-'))
after(() => { rmSync(work, { recursive: true, force: true }) })

let eventId = 70_000
const nextEid = (): number => ++eventId

async function command (c: Client, data: Json): Promise<Json> {
  c.send({ event: 'escontrol', data })
  return await c.next()
}

/** escontrol `restart`, resolved once it is done (the connection handles one message at a time). */
async function escontrolRestart (h: EventHerald): Promise<void> {
  const admin = await escontrolLogin(h.url)
  assert.equal((await command(admin, { command: 'restart' })).status, 'Success')
  await admin.drain()
  admin.close()
}

async function edit (h: EventHerald, key: string, val: string): Promise<Json> {
  const admin = await escontrolLogin(h.url)
  const reply = await command(admin, { command: 'edit', key, val })
  admin.close()
  return reply
}

/** The monitors whose alarm starts reached a websocket client, in order. */
async function notified (h: EventHerald, ...monitors: number[]): Promise<string[]> {
  const user = await login(h.url)
  await raise(h, ...monitors.map((m) => alarm(m, nextEid(), 'start')))
  const got = (await user.drain()).filter((m) => m.event === 'alarm').map((m) => String(m.events[0].MonitorId))
  user.close()
  return got
}

function rulesFile (name: string, rules: Json): string {
  const file = join(work, name)
  writeFileSync(file, JSON.stringify({ notifications: { monitors: rules } }))
  return file
}

const MUTE_ALL_DAY = { rules: [{ time_format: '%H:%M', from: '00:00', to: '23:59', action: 'mute' }] }

/** Stops Herald and starts it again on the same store and ini file, as a restart of the process does. */
async function restartProcess (h: EventHerald, options: StartOptions): Promise<EventHerald> {
  await h.close(true)
  return await startEventHerald({ ...options, dir: h.dir, user: false })
}

describe('escontrol overrides of options read at start', () => {
  test('es_rules: after edit and restart the overriding rules file mutes its monitor, and still does after a restart of Herald', async () => {
    const fromIni = rulesFile('ini-rules.json', {})
    const fromOverride = rulesFile('override-rules.json', { 3: MUTE_ALL_DAY })
    const options: StartOptions = { ini: { ...ESCONTROL, customize: { es_rules: fromIni } } }
    let h = await startEventHerald(options)
    try {
      const reply = await edit(h, 'es_rules', fromOverride)
      assert.equal(reply.status, 'Success')
      assert.deepEqual(reply.restart_required, ['customize.es_rules'])
      assert.deepEqual(await notified(h, 3), ['3'], 'the reply said a restart is needed: the ini rules still apply')

      await escontrolRestart(h)
      assert.deepEqual(await notified(h, 3, 4), ['4'], 'monitor 3 is muted by the overriding file')
      const rules = await h.herald.api.inject({ method: 'GET', url: '/api/v1/rules', headers: { authorization: 'Token test-admin-token' } })
      assert.equal(rules.json().file, fromOverride)

      h = await restartProcess(h, options)
      assert.deepEqual(await notified(h, 3, 4), ['4'], 'the override outranks the ini after a restart of Herald')
    } finally {
      await h.close()
    }
  })

  test('es_rules: a restart of Herald alone (no escontrol restart) applies the edit', async () => {
    const fromOverride = rulesFile('override-only.json', { 5: MUTE_ALL_DAY })
    const options: StartOptions = { ini: { ...ESCONTROL, customize: { es_rules: join(work, 'absent.json') } } }
    let h = await startEventHerald(options)
    try {
      assert.deepEqual((await edit(h, 'customize.es_rules', fromOverride)).restart_required, ['customize.es_rules'])
      h = await restartProcess(h, options)
      assert.deepEqual(await notified(h, 5, 6), ['6'])
    } finally {
      await h.close()
    }
  })

  test('timezone: the rules\' time window is read in the overriding zone after restart; an unknown zone is refused', async () => {
    // 09:30 in UTC is 18:30 in Tokyo: a 09:00–10:00 mute holds in the first zone only.
    const clock = new ManualClock(Date.parse('2026-01-15T09:30:00Z'))
    const file = rulesFile('morning.json', { 3: { rules: [{ time_format: '%H:%M', from: '09:00', to: '10:00', action: 'mute' }] } })
    const options: StartOptions = { clock, ini: { ...ESCONTROL, customize: { es_rules: file, timezone: 'UTC' } } }
    let h = await startEventHerald(options)
    try {
      assert.deepEqual(await notified(h, 3), [], 'muted at 09:30 UTC')
      const bad = await edit(h, 'timezone', 'Mars/Olympus_Mons')
      assert.equal(bad.reason, 'BADVALUE')
      assert.match(bad.message, /not a time zone/)

      assert.deepEqual((await edit(h, 'customize.timezone', 'Asia/Tokyo')).restart_required, ['customize.timezone'])
      await escontrolRestart(h)
      assert.deepEqual(await notified(h, 3), ['3'], '18:30 in Tokyo is outside the window')

      h = await restartProcess(h, options)
      assert.deepEqual(await notified(h, 3), ['3'])
      const admin = await escontrolLogin(h.url)
      const got = await command(admin, { command: 'get' })
      assert.deepEqual(JSON.parse(got.response), { notifications: { 3: 0 }, 'customize.timezone': 'Asia/Tokyo' }, 'the refused zone was not stored')
      assert.equal(got.effective.customize.timezone, 'Asia/Tokyo')
      admin.close()
    } finally {
      await h.close()
    }
  })

  test('max_parallel_hooks: edited to 1, the second hook starts after the first ends, after escontrol restart and after a restart of Herald', async () => {
    const gate = join(work, 'gate')
    const script = join(work, 'gated-hook.sh')
    // Runs until the test creates release-<event id>: the test decides when each hook ends.
    writeFileSync(script, [
      '#!/bin/sh',
      `echo "start $1" >> '${gate}.log'`,
      `while [ ! -e '${gate}-release-'"$1" ]; do sleep 0.01; done`,
      `echo "end $1" >> '${gate}.log'`,
      'echo "[a] detected:person:90% "',
      ''
    ].join('\n'))
    chmodSync(script, 0o755)
    const options: StartOptions = {
      ini: {
        ...ESCONTROL,
        customize: { use_hooks: 'yes' },
        hook: { event_start_hook: `'${script}'`, event_start_notify_on_hook_success: 'web', event_start_notify_on_hook_fail: 'web', max_parallel_hooks: '0' }
      }
    }
    const hookOrder = async (h: EventHerald): Promise<string[]> => {
      rmSync(`${gate}.log`, { force: true })
      const a = nextEid()
      const b = nextEid()
      const user = await login(h.url)
      await h.herald.ingestor.ingest([alarm(1, a, 'start'), alarm(2, b, 'start')])
      await waitFor('both hooks to be asked for', () => h.herald.hooks.running + h.herald.hooks.queued === 2, 5000)
      const lines = (): string[] => existsSync(`${gate}.log`) ? readFileSync(`${gate}.log`, 'utf8').trim().split('\n').filter((l) => l !== '') : []
      await waitFor('a hook to start', () => lines().length > 0, 5000)
      const first = (lines()[0] ?? '').replace('start ', '')
      const second = first === String(a) ? String(b) : String(a)
      const running = h.herald.hooks.running
      writeFileSync(`${gate}-release-${first}`, '')
      await waitFor('the second hook to start', () => lines().includes(`start ${second}`), 5000)
      writeFileSync(`${gate}-release-${second}`, '')
      await waitFor('both alarms to reach the client', () => user.received.filter((m) => m.event === 'alarm').length === 2, 5000)
      user.close()
      return [`running at once: ${running}`, ...lines().map((l) => l.replace(first, 'first').replace(second, 'second'))]
    }
    const serial = ['running at once: 1', 'start first', 'end first', 'start second', 'end second']

    let h = await startEventHerald(options)
    try {
      assert.equal((await hookOrder(h))[0], 'running at once: 2', 'the ini says no limit')
      assert.deepEqual((await edit(h, 'max_parallel_hooks', '1')).restart_required, ['hook.max_parallel_hooks'])
      await escontrolRestart(h)
      assert.deepEqual(await hookOrder(h), serial)

      h = await restartProcess(h, options)
      assert.deepEqual(await hookOrder(h), serial)
    } finally {
      await h.close()
    }
  })

  test('hook_timeout and max_queued_hooks: edited, they are the pool\'s after escontrol restart and after a restart of Herald', async () => {
    const options: StartOptions = { ini: ESCONTROL }
    let h = await startEventHerald(options)
    try {
      assert.deepEqual((await edit(h, 'hook_timeout', '5')).restart_required, ['hook.hook_timeout'])
      assert.deepEqual((await edit(h, 'max_queued_hooks', '3')).restart_required, ['hook.max_queued_hooks'])
      assert.deepEqual([h.herald.hooks.timeoutMs, h.herald.hooks.maxQueued], [60_000, 1000], 'not before the restart the reply asked for')
      await escontrolRestart(h)
      assert.deepEqual([h.herald.hooks.timeoutMs, h.herald.hooks.maxQueued], [5000, 3])
      h = await restartProcess(h, options)
      assert.deepEqual([h.herald.hooks.timeoutMs, h.herald.hooks.maxQueued], [5000, 3])
    } finally {
      await h.close()
    }
  })

  test('fcm.token_file: the overriding tokens.txt is imported at escontrol restart, and at the next start of Herald', async () => {
    const tokens = join(work, 'tokens.txt')
    writeFileSync(tokens, '{"tokens":{"phone-a":{"platform":"android","monlist":"1","intlist":"0","pushstate":"enabled","appversion":"1.6","invocations":{"count":0,"at":0}}}}')
    // No push leaves the machine: the proxy is a closed local port, and no alarm is raised.
    const fcm = { fcm_v1_url: 'http://127.0.0.1:9/', token_file: join(work, 'no-tokens.txt') }
    let h = await startEventHerald({ ini: { ...ESCONTROL, fcm } })
    try {
      assert.deepEqual((await edit(h, 'token_file', tokens)).restart_required, ['fcm.token_file'])
      assert.equal(h.herald.registry.get('phone-a'), undefined)
      await escontrolRestart(h)
      assert.equal(h.herald.registry.get('phone-a')?.monlist, '1')
    } finally {
      await h.close()
    }

    const other = join(work, 'tokens-2.txt')
    writeFileSync(other, '{"tokens":{"phone-b":{"platform":"ios","monlist":"","intlist":"","pushstate":"enabled","appversion":"1.6","invocations":{"count":0,"at":0}}}}')
    const options: StartOptions = { ini: { ...ESCONTROL, fcm } }
    h = await startEventHerald(options)
    try {
      await edit(h, 'fcm.token_file', other)
      h = await restartProcess(h, options)
      assert.ok(h.herald.registry.get('phone-b') !== undefined)
    } finally {
      await h.close()
    }
  })

  test('a restart that cannot apply one setting applies none: an invalid overriding rules file keeps the old rules and the old pool', async () => {
    const broken = join(work, 'broken.json')
    writeFileSync(broken, '{"notifications": ')
    const good = rulesFile('good.json', { 8: MUTE_ALL_DAY })
    const h = await startEventHerald({ ini: { ...ESCONTROL, customize: { es_rules: good } } })
    try {
      await edit(h, 'es_rules', broken)
      await edit(h, 'max_parallel_hooks', '4')
      await escontrolRestart(h)
      assert.ok(h.logs.some((l) => l.level === 50 && /restart failed; the previous settings stay in force/.test(l.msg)))
      assert.deepEqual(await notified(h, 8, 9), ['9'], 'the previous rules still mute monitor 8')
      assert.equal(h.herald.hooks.maxParallel, 0)
    } finally {
      await h.close()
    }
  })

  test('a stored override this Herald refuses is left out at start, with a warning: the file\'s value stands and Herald starts', async () => {
    const options: StartOptions = { ini: { ...ESCONTROL, customize: { timezone: 'UTC' } } }
    let h = await startEventHerald(options)
    try {
      // As an older Herald, or a hand-edited store, might have left it.
      await h.herald.control.setOverride('customize.timezone', 'Mars/Olympus_Mons')
      h = await restartProcess(h, options)
      assert.equal(h.herald.rules.timeZone.name, 'UTC')
      assert.ok(h.logs.some((l) => l.level === 40 && /stored escontrol override customize\.timezone is not applied/.test(l.msg)))
    } finally {
      await h.close()
    }
  })

  test('mqtt.herald_topic: escontrol restart reconnects under the new topic (the old one goes offline), and events follow it', async (t) => {
    if (!(await sharedBrokerUp())) {
      if (ciRequiresBroker) throw new Error('Mosquitto on 127.0.0.1:1883 is required under CI')
      t.skip('Mosquitto is not running on 127.0.0.1:1883')
      return
    }
    const prefix = uniquePrefix()
    const sub = await Subscriber.open(`${prefix}/#`)
    const h = await startEventHerald({ ini: { ...ESCONTROL, mqtt: { enable: 'yes', server: '127.0.0.1:1883', topic: `${prefix}/zm`, herald_topic: `${prefix}/a` } } })
    const seen = (): string[] => sub.messages.map((m) => `${m.topic}=${m.topic.endsWith('/available') ? m.payload : ''}`)
    try {
      await waitFor('Herald online under the first topic', () => seen().includes(`${prefix}/a/available=online`))
      assert.deepEqual((await edit(h, 'mqtt.herald_topic', `${prefix}/b`)).restart_required, ['mqtt.herald_topic'])
      await escontrolRestart(h)
      await waitFor('Herald online under the new topic', () => seen().includes(`${prefix}/b/available=online`))
      assert.ok(seen().indexOf(`${prefix}/a/available=offline`) < seen().indexOf(`${prefix}/b/available=online`), seen().join('\n'))
      const before = sub.messages.length
      await raise(h, alarm(5, nextEid(), 'start'))
      await waitFor('the alarm on both topics', () => sub.messages.length >= before + 2)
      assert.deepEqual(sub.messages.slice(before).map((m) => m.topic).sort(), [`${prefix}/b/events/alarm/5`, `${prefix}/zm/5`].sort())
    } finally {
      await h.close()
      await sub.close()
      await clearRetained([`${prefix}/a/available`, `${prefix}/b/available`])
    }
  })

  test('fcm_service_account_file and fcm_api_url: escontrol restart switches pushes from the proxy to FCM HTTP v1; a service-account file that cannot be read leaves the proxy in place', async () => {
    const account = makeServiceAccount('herald-restart')
    const fake = await FcmFake.start({ account })
    const file = writeServiceAccountFile(work, account, fake.tokenUri)
    const h = await startEventHerald({ fcm: fake, ini: ESCONTROL })
    const pushTo = async (token: string): Promise<void> => {
      const phone = await login(h.url)
      phone.send({ event: 'push', data: { type: 'token', token, platform: 'android', state: 'enabled' }, token })
      await phone.drain()
      await raise(h, alarm(6, nextEid(), 'start'))
      phone.close()
    }
    // Every registered token is pushed for every alarm: 1, then 2, then 3 pushes.
    try {
      await pushTo(fcmToken('before'))
      await fake.waitFor(() => fake.proxyRequests.length === 1)

      await edit(h, 'fcm.fcm_service_account_file', join(work, 'missing-account.json'))
      await escontrolRestart(h)
      assert.ok(h.logs.some((l) => l.level === 50 && /restart failed; the previous settings stay in force/.test(l.msg)))
      await pushTo(fcmToken('still-proxy'))
      await fake.waitFor(() => fake.proxyRequests.length === 3)

      await edit(h, 'fcm.fcm_service_account_file', file)
      assert.deepEqual((await edit(h, 'fcm.fcm_api_url', fake.origin)).restart_required, ['fcm.fcm_api_url'])
      await escontrolRestart(h)
      await pushTo(fcmToken('after'))
      await fake.waitFor(() => fake.sendRequests.length === 3)
      assert.equal(fake.proxyRequests.length, 3, 'no push went to the proxy after the switch')
      const sent = fake.sendRequests.map((r) => ((r.json as Json).message as Json).token as string)
      assert.deepEqual(sent.sort(), [fcmToken('after'), fcmToken('before'), fcmToken('still-proxy')].sort())
    } finally {
      await h.close()
      await fake.stop()
    }
  })
})
