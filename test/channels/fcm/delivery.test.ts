import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { ZmesConfig } from '../../../src/config/zmes/zmes-schema.js'
import type { Outcome } from '../../../src/delivery/contract.js'
import { FcmFake, type TokenProblem } from '../../fakes/fcm-fake.js'
import { fcmToken, startRig, until, zmesConfig, type Rig } from './support.js'

/*
 * Pushes through the proxy on the real engine and store: what happens to invalid tokens, to
 * 429/503 answers (with a manual clock), to a bad key, and to an outage of the proxy.
 */

function proxyConfig (fake: FcmFake): ZmesConfig {
  const c = zmesConfig({ customize: { timezone: 'UTC' } })
  return { ...c, fcm: { ...c.fcm, fcm_v1_url: fake.proxyUrl, fcm_v1_key: fake.proxyKey } }
}

interface Attempts {
  readonly sent: string[]
  readonly retries: Array<{ target: string, delayMs: number, outcome: Outcome }>
  readonly failed: Array<{ target: string, outcome: Outcome }>
}

function watch (rig: Rig): Attempts {
  const a: Attempts = { sent: [], retries: [], failed: [] }
  rig.events.on('delivery:sent', ({ batch }) => a.sent.push(batch.target))
  rig.events.on('delivery:retry', ({ batch, delayMs, outcome }) => a.retries.push({ target: batch.target, delayMs, outcome }))
  rig.events.on('delivery:failed', ({ batch, outcome }) => a.failed.push({ target: batch.target, outcome }))
  return a
}

const pushesTo = (fake: FcmFake, token: string): number => fake.proxyRequests.filter((r) => (r.json as { token?: string }).token === token).length

describe('invalid tokens', () => {
  let fake: FcmFake
  let rig: Rig
  let attempts: Attempts
  before(async () => {
    fake = await FcmFake.start()
    rig = await startRig({ config: proxyConfig(fake) })
    attempts = watch(rig)
  })
  after(async () => {
    await rig.close()
    await fake.stop()
  })

  for (const [problem, text] of [['INVALID_ARGUMENT', 'not a valid FCM'], ['UNREGISTERED', 'entity was not found']] as Array<[TokenProblem, string]>) {
    test(`a proxy answer saying "${text}" removes the token from memory and store, for good`, async () => {
      const bad = fcmToken(`bad-${problem}`)
      const good = fcmToken(`good-${problem}`)
      fake.tokenProblems.set(bad, problem)
      await rig.register({ token: bad })
      await rig.register({ token: good })
      await rig.raise({})
      await until(() => attempts.failed.some((f) => f.target === bad) && attempts.sent.includes(good), 'both lanes to finish')
      const failure = attempts.failed.find((f) => f.target === bad)
      assert.equal(failure?.outcome.kind, 'permanent')
      assert.equal(failure?.outcome.statusCode, 400)
      assert.equal(rig.registry.get(bad), undefined)
      assert.equal((await rig.store.listTokens()).some((t) => t.token === bad), false)
      await rig.raise({})
      await until(() => attempts.sent.filter((t) => t === good).length === 2, 'the second push to the good token')
      assert.equal(pushesTo(fake, bad), 1, 'no push to the removed token after that')
      const removal = rig.logs.lines.find((l) => l.msg.includes('removed, FCM does not know it') && String(l.token).startsWith(bad.slice(0, 6)))
      assert.ok(removal !== undefined)
      assert.ok(!rig.logs.text().includes(bad), 'no log line carries the whole token')
    })
  }

  test('pushes queued behind the one that found the token invalid are dropped with the lane', async () => {
    const bad = fcmToken('bad-queued')
    fake.tokenProblems.set(bad, 'INVALID_ARGUMENT')
    await rig.register({ token: bad })
    await Promise.all([rig.raise({}), rig.raise({}), rig.raise({})])
    await until(() => rig.engine.depth(`fcm:${bad}`) === 0 && rig.registry.get(bad) === undefined, 'the lane to empty')
    assert.equal(pushesTo(fake, bad), 1)
  })
})

