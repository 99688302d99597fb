import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import mqtt from 'mqtt'
import { FcmFake } from '../fakes/fcm-fake.js'
import { NtfyFake } from '../fakes/targets/ntfy-fake.js'
import { Receiver } from '../helpers/receiver.js'
import { ADMIN_TOKEN } from '../helpers/herald.js'
import type { ManualClock } from '../helpers/manual-clock.js'
import { alarm, login, startEventHerald, waitFor, type EventHerald } from '../channels/web/support.js'
import { ciRequiresBroker, sharedBrokerUp } from '../channels/mqtt/support.js'

/*
 * One alarm through the whole product as `herald serve` wires it: decided with a real hook, then
 * told to every channel at once — zmNinja over WebSocket, an FCM push through the (fake) zmNinja
 * proxy, MQTT on the machine's Mosquitto, the api push script, an ntfy target, and a webhook with
 * an `alarms` section — each with the payload its consumers expect.
 */

const FIXTURES = resolve('test/fixtures/decision')
const AUTH = { authorization: `Token ${ADMIN_TOKEN}` }
const work = mkdtempSync(join(tmpdir(), 'herald-channels-'))
const hookLog = join(work, 'hooks.log')
const apiFail = join(work, 'api-fail')
process.env.HERALD_TEST_HOOK_LOG = hookLog
process.env.HERALD_TEST_API_FAIL = apiFail

