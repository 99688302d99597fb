import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import type { ZmesConfig } from '../../../src/config/zmes/zmes-schema.js'
import type { Outcome } from '../../../src/delivery/contract.js'
import { FCM_SCOPE, FcmFake, type TokenProblem } from '../../fakes/fcm-fake.js'
import { makeServiceAccount, writeServiceAccountFile, type TestServiceAccount } from '../../fakes/fcm-service-account.js'
import { ManualClock } from '../../helpers/manual-clock.js'
import { DECIDED_AT, fcmToken, startRig, until, zmesConfig, type Rig } from './support.js'

/*
 * FCM HTTP v1 with a service account (zmES v7 `fcm_service_account_file`), against the fake's
 * OAuth endpoint (which verifies the JWT with the account's public key) and its v1 send endpoint
 * (which validates the message and answers FCM's error bodies).
 */

const account: TestServiceAccount = makeServiceAccount('herald-direct')
const PICTURE = 'https://portal/zm/index.php?view=image&eid=EVENTID&fid=objdetect&width=600'

interface Attempts {
  readonly sent: string[]
  readonly retries: Array<{ target: string, delayMs: number, outcome: Outcome }>
  readonly failed: Array<{ target: string, outcome: Outcome }>
}

let fake: FcmFake
let rig: Rig
let attempts: Attempts
const clock = new ManualClock(DECIDED_AT)
let monitor = 100
let accountDir: string

before(async () => {
  fake = await FcmFake.start({ account, now: () => clock.now() })
  accountDir = await mkdir()
  const file = writeServiceAccountFile(accountDir, account, fake.tokenUri)
  const base = zmesConfig({ customize: { timezone: 'UTC' } })
  const config: ZmesConfig = { ...base, fcm: { ...base.fcm, fcm_service_account_file: file, fcm_api_url: fake.origin } }
  rig = await startRig({ config, clock })
  attempts = { sent: [], retries: [], failed: [] }
  rig.events.on('delivery:sent', ({ batch }) => attempts.sent.push(batch.target))
  rig.events.on('delivery:retry', ({ batch, delayMs, outcome }) => attempts.retries.push({ target: batch.target, delayMs, outcome }))
  rig.events.on('delivery:failed', ({ batch, outcome }) => attempts.failed.push({ target: batch.target, outcome }))
})
after(async () => {
  await rig.close()
  await fake.stop()
  rmSync(accountDir, { recursive: true, force: true })
})

async function mkdir (): Promise<string> {
  return mkdtempSync(join(tmpdir(), 'herald-sa-'))
}

/** A token on a monitor of its own, so each test's pushes are its own. */
async function tokenOnOwnMonitor (name: string, platform = 'android', appversion = '1.6.009'): Promise<{ token: string, monitorId: number }> {
  const token = fcmToken(name)
  const monitorId = ++monitor
  await rig.register({ token, platform, appversion, monlist: String(monitorId) })
  return { token, monitorId }
}

const sendsTo = (token: string): typeof fake.sendRequests => fake.sendRequests.filter((r) => (r.json as { message?: { token?: string } }).message?.token === token)

