import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { boundedRegex } from '../../src/decision/bounded-regex.js'

/** Runs fn and returns its result with the warnings Node emitted meanwhile. */
async function withWarnings<T> (fn: () => T): Promise<{ result: T, warnings: Array<Error & { code?: string }> }> {
  const warnings: Array<Error & { code?: string }> = []
  const listen = (w: Error & { code?: string }): void => { warnings.push(w) }
  process.on('warning', listen)
  try {
    const result = fn()
    await new Promise((resolve) => setImmediate(resolve)) // warnings are emitted on the next tick
    return { result, warnings }
  } finally {
    process.off('warning', listen)
  }
}

describe('a user regex runs with a time limit', () => {
  /* [pattern, hostile cause]: exponential and polynomial backtracking the save-time checks let through */
  const HOSTILE: Array<[string, string]> = [
    ['(a|a)*$', `${'a'.repeat(40)}!`],
    ['(a|aa)*$', `${'a'.repeat(60)}!`],
    ['.*.*x', 'a'.repeat(8192)],
    ['^(?=(a|a)*$)', `${'a'.repeat(40)}!`]
  ]
  for (const [pattern, cause] of HOSTILE) {
    test(`/${pattern}/ on a crafted ${cause.length}-character cause is stopped and counts as no match, with one warning`, async () => {
      const matcher = boundedRegex(new RegExp(pattern, 'i'), 20)
      const started = performance.now()
      const { result, warnings } = await withWarnings(() => [matcher.test(cause), matcher.test(cause)])
      // Unbounded, the first of these runs for minutes to hours.
      assert.ok(performance.now() - started < 5_000, `${performance.now() - started} ms`)
      assert.deepEqual(result, [false, false])
      assert.deepEqual(warnings.map((w) => w.code), ['HERALD_REGEX_TIME_LIMIT'])
      assert.match(warnings[0]?.message ?? '', new RegExp(`${cause.length}-character cause`))
    })
  }

  /* [pattern, cause, matches]: ordinary patterns answer as the plain RegExp does, on both paths */
  const ORDINARY: Array<[string, string, boolean]> = [
    ['truck', 'detected:Truck:80%', true],
    ['truck', 'detected:car', false],
    ['^(?!.*(plant|cat|dog)).*$', 'detected:car:80%', true],
    ['^(?!.*(plant|cat|dog)).*$', 'detected:car,Cat:80%', false],
    ['front\\s+door', 'Front   Door', true],
    ['(a|a)*$', 'aaaa', true]
  ]
  for (const [pattern, cause, matches] of ORDINARY) {
    test(`/${pattern}/ ${matches ? 'matches' : 'does not match'} "${cause}", every time`, async () => {
      const matcher = boundedRegex(new RegExp(pattern, 'i'))
      const { result, warnings } = await withWarnings(() => [matcher.test(cause), matcher.test(cause), matcher.test(cause)])
      assert.deepEqual(result, [matches, matches, matches])
      assert.deepEqual(warnings, [])
    })
  }

  /** A pattern whose first match the machine deschedules: the thread sleeps, using no CPU, past the limit. */
  class Descheduled extends RegExp {
    sleeps = 1
    override test (text: string): boolean {
      if (this.sleeps-- > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300)
      return super.test(text)
    }
  }

  test('a match stopped by the wall-time watchdog while the machine had the thread descheduled is run again, not called unmatched', async () => {
    // A busy CI machine failed /front\s+door/ on "Front   Door" this way: the watchdog counts wall time.
    const regex = new Descheduled('front\\s+door', 'i')
    const matcher = boundedRegex(regex, 20)
    const { result, warnings } = await withWarnings(() => matcher.test('Front   Door'))
    assert.equal(result, true)
    assert.equal(regex.sleeps, -1, 'the first run was stopped while asleep, and a second one matched')
    assert.deepEqual(warnings, [])
  })
})
