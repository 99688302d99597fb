import { afterEach, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { MQTT_LANE, MqttChannel } from '../../../src/channels/mqtt/index.js'
import { readDecidedAlarm } from '../../../src/decision/decided-alarm.js'
import type { HeraldEvent, JsonObject } from '../../../src/events/event.js'
import type { MonitorNotifyState } from '../../../src/registry/contract.js'
import { pino } from 'pino'
import { decidedAlarmEvent } from '../../helpers/decided-alarm.js'
import { ManualClock } from '../../helpers/manual-clock.js'
import { ciRequiresBroker, clearRetained, drained, incoming, sharedBrokerUp, startRig, Subscriber, uniquePrefix, zmesConfig, type Rig } from './support.js'

/*
 * Herald's own topics (sources-and-channels §3.9): every event on
 * `<herald_topic>/events/<type>/<camera>`, availability on `<herald_topic>/available`; and who
 * gets routed at all.
 */

const up = await sharedBrokerUp()
if (!up && ciRequiresBroker) test('Mosquitto runs on 127.0.0.1:1883', () => { assert.fail('Mosquitto is not running on 127.0.0.1:1883 (CI=true)') })

let seq = 100
function raw (type: HeraldEvent['type'], id: string, data: JsonObject, transition: HeraldEvent['transition'] = null): HeraldEvent {
  const body = { id, ...data }
  return { seq: ++seq, type, id, key: `${type}:${id}`, transition, data: body, json: JSON.stringify(body), receivedAt: 0 }
}

interface Envelope { type: string, id: string, seq: number, key: string, transition: string | null, camera: string | null, received_at: string, data: JsonObject }

describe("Herald's topics on the shared broker", { skip: !up }, () => {
  let rig: Rig | undefined
  let sub: Subscriber | undefined
  const retained: string[] = []

  afterEach(async () => {
    await rig?.close()
    await sub?.close()
    rig = undefined
    sub = undefined
    await clearRetained(retained.splice(0))
  })

  async function open (): Promise<{ rig: Rig, sub: Subscriber, prefix: string }> {
    const prefix = uniquePrefix()
    retained.push(`${prefix}/herald/available`)
    sub = await Subscriber.open(`${prefix}/#`)
    rig = await startRig({ config: zmesConfig({ mqtt: { enable: true, topic: `${prefix}/zm`, herald_topic: `${prefix}/herald` } }) })
    await rig.connected()
    await sub.waitFor(1)
    sub.messages.splice(0)
    return { rig, sub, prefix }
  }

  test('events of several types go to <herald_topic>/events/<type>/<camera> with the event verbatim under data, QoS 1, not retained', async () => {
    const { rig, sub, prefix } = await open()
    const face = raw('face_event', 'f-1', { camera: 7, matched: true, confidence: 0.91, features: { gender: { name: 'male', confidence: 0.9 } } })
    const episode = raw('human_episode', '42', { cameras: [4], events_count: 3 }, 'episode_open')
    const counter = raw('counter_record', '9', { counter: 2, faces_count: 5 })
    await rig.ingest(face, episode, counter)
    const got = await sub.waitFor(3)
    assert.deepEqual(got.map((m) => m.topic), [
      `${prefix}/herald/events/face_event/7`,
      `${prefix}/herald/events/human_episode/4`,
      `${prefix}/herald/events/counter_record/_`
    ])
    for (const m of got) {
      assert.equal(m.qos, 1)
      assert.equal(m.retain, false)
    }
    const [f, e, c] = got.map((m) => JSON.parse(m.payload) as Envelope)
    assert.deepEqual(Object.keys(f ?? {}), ['type', 'id', 'seq', 'key', 'transition', 'camera', 'received_at', 'data'])
    assert.deepEqual(f?.data, face.data)
    assert.equal(f?.type, 'face_event')
    assert.equal(f?.key, 'face_event:f-1')
    assert.equal(f?.camera, '7')
    assert.match(f?.received_at ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    assert.equal(e?.transition, 'episode_open')
    assert.equal(c?.camera, null)
    assert.ok(got[0]?.payload.endsWith(`,"data":${face.json}}`), 'the stored JSON is sent as it is')
    await drained(rig)
  })

  test('a decided alarm goes out twice, in order: the zmES message, then the Herald envelope on the monitor topic', async () => {
    const { rig, sub, prefix } = await open()
    const alarm = decidedAlarmEvent({ seq: ++seq, monitorId: 3, eventId: 4321 })
    await rig.ingest(alarm)
    const [zm, own] = await sub.waitFor(2)
    assert.equal(zm?.topic, `${prefix}/zm/3`)
    assert.equal(own?.topic, `${prefix}/herald/events/alarm/3`)
    const env = JSON.parse(own?.payload ?? '{}') as Envelope
    assert.equal(env.type, 'alarm')
    assert.equal(env.camera, '3')
    assert.equal((env.data.decision as JsonObject).alarm_seq, seq - 1)
  })

  test('availability: online (retained) while connected, offline (retained) after close', async () => {
    const { rig, prefix } = await open()
    const watcher = await Subscriber.open(`${prefix}/herald/available`)
    try {
      const [online] = await watcher.waitFor(1)
      assert.deepEqual([online?.payload, online?.retain], ['online', true])
      await rig.close()
      const [, offline] = await watcher.waitFor(2)
      assert.equal(offline?.payload, 'offline')
    } finally {
      await watcher.close()
    }
    const late = await Subscriber.open(`${prefix}/herald/available`)
    try {
      const [m] = await late.waitFor(1)
      assert.deepEqual([m?.payload, m?.retain], ['offline', true], 'a later subscriber sees the retained offline')
    } finally {
      await late.close()
    }
  })

  test('ids that would break the topic (/, +, #) become _ in their level', async () => {
    const { rig, sub, prefix } = await open()
    await rig.ingest(raw('area_activation', 'a-1', { camera: 'yard/+#' }))
    const [m] = await sub.waitFor(1)
    assert.equal(m?.topic, `${prefix}/herald/events/area_activation/yard___`)
    assert.equal((JSON.parse(m?.payload ?? '{}') as Envelope).camera, 'yard/+#', 'the envelope keeps the id as it was')
  })
})

describe('routing', () => {
  const logger = pino({ level: 'silent' })
  const clock = new ManualClock()
  const alarmOf = (e: HeraldEvent) => {
    const a = readDecidedAlarm(e)
    assert.ok(a !== undefined)
    return a
  }

  test('disabled: nothing is routed, and the lane is gone (what waited for MQTT is dropped)', async () => {
    const channel = new MqttChannel({ config: () => zmesConfig(), clock, logger })
    assert.equal(channel.enabled(), false)
    assert.deepEqual(channel.routes(alarmOf(decidedAlarmEvent()), 0), [])
    assert.equal(channel.routeEvent(incoming(raw('face_event', 'x', { camera: 1 }))), undefined)
    assert.deepEqual(channel.target('broker'), { kind: 'gone' })
    await channel.close()
  })

  test('enabled: one FIFO lane mqtt:broker with no attempt limit; raw alarms are never routed by routeEvent', async () => {
    const channel = new MqttChannel({ config: () => zmesConfig({ mqtt: { enable: true } }), clock, logger })
    assert.deepEqual(channel.target('broker'), { kind: 'ready', batchSize: 50, maxAttempts: 0 })
    assert.deepEqual(channel.target('other'), { kind: 'gone' })
    assert.deepEqual(channel.routes(alarmOf(decidedAlarmEvent()), 0), [{ channel: 'mqtt', target: 'broker', lane: MQTT_LANE, group: 'messages' }])
    assert.equal(channel.routeEvent(incoming(raw('face_event', 'x', { camera: 1 })))?.lane, MQTT_LANE)
    assert.equal(channel.routeEvent(incoming(decidedAlarmEvent())), undefined)
    await channel.close()
  })

  test('herald_topic empty: only decided starts and ends are routed', async () => {
    const channel = new MqttChannel({ config: () => zmesConfig({ mqtt: { enable: true, herald_topic: '' } }), clock, logger })
    assert.equal(channel.routeEvent(incoming(raw('face_event', 'x', { camera: 1 }))), undefined)
    assert.equal(channel.routes(alarmOf(decidedAlarmEvent({ phase: 'end' })), 0).length, 1)
    assert.equal(channel.routes(alarmOf(decidedAlarmEvent({ phase: 'update' })), 0).length, 0)
    await channel.close()
  })

  test('every monitor, no throttle; escontrol mute (-1) silences starts and ends, only with the escontrol interface on', async () => {
    const states = new Map<string, MonitorNotifyState>([['3', -1], ['4', 1], ['5', 0]])
    let config = zmesConfig({ mqtt: { enable: true }, general: { use_escontrol_interface: true } })
    const channel = new MqttChannel({ config: () => config, control: { monitorStates: () => states }, clock, logger })
    const routed = (monitorId: number, phase: 'start' | 'end'): number => channel.routes(alarmOf(decidedAlarmEvent({ monitorId, phase })), 0).length
    assert.deepEqual([routed(3, 'start'), routed(3, 'end')], [0, 0])
    assert.deepEqual([routed(4, 'start'), routed(5, 'start'), routed(6, 'start')], [1, 1, 1])
    assert.deepEqual([routed(5, 'start'), routed(5, 'start')], [1, 1], 'the same monitor twice in a row: no interval throttle')
    config = zmesConfig({ mqtt: { enable: true }, general: { use_escontrol_interface: false } })
    assert.equal(routed(3, 'start'), 1, 'without the escontrol interface its stored states do not apply')
    await channel.close()
  })
})
