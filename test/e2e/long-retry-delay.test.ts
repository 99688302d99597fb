import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { MAX_TIMER_DELAY_MS } from '../../src/timer-delay.js'
import { startHerald, type TestHerald } from '../helpers/herald.js'
import { NodeLimitsClock } from '../helpers/node-limits-clock.js'
import { Receiver } from '../helpers/receiver.js'
import { createHook, deliveries, face, ingest, statusResponder, waitFor, waitForDeliveries } from './support.js'

/*
 * Retries further away than a Node timer can wait (2^31−1 ms, ~24.8 days). Node fires such a
 * timer after 1 ms, so the engine used to wake every millisecond (a TimeoutOverflowWarning each
 * time) until the retry was due. The clock here keeps Node's limit, so that storm would show in
 * `timersSet`; nothing sleeps.
 */

const RETRY_AFTER_S = 3_000_000

async function withHerald (maxRetryDelay: number, fn: (h: TestHerald, clock: NodeLimitsClock, receiver: Receiver) => Promise<void>): Promise<void> {
  const clock = new NodeLimitsClock()
  // Straight into createHerald: the settings file refuses a cap past a day, an older version did not.
  const h = await startHerald({ webhooks: { max_retry_delay: maxRetryDelay } }, { clock, random: () => 0.5 })
  const receiver = await Receiver.start()
  receiver.respond = statusResponder(503, { 'retry-after': String(RETRY_AFTER_S) })
  try {
    await fn(h, clock, receiver)
  } finally {
    await receiver.stop()
    await h.close()
  }
}

describe('retries further away than a timer can wait', () => {
  test('with max_retry_delay at its cap of a day, a 503 with Retry-After: 3000000 is retried once, a day later', async () => {
    await withHerald(86_400, async (h, clock, receiver) => {
      const hook = await createHook(h, { url: receiver.url, send_attempts: 0 })
      await ingest(h, face('capped'))
      await waitFor('the retry to be scheduled', () => clock.pendingTimers() > 0)
      assert.equal(clock.nextTimerIn(), 86_400_000)
      await clock.advance(86_399_999)
      assert.equal(receiver.requests.length, 1)
      receiver.respond = statusResponder(200)
      await clock.advance(1)
      await receiver.waitForRequests(2)
      await waitForDeliveries(h, hook.id, 'delivery', (ds) => ds[0]?.status === 'delivered')
    })
  })

  test('a retry stored 3,000,000 s ahead (an older cap) wakes the lane at most every 2^31−1 ms and is sent once, at its time', async () => {
    await withHerald(RETRY_AFTER_S, async (h, clock, receiver) => {
      const hook = await createHook(h, { url: receiver.url, send_attempts: 0 })
      await ingest(h, face('far'))
      await waitFor('the retry to be scheduled', () => clock.pendingTimers() > 0)
      const first = clock.now()
      const [d] = await deliveries(h, hook.id)
      assert.equal(Date.parse(d?.next_attempt_at ?? '') - Date.parse(d?.updated_at ?? ''), RETRY_AFTER_S * 1000, 'the stored retry time is the full delay')
      assert.equal(clock.nextTimerIn(), MAX_TIMER_DELAY_MS)

      const before = clock.timersSet
      await clock.advance(10_000)
      assert.equal(receiver.requests.length, 1, 'no early retry')
      assert.equal(clock.timersSet, before, 'no timer storm')

      receiver.respond = statusResponder(200)
      // One wake-up at 2^31−1 ms that finds the retry not yet due, then the retry itself.
      let wakes = 0
      while (receiver.requests.length < 2) {
        assert.ok(++wakes <= 2, `woke ${wakes} times`)
        await clock.advance(clock.nextTimerIn() as number)
        await waitFor('the lane to schedule again or send', () => clock.pendingTimers() > 0 || receiver.requests.length >= 2)
      }
      assert.equal(clock.now() - first, RETRY_AFTER_S * 1000, 'sent exactly when due')
      assert.equal(receiver.requests.length, 2)
      const [done] = await waitForDeliveries(h, hook.id, 'delivery', (ds) => ds[0]?.status === 'delivered')
      assert.equal(done?.attempts, 2)
    })
  })
})
