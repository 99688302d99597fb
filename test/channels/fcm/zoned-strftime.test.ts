import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { ZonedStrftime } from '../../../src/channels/time-format/zoned-strftime.js'
import { ConfigError } from '../../../src/errors.js'

/* `[fcm] date_format` in `[customize] timezone`: the push body's time (src/channels/time-format). */

describe('ZonedStrftime', () => {
  test('zmES\'s default format, C-locale names', () => {
    assert.equal(new ZonedStrftime('UTC').format('%I:%M %p, %d-%b', Date.UTC(2026, 2, 12, 10, 15)), '10:15 AM, 12-Mar')
    assert.equal(new ZonedStrftime('UTC').format('%A %B %e %P', Date.UTC(2026, 2, 1, 22, 5)), 'Sunday March  1 pm')
  })

  test('the offset of the formatted instant, across both DST changes', () => {
    const berlin = new ZonedStrftime('Europe/Berlin')
    const f = '%Y-%m-%d %H:%M:%S %z %Z'
    assert.equal(berlin.format(f, Date.parse('2026-03-29T00:59:59Z')), '2026-03-29 01:59:59 +0100 GMT+1')
    assert.equal(berlin.format(f, Date.parse('2026-03-29T01:00:00Z')), '2026-03-29 03:00:00 +0200 GMT+2')
    assert.equal(berlin.format(f, Date.parse('2026-10-25T00:59:59Z')), '2026-10-25 02:59:59 +0200 GMT+2')
    assert.equal(berlin.format(f, Date.parse('2026-10-25T01:00:00Z')), '2026-10-25 02:00:00 +0100 GMT+1')
  })

  test('%c is the C locale\'s, with no zone name of the process; %:z, %s and %% work', () => {
    const ny = new ZonedStrftime('America/New_York')
    const at = Date.parse('2026-03-08T07:00:00Z')
    assert.equal(ny.format('%c', at), 'Sun Mar  8 03:00:00 2026')
    assert.equal(ny.format('%:z %s %% %%z', at), `-04:00 ${at / 1000} % %z`)
    assert.equal(new ZonedStrftime('Asia/Kolkata').format('%H:%M %z', 0), '05:30 +0530')
  })

  test('undefined or empty is the server\'s zone; an unknown name is a ConfigError', () => {
    assert.equal(new ZonedStrftime().timeZone, Intl.DateTimeFormat().resolvedOptions().timeZone)
    assert.equal(new ZonedStrftime('').timeZone, Intl.DateTimeFormat().resolvedOptions().timeZone)
    assert.throws(() => new ZonedStrftime('Nowhere/Else'), (err: unknown) => err instanceof ConfigError && err.problems[0]?.field === 'customize.timezone')
  })
})