describe('the message', () => {
  test('android: notification, string data, HIGH priority, ttl in seconds, channel and replace tag; accepted by the fake', async () => {
    rig.config = withOptions({ replace_push_messages: true, fcm_android_ttl: 0 }, true)
    const { token, monitorId } = await tokenOnOwnMonitor('v1-android')
    await rig.raise({ monitorId, eventId: 1234, alarm: { cause: '[a] detected:person:97% Motion All' }, record: { hookConfigured: true, frameType: 'alarm' } })
    await until(() => attempts.sent.includes(token), 'the push')
    const [req] = sendsTo(token)
    assert.equal(req?.status, 200)
    assert.equal(req?.body, JSON.stringify({
      message: {
        token,
        notification: {
          title: 'Front Door Alarm (1234)',
          body: '[a] detected:person:97% Motion All at 10:15 AM, 12-Mar',
          image: 'https://portal/zm/index.php?view=image&eid=1234&fid=objdetect&width=600&username=u&password=p%21'
        },
        data: { mid: String(monitorId), eid: '1234', monitorName: 'Front Door', cause: '[a] detected:person:97% Motion All', notification_foreground: 'true' },
        android: { priority: 'HIGH', ttl: '0s', notification: { tag: 'zmninjapush', icon: 'ic_stat_notification', sound: 'default', channel_id: 'zmninja' } }
      }
    }))
    assert.equal(req?.path, `/v1/projects/${account.projectId}/messages:send`)
  })

  test('ios: apns headers and aps with badge, thread-id and mutable-content; the picture in fcm_options', async () => {
    rig.config = withOptions({ replace_push_messages: true }, true)
    const { token, monitorId } = await tokenOnOwnMonitor('v1-ios', 'ios')
    await rig.registry.setBadge(token, 4)
    await rig.raise({ monitorId, eventId: 77, phase: 'end', alarm: { cause: 'Motion All' } })
    await until(() => attempts.sent.includes(token), 'the push')
    const message = (sendsTo(token)[0]?.json as { message: Record<string, unknown> }).message
    assert.deepEqual(Object.keys(message), ['token', 'notification', 'data', 'apns'])
    assert.deepEqual(message.apns, {
      headers: { 'apns-priority': '10', 'apns-push-type': 'alert', 'apns-collapse-id': 'zmninjapush' },
      payload: { aps: { alert: { title: 'Ended:Front Door Alarm (77)', body: 'Motion All ended at 10:15 AM, 12-Mar' }, badge: 5, sound: 'default', 'thread-id': 'zmninja_alarm', 'mutable-content': 1 } },
      fcm_options: { image: 'https://portal/zm/index.php?view=image&eid=77&fid=objdetect&width=600&username=u&password=p%21' }
    })
  })

  test('built-in defaults: one tag per event and phase, no ttl, no channel for an unknown app version, no picture', async () => {
    rig.config = withOptions({}, false)
    const { token, monitorId } = await tokenOnOwnMonitor('v1-min', 'android', 'unknown')
    await rig.raise({ monitorId, eventId: 88 })
    await until(() => attempts.sent.includes(token), 'the push')
    const message = (sendsTo(token)[0]?.json as { message: Record<string, unknown> }).message
    assert.deepEqual(message.notification, { title: 'Front Door Alarm', body: 'Motion All at 10:15 AM, 12-Mar' })
    assert.deepEqual(message.android, { priority: 'HIGH', notification: { tag: 'zmninja_88_event_start', icon: 'ic_stat_notification', sound: 'default' } })
  })
})

describe('OAuth2 access tokens', () => {
  test('the JWT is RS256 with the key id, iss = client_email, aud = token_uri, the FCM scope, one hour; the fake verified it', async () => {
    const first = fake.tokenRequests.find((r) => r.status === 200)
    assert.ok(first !== undefined, 'an earlier test fetched a token')
    const assertion = new URLSearchParams(first.body).get('assertion') ?? ''
    assert.equal(new URLSearchParams(first.body).get('grant_type'), 'urn:ietf:params:oauth:grant-type:jwt-bearer')
    assert.deepEqual(decodeProtectedHeader(assertion), { alg: 'RS256', typ: 'JWT', kid: account.keyId })
    const claims = decodeJwt(assertion)
    assert.equal(claims.iss, account.clientEmail)
    assert.equal(claims.aud, fake.tokenUri)
    assert.equal(claims.scope, FCM_SCOPE)
    assert.equal((claims.exp ?? 0) - (claims.iat ?? 0), 3600)
    assert.equal(claims.iat, Math.floor(DECIDED_AT / 1000), 'stamped with the injected clock')
  })

  test('one token serves a fan-out: five phones, one token request', async () => {
    const before = fake.tokenRequests.length
    const monitorId = ++monitor
    const tokens = [1, 2, 3, 4, 5].map((n) => fcmToken(`fan-${n}`))
    for (const token of tokens) await rig.register({ token, monlist: String(monitorId) })
    await rig.raise({ monitorId })
    await until(() => tokens.every((t) => attempts.sent.includes(t)), 'five pushes')
    assert.equal(fake.tokenRequests.length, before, 'the cached token was still good')
    const bearers = new Set(tokens.map((t) => sendsTo(t)[0]?.headers.authorization))
    assert.equal(bearers.size, 1)
    assert.match([...bearers][0] ?? '', /^Bearer ya29\./)
  })

  test('the token is refreshed 5 minutes before it expires, not before', async () => {
    const { token, monitorId } = await tokenOnOwnMonitor('refresh')
    const issuedAt = fake.tokenRequests.length
    await rig.clock.advance(50 * 60 * 1000)
    await rig.raise({ monitorId, record: { decidedAt: rig.clock.now() } })
    await until(() => attempts.sent.filter((t) => t === token).length === 1, 'the push at 50 min')
    assert.equal(fake.tokenRequests.length, issuedAt)
    await rig.clock.advance(5 * 60 * 1000)
    await rig.raise({ monitorId, record: { decidedAt: rig.clock.now() } })
    await until(() => attempts.sent.filter((t) => t === token).length === 2, 'the push at 55 min')
    assert.equal(fake.tokenRequests.length, issuedAt + 1)
    assert.equal(fake.tokenRequests.at(-1)?.status, 200)
  })

  test('an access token FCM refuses (401 UNAUTHENTICATED) is replaced and the push sent again in the same attempt', async () => {
    const { token, monitorId } = await tokenOnOwnMonitor('revoked')
    const tokensBefore = fake.tokenRequests.length
    fake.revokeAccessTokens()
    await rig.raise({ monitorId })
    await until(() => attempts.sent.includes(token), 'the push')
    assert.deepEqual(sendsTo(token).map((r) => r.status), [401, 200])
    assert.equal(fake.tokenRequests.length, tokensBefore + 1)
    assert.equal(attempts.retries.filter((r) => r.target === token).length, 0)
  })

  test('a token endpoint that refuses the grant: the push is retried, and goes out once it answers again', async () => {
    const { token, monitorId } = await tokenOnOwnMonitor('grant-refused')
    fake.revokeAccessTokens()
    fake.tokenEndpointStatus = 400
    await rig.raise({ monitorId })
    await until(() => attempts.retries.some((r) => r.target === token), 'the retry')
    const outcome = attempts.retries.find((r) => r.target === token)?.outcome
    assert.match(outcome?.kind === 'retry' ? outcome.error : '', /OAuth token request refused: HTTP 400/)
    assert.ok(rig.logs.lines.some((l) => l.level === 50 && l.msg.includes('refused the service account\'s token request')))
    fake.tokenEndpointStatus = undefined
    await rig.clock.advance(270)
    await until(() => attempts.sent.includes(token), 'the push')
  })
})

