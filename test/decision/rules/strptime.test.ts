import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { compileTimeFormat, type TimeFormat } from '../../../src/decision/rules/strptime.js'

function format (text: string): TimeFormat {
  const compiled = compileTimeFormat(text)
  assert.ok(compiled.ok, `${text}: ${compiled.ok ? '' : compiled.message}`)
  return compiled.format
}

function hhmmss (f: TimeFormat, input: string): string {
  const parsed = f.parse(input)
  assert.ok(parsed.ok, `${input}: ${parsed.ok ? '' : parsed.message}`)
  const t = parsed.time
  return [t.hour, t.minute, t.second].map((n) => String(n).padStart(2, '0')).join(':')
}

describe('time_format parsing, lenient like Perl Time::Piece->strptime', () => {
  /* [format, input, expected time of day] */
  const ACCEPTED: Array<[string, string, string]> = [
    ['%I:%M %p', '9:30 pm', '21:30:00'],
    ['%I:%M %p', '09:30 PM', '21:30:00'],
    ['%I:%M %p', '1 am', '01:00:00'],
    ['%I:%M %p', '5 pm', '17:00:00'],
    ['%I:%M %p', '12 am', '00:00:00'],
    ['%I:%M %p', '12:00 am', '00:00:00'],
    ['%I:%M %p', '12 pm', '12:00:00'],
    ['%I:%M %p', '12:15 pm', '12:15:00'],
    ['%I:%M %p', '9:30pm', '21:30:00'],
    ['%I:%M %p', '9:30     Pm', '21:30:00'],
    ['%I:%M %p', '  7:05 am  ', '07:05:00'],
    ['%I:%M %p', '1', '01:00:00'],
    ['%I:%M %p', '9:30', '09:30:00'],
    ['%I:%M %P', '9:30 pm', '21:30:00'],
    ['%H:%M', '23:59', '23:59:00'],
    ['%H:%M', '0:0', '00:00:00'],
    ['%H:%M', '7', '07:00:00'],
    ['%H', '21', '21:00:00'],
    ['%H:%M:%S', '21:30:59', '21:30:59'],
    ['%T', '21:30:59', '21:30:59'],
    ['%R', '06:45', '06:45:00'],
    ['%r', '09:30:15 PM', '21:30:15'],
    ['%p %I:%M', 'pm 9:30', '21:30:00'],
    ['%a %H:%M', 'Monday 08:00', '08:00:00'],
    ['%a %H:%M', 'mon 08:00', '08:00:00'],
    ['%d %b %Y %H:%M', '5 March 2026 08:00', '08:00:00'],
    ['%D %H:%M', '03/29/26 02:30', '02:30:00'],
    ['%j %H%%', '100 7%', '07:00:00'],
    ['%H%n%M', '07 30', '07:30:00'],
    ['%H%t%M', '0730', '07:30:00']
  ]
  for (const [f, input, expected] of ACCEPTED) {
    test(`"${input}" with ${f} is ${expected}`, () => {
      assert.equal(hhmmss(format(f), input), expected)
    })
  }

  /* [format, input, part of the message] */
  const REFUSED: Array<[string, string, string]> = [
    ['%I:%M %p', '9pm', 'expected ":" at character 2'],
    ['%I:%M %p', '1am', 'expected ":" at character 2'],
    ['%I:%M %p', 'nine', 'expected a number for %I at character 1'],
    ['%I:%M %p', '13:00', '%I must be 0–12, got 13'],
    ['%I:%M %p', '9:30 xm', 'expected AM or PM for %p at character 6'],
    ['%H:%M %p', '13:00 pm', 'hour 13 cannot take AM/PM'],
    ['%H:%M', '24:00', '%H must be 0–23, got 24'],
    ['%H:%M', '23:60', '%M must be 0–59, got 60'],
    ['%H.%M', '23:10', 'expected "." at character 3'],
    ['%a %H', 'Someday 7', 'expected a weekday name for %a']
  ]
  for (const [f, input, message] of REFUSED) {
    test(`"${input}" with ${f} is refused: ${message}`, () => {
      const parsed = format(f).parse(input)
      assert.equal(parsed.ok, false)
      assert.match(parsed.ok ? '' : parsed.message, new RegExp(message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    })
  }

  test('input left over when the format ends comes back as garbage (Perl only warns about it)', () => {
    const parsed = format('%H:%M').parse('9:30 pm')
    assert.ok(parsed.ok)
    assert.equal(parsed.garbage, ' pm')
    assert.deepEqual(parsed.time, { hour: 9, minute: 30, second: 0 })
  })

  test('unsupported conversions and a lone % are refused when the format is compiled', () => {
    assert.match((compileTimeFormat('%H:%Q') as { message: string }).message, /^%Q is not supported \(supported: %H %I/)
    assert.deepEqual(compileTimeFormat('%H %'), { ok: false, message: 'ends with a lone %' })
  })

  test('%%R is a literal percent sign followed by R, not %R', () => {
    assert.equal(hhmmss(format('%%R%H'), '%R07'), '07:00:00')
  })
})

describe('a format compares "now" on the fields it contains', () => {
  const at = (hour: number, minute: number, second: number): { hour: number, minute: number, second: number } => ({ hour, minute, second })

  test('%I:%M %p compares hours and minutes, not seconds', () => {
    const f = format('%I:%M %p')
    assert.deepEqual([f.hasHour, f.hasMinute, f.hasSecond, f.twelveHour], [true, true, false, false])
    assert.equal(f.key(at(21, 30, 59)), 21 * 3600 + 30 * 60)
  })

  test('%H alone compares hours only', () => {
    assert.equal(format('%H').key(at(17, 59, 59)), 17 * 3600)
  })

  test('%T compares seconds too', () => {
    assert.equal(format('%T').key(at(17, 0, 1)), 17 * 3600 + 1)
  })

  test('%M alone compares minutes only (zmES re-parses now with the same format)', () => {
    assert.equal(format('%M').key(at(17, 5, 0)), 5 * 60)
  })

  test('%I without %p reads now on a 12-hour clock, as zmES\'s strftime→strptime round trip does', () => {
    const f = format('%I:%M')
    assert.equal(f.twelveHour, true)
    assert.equal(f.key(at(21, 30, 0)), f.key(at(9, 30, 0)))
    assert.equal(f.key(at(0, 15, 0)), 12 * 3600 + 15 * 60)
    assert.equal(f.key(at(12, 15, 0)), 12 * 3600 + 15 * 60)
  })
})
