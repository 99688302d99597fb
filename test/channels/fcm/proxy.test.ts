import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { FcmFake } from '../../fakes/fcm-fake.js'
import { startRig, fcmToken, zmesConfig, until, type Rig } from './support.js'
import type { ZmesConfig } from '../../../src/config/zmes/zmes-schema.js'

/*
 * What the zmNinja proxy receives (spec §10.2), byte for byte, through the real engine: the body
 * the fake got is compared with the spec's example, key order included.
 */

const PICTURE = 'https://portal/zm/index.php?view=image&eid=EVENTID&fid=objdetect&width=600'
const ALL_ON = {
  fcm: { replace_push_messages: true, fcm_android_ttl: 0, fcm_log_raw_message: true },
  customize: {
    tag_alarm_event_id: true, include_picture: true, picture_url: PICTURE, picture_portal_username: 'u', picture_portal_password: 'p', timezone: 'UTC'
  }
}
/** The alarm of the spec's example: monitor 3 "Front Door", event 1234, an object hook that matched the alarm frame. */
const SPEC_ALARM = {
  monitorId: 3,
  eventId: 1234,
  alarm: { cause: '[a] detected:person:97% Motion All' },
  record: { hookConfigured: true, frameType: 'alarm' as const }
}

let fake: FcmFake
before(async () => { fake = await FcmFake.start() })
after(async () => { await fake.stop() })

function proxyConfig (patch: { [S in keyof ZmesConfig]?: Partial<ZmesConfig[S]> } = {}): ZmesConfig {
  const c = zmesConfig(patch)
  return { ...c, fcm: { ...c.fcm, fcm_v1_url: fake.proxyUrl, fcm_v1_key: fake.proxyKey } }
}

/** Raises one alarm on a fresh rig and returns the body the proxy got. */
async function pushedBody (rig: Rig, fixture: Parameters<Rig['raise']>[0]): Promise<string> {
  const before = fake.proxyRequests.length
  await rig.raise(fixture)
  await fake.waitFor(() => fake.proxyRequests.length > before)
  const req = fake.proxyRequests[before]
  assert.ok(req !== undefined)
  return req.body
}

describe('the proxy body of spec §10.2', () => {
  let rig: Rig
  before(async () => { rig = await startRig({ config: proxyConfig(ALL_ON) }) })
  after(async () => { await rig.close() })

  const PLATFORM_BLOCKS = {
    android: '"android":{"icon":"ic_stat_notification","priority":"high","ttl":"0","tag":"zmninjapush","channel":"zmninja"},',
    ios: '"ios":{"thread_id":"zmninja_alarm","headers":{"apns-priority":"10","apns-push-type":"alert","apns-collapse-id":"zmninjapush"}},'
  } as const
  for (const [platform, other] of [['android', 'ios'], ['ios', 'android']] as const) {
    test(`${platform}, every option on: the spec example without its ${other} block, key for key`, async () => {
      const token = fcmToken(`${platform}-all`)
      await rig.register({ token, platform, appversion: '1.6.009' })
      await rig.registry.setBadge(token, 2)
      const body = await pushedBody(rig, SPEC_ALARM)
      assert.equal(body,
        `{"token":"${token}","title":"Front Door Alarm (1234)","body":"[a] detected:person:97% Motion All at 10:15 AM, 12-Mar",` +
        '"sound":"default","badge":3,"log_message_id":"NONE",' +
        '"data":{"mid":"3","eid":"1234","notification_foreground":"true"},' +
        PLATFORM_BLOCKS[platform] +
        '"image_url":"https://portal/zm/index.php?view=image&eid=1234&fid=objdetect&width=600&username=u&password=p",' +
        '"log_raw_message":"yes"}')
      await rig.registry.remove(token)
    })
  }

  test('an end: title prefixed Ended:, body cause + " ended at …"', async () => {
    const token = fcmToken('android-end')
    await rig.register({ token, platform: 'android' })
    const body = JSON.parse(await pushedBody(rig, { ...SPEC_ALARM, phase: 'end', alarm: { cause: 'Motion: All' } })) as Record<string, unknown>
    assert.equal(body.title, 'Ended:Front Door Alarm (1234)')
    assert.equal(body.body, 'Motion: All ended at 10:15 AM, 12-Mar')
    await rig.registry.remove(token)
  })

  test('the request carries Content-Type application/json and fcm_v1_key as the raw Authorization header', async () => {
    const token = fcmToken('headers')
    await rig.register({ token })
    const before = fake.proxyRequests.length
    await rig.raise(SPEC_ALARM)
    await fake.waitFor(() => fake.proxyRequests.length > before)
    const req = fake.proxyRequests[before]
    assert.equal(req?.headers['content-type'], 'application/json')
    assert.equal(req?.headers.authorization, fake.proxyKey)
    assert.equal(req?.status, 200)
    await rig.registry.remove(token)
  })
})

