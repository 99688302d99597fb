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

/** A fake push proxy and a rig pointed at it, for one describe block. */
function useProxyRig (): { fake: FcmFake, rig: Rig, attempts: Attempts } {
  const env = {} as { fake: FcmFake, rig: Rig, attempts: Attempts }
  before(async () => {
    env.fake = await FcmFake.start()
    env.rig = await startRig({ config: proxyConfig(env.fake) })
    env.attempts = watch(env.rig)
  })
  after(async () => {
    await env.rig.close()
    await env.fake.stop()
  })
  return env
}

describe('invalid tokens', () => {
  const env = useProxyRig()

  for (const [problem, text] of [['INVALID_ARGUMENT', 'not a valid FCM'], ['UNREGISTERED', 'entity was not found']] as Array<[TokenProblem, string]>) {
    test(`a proxy answer saying "${text}" removes the token from memory and store, for good`, async () => {
      const bad = fcmToken(`bad-${problem}`)
      const good = fcmToken(`good-${problem}`)
      env.fake.tokenProblems.set(bad, problem)
      await env.rig.register({ token: bad })
      await env.rig.register({ token: good })
      await env.rig.raise({})
      await until(() => env.attempts.failed.some((f) => f.target === bad) && env.attempts.sent.includes(good), 'both lanes to finish')
      const failure = env.attempts.failed.find((f) => f.target === bad)
      assert.equal(failure?.outcome.kind, 'permanent')
      assert.equal(failure?.outcome.statusCode, 400)
      assert.equal(env.rig.registry.get(bad), undefined)
      assert.equal((await env.rig.store.listTokens()).some((t) => t.token === bad), false)
      await env.rig.raise({})
      await until(() => env.attempts.sent.filter((t) => t === good).length === 2, 'the second push to the good token')
      assert.equal(pushesTo(env.fake, bad), 1, 'no push to the removed token after that')
      const removal = env.rig.logs.lines.find((l) => l.msg.includes('removed, FCM does not know it') && String(l.token).startsWith(bad.slice(0, 6)))
      assert.ok(removal !== undefined)
      assert.ok(!env.rig.logs.text().includes(bad), 'no log line carries the whole token')
    })
  }

  test('pushes queued behind the one that found the token invalid are dropped with the lane', async () => {
    const bad = fcmToken('bad-queued')
    env.fake.tokenProblems.set(bad, 'INVALID_ARGUMENT')
    await env.rig.register({ token: bad })
    await Promise.all([env.rig.raise({}), env.rig.raise({}), env.rig.raise({})])
    await until(() => env.rig.engine.depth(`fcm:${bad}`) === 0 && env.rig.registry.get(bad) === undefined, 'the lane to empty')
    assert.equal(pushesTo(env.fake, bad), 1)
  })
})

describe('answers that ask to come back later (manual clock)', () => {
  const env = useProxyRig()

  for (const status of [503, 429] as const) {
    test(`a ${status} with Retry-After: 7 is tried again 7 s later, not sooner`, async () => {
      // One monitor per test: the tokens of earlier tests must not take this test's failure.
      const token = fcmToken(`retry-${status}`)
      await env.rig.register({ token, monlist: String(status) })
      env.fake.failNext(1, { status, retryAfter: '7' })
      await env.rig.raise({ monitorId: status })
      await until(() => env.attempts.retries.some((r) => r.target === token), 'the retry to be scheduled')
      assert.equal(env.attempts.retries.find((r) => r.target === token)?.delayMs, 7000)
      await env.rig.clock.advance(6999)
      await new Promise((resolve) => setTimeout(resolve, 30))
      assert.equal(pushesTo(env.fake, token), 1, 'nothing before 7 s')
      await env.rig.clock.advance(1)
      await until(() => env.attempts.sent.includes(token), 'the retry to be delivered')
      assert.equal(pushesTo(env.fake, token), 2)
      assert.deepEqual(env.fake.proxyRequests.filter((r) => (r.json as { token: string }).token === token).map((r) => r.status), [status, 200])
    })
  }

  test('a 500 without Retry-After follows the engine\'s backoff (0.27 s after the first attempt)', async () => {
    const token = fcmToken('retry-500')
    await env.rig.register({ token, monlist: '500' })
    env.fake.failNext(1, { status: 500 })
    await env.rig.raise({ monitorId: 500 })
    await until(() => env.attempts.retries.some((r) => r.target === token), 'the retry')
    assert.equal(env.attempts.retries.find((r) => r.target === token)?.delayMs, 270)
    await env.rig.clock.advance(270)
    await until(() => env.attempts.sent.includes(token), 'the retry to be delivered')
  })

  test('a refused fcm_v1_key fails the push for good, keeps the token, and says so once for the operator', async () => {
    const token = fcmToken('bad-key')
    await env.rig.register({ token, monlist: '401' })
    const good = env.rig.config
    env.rig.config = { ...good, fcm: { ...good.fcm, fcm_v1_key: 'not-the-key' } }
    await env.rig.raise({ monitorId: 401 })
    await env.rig.raise({ monitorId: 401 })
    await until(() => env.attempts.failed.filter((f) => f.target === token).length === 2, 'both pushes to fail')
    env.rig.config = good
    assert.equal(env.attempts.failed.find((f) => f.target === token)?.outcome.statusCode, 401)
    assert.ok(env.rig.registry.get(token) !== undefined, 'the token is kept')
    assert.equal(env.rig.logs.lines.filter((l) => l.msg.includes('refused fcm_v1_key')).length, 1)
    assert.ok(!env.rig.logs.text().includes('not-the-key'), 'the key is never logged')
  })
})

describe('an outage of the proxy', () => {
  const env = useProxyRig()

  test('pushes made while the proxy is down are delivered once it is back: nothing lost', async () => {
    const tokens = [1, 2, 3].map((n) => fcmToken(`outage-${n}`))
    for (const token of tokens) await env.rig.register({ token })
    await env.fake.stop()
    await env.rig.raise({ eventId: 501 })
    await env.rig.raise({ eventId: 502 })
    await until(() => env.attempts.retries.length >= 3, 'the first failed env.attempts')
    assert.match(env.attempts.retries[0]?.outcome.kind === 'retry' ? env.attempts.retries[0].outcome.error : '', /Connection refused/)
    await env.rig.clock.advance(270)
    await until(() => env.attempts.retries.length >= 6, 'the second failed env.attempts')
    await env.fake.listen()
    await env.rig.clock.advance(729)
    await until(() => env.attempts.sent.length === 6, 'all six pushes')
    for (const token of tokens) {
      const eids = env.fake.proxyRequests.filter((r) => (r.json as { token: string }).token === token).map((r) => (r.json as { data: { eid: string } }).data.eid)
      assert.deepEqual(eids, ['501', '502'], 'in order, each once')
    }
    assert.equal(env.attempts.failed.length, 0)
  })
})
