import { afterEach, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { MQTT_LANE } from '../../../src/channels/mqtt/index.js'
import type { HookRecord } from '../../../src/decision/decided-alarm.js'
import { decidedAlarmEvent } from '../../helpers/decided-alarm.js'
import { ciRequiresBroker, clearRetained, drained, sharedBrokerUp, startRig, Subscriber, uniquePrefix, zmesConfig, type Rig, type Sections } from './support.js'

/*
 * zmES's MQTT message (spec §10.4) byte for byte, through the real engine, store and the
 * machine's Mosquitto on 127.0.0.1:1883. Each test has its own topic prefix.
 */

const up = await sharedBrokerUp()
if (!up && ciRequiresBroker) test('Mosquitto runs on 127.0.0.1:1883', () => { assert.fail('Mosquitto is not running on 127.0.0.1:1883 (CI=true)') })

function hook (result: number, text: string, detection: HookRecord['detection'] = []): HookRecord {
  return { command: '/bin/hook', result, text, detection, frameType: 'alarm', timedOut: false, skipped: null, durationMs: 12 }
}

const DETECTION = { labels: ['person'], boxes: [[10, 20, 30, 40]], frame_id: 'alarm', confidences: [0.97], image_dimensions: { original: [1080, 1920], resized: [450, 800] } }

describe('the zmES message on <topic>/<MonitorId>', { skip: !up }, () => {
  let rig: Rig | undefined
  let sub: Subscriber | undefined
  const retained: string[] = []
  let seq = 0

  async function open (sections: Sections = {}): Promise<{ rig: Rig, sub: Subscriber, prefix: string }> {
    const prefix = uniquePrefix()
    sub = await Subscriber.open(`${prefix}/#`)
    rig = await startRig({ config: zmesConfig({ ...sections, mqtt: { enable: true, topic: `${prefix}/zm`, herald_topic: '', ...sections.mqtt } }) })
    await rig.connected()
    return { rig, sub, prefix }
  }

  afterEach(async () => {
    await rig?.close()
    await sub?.close()
    rig = undefined
    sub = undefined
    if (retained.length > 0) await clearRetained(retained.splice(0))
  })

  test('a start without hook: hookvalue 0, detection [], QoS 1, not retained', async () => {
    const { rig, sub, prefix } = await open()
    await rig.ingest(decidedAlarmEvent({ seq: ++seq, monitorId: 3, eventId: 1234 }))
    const [m] = await sub.waitFor(1)
    assert.equal(m?.topic, `${prefix}/zm/3`)
    assert.equal(m?.payload, '{"monitor":"3","name":"Front Door:(1234) Motion All","state":"alarm","eventid":"1234","hookvalue":0,"eventtype":"event_start","detection":[]}')
    assert.equal(m?.qos, 1)
    assert.equal(m?.retain, false)
    await drained(rig)
  })

  test('a start with the hook text and detection keeps the [a] prefix (keep_frame_match_type = yes)', async () => {
    const { rig, sub } = await open()
    const cause = '[a] detected:person:97% Motion All'
    await rig.ingest(decidedAlarmEvent({ seq: ++seq, monitorId: 3, eventId: 1234, record: { cause, hook: hook(0, '[a] detected:person:97%', DETECTION), detection: DETECTION, frameType: 'alarm' } }))
    const [m] = await sub.waitFor(1)
    assert.equal(m?.payload, '{"monitor":"3","name":"Front Door:(1234) [a] detected:person:97% Motion All","state":"alarm","eventid":"1234","hookvalue":0,' +
      '"eventtype":"event_start","detection":{"labels":["person"],"boxes":[[10,20,30,40]],"frame_id":"alarm","confidences":[0.97],"image_dimensions":{"original":[1080,1920],"resized":[450,800]}}}')
  })

  test('an end is prefixed Ended: before the monitor name, with event_end and the end hook result', async () => {
    const { rig, sub } = await open()
    await rig.ingest(decidedAlarmEvent({ seq: ++seq, monitorId: 3, eventId: 1234, phase: 'end', record: { cause: 'Motion All', hook: hook(1, '') } }))
    const [m] = await sub.waitFor(1)
    assert.equal(m?.payload, '{"monitor":"3","name":"Ended:Front Door:(1234) Motion All","state":"alarm","eventid":"1234","hookvalue":1,"eventtype":"event_end","detection":[]}')
  })

  test('an end with detection, hook success', async () => {
    const { rig, sub } = await open()
    const cause = '[s] detected:car:81% Motion All'
    await rig.ingest(decidedAlarmEvent({ seq: ++seq, monitorId: 12, monitorName: 'Drive', eventId: 77, phase: 'end', record: { cause, hook: hook(0, '[s] detected:car:81%', [{ label: 'car', confidence: 0.81 }]), detection: [{ label: 'car', confidence: 0.81 }] } }))
    const [m] = await sub.waitFor(1)
    assert.ok(m?.topic.endsWith('/zm/12'))
    assert.equal(m?.payload, '{"monitor":"12","name":"Ended:Drive:(77) [s] detected:car:81% Motion All","state":"alarm","eventid":"77","hookvalue":0,"eventtype":"event_end","detection":[{"label":"car","confidence":0.81}]}')
  })

  test('keep_frame_match_type = no strips [a] , [s] and [x] (the bracket and the character after it), and nothing else', async () => {
    const { rig, sub } = await open({ hook: { keep_frame_match_type: false } })
    await rig.ingest(
      decidedAlarmEvent({ seq: ++seq, eventId: 1, record: { cause: '[a] detected:person:97% Motion All' } }),
      decidedAlarmEvent({ seq: ++seq, eventId: 2, record: { cause: '[x] detected:dog:55%' } }),
      decidedAlarmEvent({ seq: ++seq, eventId: 3, phase: 'end', record: { cause: '[s] detected:car:81% Motion All' } }),
      decidedAlarmEvent({ seq: ++seq, eventId: 4, record: { cause: 'Motion [a] All' } })
    )
    const names = (await sub.waitFor(4)).map((m) => (JSON.parse(m.payload) as { name: string }).name)
    assert.deepEqual(names, [
      'Front Door:(1) detected:person:97% Motion All',
      'Front Door:(2) detected:dog:55%',
      'Ended:Front Door:(3) detected:car:81% Motion All',
      'Front Door:(4) Motion [a] All'
    ])
  })

  test('retain = yes publishes retained: a subscriber that comes later still gets the last alarm', async () => {
    const { rig, sub, prefix } = await open({ mqtt: { retain: true } })
    retained.push(`${prefix}/zm/5`)
    await rig.ingest(decidedAlarmEvent({ seq: ++seq, monitorId: 5, eventId: 900 }), decidedAlarmEvent({ seq: ++seq, monitorId: 5, eventId: 901 }))
    await sub.waitFor(2)
    await drained(rig)
    const late = await Subscriber.open(`${prefix}/zm/5`)
    try {
      const [m] = await late.waitFor(1)
      assert.equal(m?.retain, true)
      assert.equal((JSON.parse(m?.payload ?? '{}') as { eventid: string }).eventid, '901')
    } finally {
      await late.close()
    }
  })

  test('qos = 0 publishes at most once (no PUBACK to wait for)', async () => {
    const { rig, sub } = await open({ mqtt: { qos: 0 } })
    await rig.ingest(decidedAlarmEvent({ seq: ++seq, eventId: 55 }))
    const [m] = await sub.waitFor(1)
    assert.equal(m?.qos, 0)
    await drained(rig)
  })

  test('an update has no zmES message; with herald_topic off it is not even queued', async () => {
    const { rig, sub } = await open()
    const [r] = await rig.ingest(decidedAlarmEvent({ seq: ++seq, eventId: 56, phase: 'update' }))
    assert.deepEqual(r?.routes, [])
    assert.deepEqual(await sub.settle(), [])
    assert.equal(rig.engine.depth(MQTT_LANE), 0)
  })

  test('a topic set by escontrol edit is used for the next message (zmES reloads its settings)', async () => {
    const { rig, sub, prefix } = await open()
    rig.config = zmesConfig({ mqtt: { ...rig.config.mqtt, topic: `${prefix}/edited` } })
    await rig.ingest(decidedAlarmEvent({ seq: ++seq, monitorId: 8, eventId: 57 }))
    const [m] = await sub.waitFor(1)
    assert.equal(m?.topic, `${prefix}/edited/8`)
  })
})