describe('one alarm, every channel', () => {
  let h: EventHerald
  let fcm: FcmFake
  let ntfy: NtfyFake
  let hook: Receiver
  let sub: mqtt.MqttClient
  const prefix = `herald-e2e-${randomUUID().slice(0, 8)}`
  const mqttMessages: Array<{ topic: string, payload: string }> = []

  before(async () => {
    if (!(await sharedBrokerUp()) && ciRequiresBroker) throw new Error('Mosquitto on 127.0.0.1:1883 is required under CI')
    fcm = await FcmFake.start()
    ntfy = await NtfyFake.create()
    hook = await Receiver.start()
    sub = mqtt.connect('mqtt://127.0.0.1:1883')
    await new Promise<void>((resolve) => sub.once('connect', () => resolve()))
    await sub.subscribeAsync(`${prefix}/#`, { qos: 1 })
    sub.on('message', (topic, payload) => { mqttMessages.push({ topic, payload: payload.toString() }) })
    h = await startEventHerald({
      ini: {
        customize: { use_hooks: 'yes', tag_alarm_event_id: 'yes', include_picture: 'yes', picture_url: 'https://zm.example/index.php?view=image&eid=EVENTID&fid=BESTMATCH' },
        hook: {
          event_start_hook: `'${join(FIXTURES, 'start-hook.sh')}'`,
          event_start_notify_on_hook_success: 'all',
          event_start_notify_on_hook_fail: 'web',
          use_hook_description: 'yes'
        },
        fcm: { enable: 'yes', fcm_v1_url: fcm.proxyUrl, fcm_v1_key: 'test-proxy-key' },
        mqtt: { enable: 'yes', server: '127.0.0.1:1883', topic: `${prefix}/zm`, herald_topic: `${prefix}/h` },
        push: { use_api_push: 'yes', api_push_script: `'${join(FIXTURES, 'api-push.sh')}'` },
        targets: { phone: `ntfy://${ntfy.hostPort}/alarms` }
      }
    })
    const created = await h.herald.api.inject({
      method: 'POST',
      url: '/api/v1/hooks/',
      headers: AUTH,
      payload: { name: 'alarms', url: hook.url, filters: { alarms: { labels_in: ['person'] } } }
    })
    assert.equal(created.statusCode, 201, created.body)
  })

  after(async () => {
    await h?.close()
    sub?.end(true)
    await fcm?.stop()
    await ntfy?.stop()
    await hook?.stop()
    rmSync(work, { recursive: true, force: true })
  })

  test('a person at the door: every channel is told, each in its own format', async () => {
    const phone = await login(h.url)
    phone.send({ event: 'push', data: { type: 'token', token: 'phone-token-1234567890', platform: 'android', state: 'enabled' } })
    await phone.drain()
    const eventId = 4242
    await h.herald.ingestor.ingest([alarm(3, eventId, 'start', { monitor_name: 'Front Door', cause: 'Motion All person' })])

    // zmNinja over WebSocket, with the hook's text and detection.
    await waitFor('the websocket alarm', () => phone.received.some((m) => m.event === 'alarm'), 10_000)
    const ws = phone.received.find((m) => m.event === 'alarm')?.events[0]
    assert.equal(ws.Cause, '[a] detected:person:97% Motion All person')
    assert.equal(ws.Picture, 'https://zm.example/index.php?view=image&eid=4242&fid=alarm')

    // FCM through the zmNinja proxy: §10.2's body.
    await fcm.waitFor(() => fcm.proxyRequests.length >= 1, 10_000)
    const push = fcm.proxyRequests[0]?.json as Record<string, unknown>
    assert.equal(push.token, 'phone-token-1234567890')
    assert.equal(push.title, 'Front Door Alarm (4242)')
    assert.match(String(push.body), /^\[a\] detected:person:97% Motion All person at /)
    assert.deepEqual(push.data, { mid: '3', eid: '4242', notification_foreground: 'true' })
    assert.equal(push.image_url, 'https://zm.example/index.php?view=image&eid=4242&fid=alarm')

    // MQTT: zmES's topic and payload, and Herald's own topic.
    await waitFor('the MQTT messages', () => mqttMessages.some((m) => m.topic === `${prefix}/zm/3`), 10_000)
    const zm = JSON.parse(mqttMessages.find((m) => m.topic === `${prefix}/zm/3`)?.payload ?? '{}')
    assert.deepEqual(Object.keys(zm), ['monitor', 'name', 'state', 'eventid', 'hookvalue', 'eventtype', 'detection'])
    assert.equal(zm.name, 'Front Door:(4242) [a] detected:person:97% Motion All person')
    assert.equal(zm.hookvalue, 0)

    // The api push script, with §10.5's arguments.
    await waitFor('the api push', () => existsSync(hookLog) && readFileSync(hookLog, 'utf8').includes('api\0'), 10_000)
    const api = readFileSync(hookLog, 'utf8').split('api\0')[1]?.split('\0').slice(0, 5)
    assert.deepEqual(api, ['4242', '3', 'Front Door', '[a] detected:person:97% Motion All person', 'event_start'])

    // The ntfy target and the webhook whose alarms filter wants persons.
    await ntfy.waitForRequests(1, 10_000)
    assert.deepEqual(ntfy.problems, [])
    const note = ntfy.accepted[0]?.json as Record<string, unknown>
    assert.equal(note.topic, 'alarms')
    assert.equal(note.title, 'Front Door Alarm (4242)')
    await hook.waitForRequests(1, 10_000)
    const [delivered] = hook.requests[0]?.json as Array<Record<string, any>>
    assert.equal(delivered?.cause, '[a] detected:person:97% Motion All person')
    assert.equal(delivered?.decision.channels.fcm.told, true)
    phone.close()

    // /metrics has no token: push lanes are summed per channel; the hook pool is measured.
    const scrape = async (): Promise<string> => (await h.herald.api.inject({ method: 'GET', url: '/metrics' })).body
    const pushCounted = /herald_deliveries_total\{channel="fcm",target="\*",outcome="ok"\} 1/
    await waitFor('the push to be counted', async () => pushCounted.test(await scrape()))
    const metrics = await scrape()
    assert.ok(!metrics.includes('phone-token'), 'no push token in /metrics')
    // The push is in the attempt log of its token.
    const log = await h.herald.api.inject({ method: 'GET', url: '/api/v1/deliveries?channel=fcm&target=phone-token-1234567890', headers: AUTH })
    assert.equal(log.statusCode, 200, log.body)
    assert.equal(log.json().results[0].status, 'delivered')
    assert.equal(log.json().results[0].event.type, 'alarm')
    const bad = await h.herald.api.inject({ method: 'GET', url: '/api/v1/deliveries?channel=pigeon&target=x', headers: AUTH })
    assert.equal(bad.statusCode, 400)
    assert.equal(bad.json().fields[0].field, 'channel')
    assert.match(metrics, /herald_hooks_started_total \d+/)
  })

  test('a failing push script is retried through the engine until it succeeds', async () => {
    writeFileSync(apiFail, '')
    rmSync(hookLog, { force: true })
    await h.herald.ingestor.ingest([alarm(3, 4243, 'start', { monitor_name: 'Front Door', cause: 'person' })])
    await waitFor('the failed push', () => h.logs.some((l) => /api push/.test(l.msg) && /push service down/.test(l.msg)), 10_000)
    rmSync(apiFail)
    // The retry waits on the engine's clock (a manual clock here): move it past the first backoff.
    await (h.clock as ManualClock).advance(1000)
    await waitFor('the retried push', () => readFileSync(hookLog, 'utf8').split('api\0').length >= 3, 10_000)
  })
})
