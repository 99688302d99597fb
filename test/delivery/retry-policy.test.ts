import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { RetryPolicy } from '../../src/delivery/retry-policy.js'

const exact = (): number => 0.5

describe('RetryPolicy schedule', () => {
  test('without jitter the delays after attempts 1..5 are the seed log\'s 0.270, 0.729, 1.968, 5.314, 14.349 s', () => {
    const policy = new RetryPolicy({ random: exact })
    assert.deepEqual([1, 2, 3, 4, 5].map((n) => policy.delayAfter(n)), [270, 729, 1968, 5314, 14349])
  })

  test('attempt 6 waits 38.742 s and attempt 7 onwards waits the 100 s cap', () => {
    const policy = new RetryPolicy({ random: exact })
    assert.equal(policy.delayAfter(6), 38742)
    for (const n of [7, 8, 20, 100, 10_000]) assert.equal(policy.delayAfter(n), 100_000, `attempt ${n}`)
  })

  test('max_retry_delay lowers the cap', () => {
    const policy = new RetryPolicy({ random: exact, maxDelayMs: 5000 })
    assert.deepEqual([3, 4, 5, 9].map((n) => policy.delayAfter(n)), [1968, 5000, 5000, 5000])
  })

  test('a non-positive cap is refused', () => {
    assert.throws(() => new RetryPolicy({ maxDelayMs: 0 }), RangeError)
  })

  test('an infinite or NaN cap is refused: it would store retry times no Date can hold', () => {
    assert.throws(() => new RetryPolicy({ maxDelayMs: Number.POSITIVE_INFINITY }), RangeError)
    assert.throws(() => new RetryPolicy({ maxDelayMs: Number.NaN }), RangeError)
  })
})

describe('RetryPolicy jitter', () => {
  test('the default jitter stays within ±5 % of the schedule', () => {
    const low = new RetryPolicy({ random: () => 0 })
    const high = new RetryPolicy({ random: () => 0.999999 })
    for (let n = 1; n <= 6; n++) {
      const raw = 100 * 2.7 ** n
      assert.equal(low.delayAfter(n), Math.round(raw * 0.95), `attempt ${n} low`)
      assert.ok(high.delayAfter(n) <= Math.round(raw * 1.05) && high.delayAfter(n) >= Math.round(raw * 1.0499), `attempt ${n} high`)
    }
  })

  test('a thousand random draws all land inside the jitter band', () => {
    let seed = 42
    const lcg = (): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31 }
    const policy = new RetryPolicy({ random: lcg, jitter: 0.1 })
    for (let i = 0; i < 1000; i++) {
      const d = policy.delayAfter(2)
      assert.ok(d >= Math.round(729 * 0.9) && d <= Math.round(729 * 1.1), `delay ${d}`)
    }
  })

  test('jitter never pushes a delay above the cap', () => {
    const policy = new RetryPolicy({ random: () => 0.999999 })
    for (const n of [7, 8, 50]) assert.equal(policy.delayAfter(n), 100_000)
  })

  test('jitter 0 gives the exact schedule whatever the random source says', () => {
    const policy = new RetryPolicy({ random: () => 0, jitter: 0 })
    assert.equal(policy.delayAfter(1), 270)
  })
})

describe('RetryPolicy Retry-After', () => {
  test('a Retry-After delay replaces the backoff and gets no jitter', () => {
    const policy = new RetryPolicy({ random: () => 0 })
    assert.equal(policy.delayAfter(1, 7000), 7000)
    assert.equal(policy.delayAfter(6, 1500), 1500)
  })

  test('Retry-After is capped at 100 s', () => {
    const policy = new RetryPolicy({ random: exact })
    assert.equal(policy.delayAfter(1, 3_600_000), 100_000)
    assert.equal(policy.delayAfter(1, 100_000), 100_000)
    assert.equal(policy.delayAfter(1, 99_999), 99_999)
  })

  test('Retry-After is capped by a lowered max_retry_delay too', () => {
    assert.equal(new RetryPolicy({ random: exact, maxDelayMs: 5000 }).delayAfter(1, 60_000), 5000)
  })

  test('Retry-After: 0 or a date in the past waits the schedule\'s first step (0.270 s), so a receiver cannot cause a tight retry loop', () => {
    const policy = new RetryPolicy({ random: exact })
    assert.equal(policy.minDelayMs, 270)
    assert.equal(policy.delayAfter(1, 0), 270)
    assert.equal(policy.delayAfter(7, 100), 270)
    assert.equal(policy.delayAfter(7, 271), 271)
  })

  test('the Retry-After floor never exceeds a very low cap', () => {
    assert.equal(new RetryPolicy({ random: exact, maxDelayMs: 100 }).delayAfter(1, 0), 100)
  })

  test('a negative or non-finite Retry-After falls back to the backoff', () => {
    const policy = new RetryPolicy({ random: exact })
    assert.equal(policy.delayAfter(2, -1), 729)
    assert.equal(policy.delayAfter(2, Number.NaN), 729)
    assert.equal(policy.delayAfter(2, Number.POSITIVE_INFINITY), 729)
  })
})

describe('RetryPolicy send_attempts', () => {
  test('send_attempts N is exhausted after the Nth failed attempt, not before', () => {
    const policy = new RetryPolicy()
    assert.equal(policy.exhausted(1, 3), false)
    assert.equal(policy.exhausted(2, 3), false)
    assert.equal(policy.exhausted(3, 3), true)
    assert.equal(policy.exhausted(4, 3), true)
  })

  test('send_attempts 1 is exhausted after the first attempt', () => {
    assert.equal(new RetryPolicy().exhausted(1, 1), true)
  })

  test('send_attempts 0 is never exhausted', () => {
    const policy = new RetryPolicy()
    for (const n of [1, 10, 1000, 1_000_000]) assert.equal(policy.exhausted(n, 0), false)
  })
})
