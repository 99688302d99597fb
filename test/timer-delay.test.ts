import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { MAX_TIMER_DELAY_MS, timerDelay } from '../src/timer-delay.js'
import { systemClock } from '../src/clock.js'

describe('timerDelay', () => {
  test('passes delays a Node timer can hold through unchanged', () => {
    for (const ms of [0, 1, 270, 100_000, 86_400_000, MAX_TIMER_DELAY_MS]) assert.equal(timerDelay(ms), ms)
  })

  test('caps longer delays at 2^31−1 ms instead of letting Node fire them after 1 ms', () => {
    for (const ms of [MAX_TIMER_DELAY_MS + 1, 2_147_484_000, 3e9, 1e17, Number.POSITIVE_INFINITY]) {
      assert.equal(timerDelay(ms), MAX_TIMER_DELAY_MS, String(ms))
    }
  })

  test('a negative delay is 0 (due now) and NaN, a broken setting, waits as long as a timer can', () => {
    assert.equal(timerDelay(-5), 0)
    assert.equal(timerDelay(Number.NEGATIVE_INFINITY), 0)
    assert.equal(timerDelay(Number.NaN), MAX_TIMER_DELAY_MS)
  })
})

describe('the system clock', () => {
  test('a delay past 2^31−1 ms waits (it is capped), it does not fire after 1 ms as Node would', async () => {
    let fired = false
    const handle = systemClock.setTimeout(() => { fired = true }, 3_000_000_000)
    await new Promise((resolve) => setTimeout(resolve, 20))
    assert.equal(fired, false)
    systemClock.clearTimeout(handle)
  })
})