describe('with zmES built-in defaults', () => {
  let rig: Rig
  before(async () => { rig = await startRig({ config: proxyConfig({ customize: { timezone: 'UTC' } }) }) })
  after(async () => { await rig.close() })

  test('android of an unknown app version: no ttl, tag, channel, image_url nor log_raw_message', async () => {
    const token = fcmToken('android-min')
    await rig.register({ token, platform: 'android', appversion: '' })
    assert.equal(rig.registry.get(token)?.appversion, 'unknown')
    const body = await pushedBody(rig, { monitorId: 3, eventId: 1234 })
    assert.equal(body,
      `{"token":"${token}","title":"Front Door Alarm","body":"Motion All at 10:15 AM, 12-Mar","sound":"default","badge":1,"log_message_id":"NONE",` +
      '"data":{"mid":"3","eid":"1234","notification_foreground":"true"},"android":{"icon":"ic_stat_notification","priority":"high"}}')
    await rig.registry.remove(token)
  })

  test('ios: no apns-collapse-id without replace_push_messages', async () => {
    const token = fcmToken('ios-min')
    await rig.register({ token, platform: 'ios' })
    const body = await pushedBody(rig, { monitorId: 3, eventId: 1234 })
    assert.equal(body,
      `{"token":"${token}","title":"Front Door Alarm","body":"Motion All at 10:15 AM, 12-Mar","sound":"default","badge":1,"log_message_id":"NONE",` +
      '"data":{"mid":"3","eid":"1234","notification_foreground":"true"},"ios":{"thread_id":"zmninja_alarm","headers":{"apns-priority":"10","apns-push-type":"alert"}}}')
    await rig.registry.remove(token)
  })

  test('a platform that is neither android nor ios gets neither block', async () => {
    const token = fcmToken('desktop')
    await rig.register({ token, platform: 'windows' })
    const body = JSON.parse(await pushedBody(rig, {})) as Record<string, unknown>
    assert.deepEqual(Object.keys(body), ['token', 'title', 'body', 'sound', 'badge', 'log_message_id', 'data'])
    await rig.registry.remove(token)
  })

  test('each push raises the badge by one and counts one invocation, in memory and in the store', async () => {
    const token = fcmToken('badge')
    await rig.register({ token })
    const first = JSON.parse(await pushedBody(rig, {})) as { badge: number }
    await until(() => rig.registry.get(token)?.badge === 1, 'badge 1')
    const second = JSON.parse(await pushedBody(rig, {})) as { badge: number }
    assert.deepEqual([first.badge, second.badge], [1, 2])
    await until(async () => (await rig.store.listTokens()).find((t) => t.token === token)?.badge === 2, 'badge 2 stored')
    const stored = (await rig.store.listTokens()).find((t) => t.token === token)
    assert.equal(stored?.invocations.count, 2)
    await rig.registry.remove(token)
  })

  test('keep_frame_match_type off: the [a] prefix is not in the body; priority, message id and date_format as configured', async () => {
    rig.config = proxyConfig({
      hook: { keep_frame_match_type: false },
      fcm: { fcm_android_priority: 'normal', fcm_log_message_id: 'PUSH-7', date_format: '%Y-%m-%d %H:%M %Z' },
      customize: { timezone: 'Europe/Berlin' }
    })
    const token = fcmToken('prefix')
    await rig.register({ token })
    const body = JSON.parse(await pushedBody(rig, SPEC_ALARM)) as { body: string, log_message_id: string, android: { priority: string } }
    assert.equal(body.body, 'detected:person:97% Motion All at 2026-03-12 11:15 GMT+1')
    assert.equal(body.log_message_id, 'PUSH-7')
    assert.equal(body.android.priority, 'normal')
    await rig.registry.remove(token)
  })
})