describe('FCM errors', () => {
  for (const problem of ['UNREGISTERED', 'INVALID_ARGUMENT', 'SENDER_ID_MISMATCH'] as TokenProblem[]) {
    test(`${problem}: the token is removed from memory and store, the push fails for good`, async () => {
      const { token, monitorId } = await tokenOnOwnMonitor(`v1-${problem}`)
      fake.tokenProblems.set(token, problem)
      await rig.raise({ monitorId })
      await until(() => attempts.failed.some((f) => f.target === token), 'the failure')
      assert.equal(rig.registry.get(token), undefined)
      assert.equal((await rig.store.listTokens()).some((t) => t.token === token), false)
      assert.equal(attempts.failed.find((f) => f.target === token)?.outcome.kind, 'permanent')
    })
  }

  test('THIRD_PARTY_AUTH_ERROR: the token is kept, the push fails for good, the operator is told once', async () => {
    const { token, monitorId } = await tokenOnOwnMonitor('apns-broken', 'ios')
    fake.tokenProblems.set(token, 'THIRD_PARTY_AUTH_ERROR')
    await rig.raise({ monitorId })
    await rig.raise({ monitorId })
    await until(() => attempts.failed.filter((f) => f.target === token).length === 2, 'both failures')
    assert.ok(rig.registry.get(token) !== undefined)
    assert.equal(rig.logs.lines.filter((l) => l.level === 50 && l.msg.includes('THIRD_PARTY_AUTH_ERROR')).length, 1)
  })

  for (const [status, code] of [[503, 'UNAVAILABLE'], [429, 'QUOTA_EXCEEDED'], [500, 'INTERNAL']] as const) {
    test(`${code} (${status}) with Retry-After: 5 is retried 5 s later`, async () => {
      const { token, monitorId } = await tokenOnOwnMonitor(`v1-${code}`)
      fake.failNext(1, { status, retryAfter: '5' })
      await rig.raise({ monitorId })
      await until(() => attempts.retries.some((r) => r.target === token), 'the retry')
      assert.equal(attempts.retries.find((r) => r.target === token)?.delayMs, 5000)
      await rig.clock.advance(4999)
      await new Promise((resolve) => setTimeout(resolve, 30))
      assert.equal(sendsTo(token).length, 1)
      await rig.clock.advance(1)
      await until(() => attempts.sent.includes(token), 'the retried push')
      assert.deepEqual(sendsTo(token).map((r) => r.status), [status, 200])
    })
  }

  test('no log line holds a whole token, an access token or the private key', () => {
    const text = rig.logs.text()
    for (const t of rig.registry.list()) assert.ok(!text.includes(t.token))
    assert.ok(!text.includes('ya29.'))
    assert.ok(!text.includes('PRIVATE KEY'))
  })
})

function withOptions (fcm: Partial<ZmesConfig['fcm']>, picture: boolean): ZmesConfig {
  const c = rig.config
  const customize = picture
    ? { ...c.customize, tag_alarm_event_id: true, include_picture: true, picture_url: PICTURE, picture_portal_username: 'u', picture_portal_password: 'p!' }
    : { ...c.customize, tag_alarm_event_id: false, include_picture: false, picture_url: undefined }
  return { ...c, fcm: { ...c.fcm, replace_push_messages: false, fcm_android_ttl: undefined, ...fcm }, customize }
}