describe('answers that ask to come back later (manual clock)', () => {
  let fake: FcmFake
  let rig: Rig
  let attempts: Attempts
  before(async () => {
    fake = await FcmFake.start()
    rig = await startRig({ config: proxyConfig(fake) })
    attempts = watch(rig)
  })
  after(async () => {
    await rig.close()
    await fake.stop()
  })

  for (const status of [503, 429] as const) {
    test(`a ${status} with Retry-After: 7 is tried again 7 s later, not sooner`, async () => {
      // One monitor per test: the tokens of earlier tests must not take this test's failure.
      const token = fcmToken(`retry-${status}`)
      await rig.register({ token, monlist: String(status) })
      fake.failNext(1, { status, retryAfter: '7' })
      await rig.raise({ monitorId: status })
      await until(() => attempts.retries.some((r) => r.target === token), 'the retry to be scheduled')
      assert.equal(attempts.retries.find((r) => r.target === token)?.delayMs, 7000)
      await rig.clock.advance(6999)
      await new Promise((resolve) => setTimeout(resolve, 30))
      assert.equal(pushesTo(fake, token), 1, 'nothing before 7 s')
      await rig.clock.advance(1)
      await until(() => attempts.sent.includes(token), 'the retry to be delivered')
      assert.equal(pushesTo(fake, token), 2)
      assert.deepEqual(fake.proxyRequests.filter((r) => (r.json as { token: string }).token === token).map((r) => r.status), [status, 200])
    })
  }

  test('a 500 without Retry-After follows the engine\'s backoff (0.27 s after the first attempt)', async () => {
    const token = fcmToken('retry-500')
    await rig.register({ token, monlist: '500' })
    fake.failNext(1, { status: 500 })
    await rig.raise({ monitorId: 500 })
    await until(() => attempts.retries.some((r) => r.target === token), 'the retry')
    assert.equal(attempts.retries.find((r) => r.target === token)?.delayMs, 270)
    await rig.clock.advance(270)
    await until(() => attempts.sent.includes(token), 'the retry to be delivered')
  })

  test('a refused fcm_v1_key fails the push for good, keeps the token, and says so once for the operator', async () => {
    const token = fcmToken('bad-key')
    await rig.register({ token, monlist: '401' })
    const good = rig.config
    rig.config = { ...good, fcm: { ...good.fcm, fcm_v1_key: 'not-the-key' } }
    await rig.raise({ monitorId: 401 })
    await rig.raise({ monitorId: 401 })
    await until(() => attempts.failed.filter((f) => f.target === token).length === 2, 'both pushes to fail')
    rig.config = good
    assert.equal(attempts.failed.find((f) => f.target === token)?.outcome.statusCode, 401)
    assert.ok(rig.registry.get(token) !== undefined, 'the token is kept')
    assert.equal(rig.logs.lines.filter((l) => l.msg.includes('refused fcm_v1_key')).length, 1)
    assert.ok(!rig.logs.text().includes('not-the-key'), 'the key is never logged')
  })
})

describe('an outage of the proxy', () => {
  let fake: FcmFake
  let rig: Rig
  let attempts: Attempts
  before(async () => {
    fake = await FcmFake.start()
    rig = await startRig({ config: proxyConfig(fake) })
    attempts = watch(rig)
  })
  after(async () => {
    await rig.close()
    await fake.stop()
  })

  test('pushes made while the proxy is down are delivered once it is back: nothing lost', async () => {
    const tokens = [1, 2, 3].map((n) => fcmToken(`outage-${n}`))
    for (const token of tokens) await rig.register({ token })
    await fake.stop()
    await rig.raise({ eventId: 501 })
    await rig.raise({ eventId: 502 })
    await until(() => attempts.retries.length >= 3, 'the first failed attempts')
    assert.match(attempts.retries[0]?.outcome.kind === 'retry' ? attempts.retries[0].outcome.error : '', /Connection refused/)
    await rig.clock.advance(270)
    await until(() => attempts.retries.length >= 6, 'the second failed attempts')
    await fake.listen()
    await rig.clock.advance(729)
    await until(() => attempts.sent.length === 6, 'all six pushes')
    for (const token of tokens) {
      const eids = fake.proxyRequests.filter((r) => (r.json as { token: string }).token === token).map((r) => (r.json as { data: { eid: string } }).data.eid)
      assert.deepEqual(eids, ['501', '502'], 'in order, each once')
    }
    assert.equal(attempts.failed.length, 0)
  })
})
