import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { evaluateRules, type RulesVerdict } from '../../../src/decision/rules/evaluate.js'
import { parseRules, type CompiledRules } from '../../../src/decision/rules/rules-file.js'
import { RulesTimeZone } from '../../../src/decision/rules/time-zone.js'

const UTC = new RulesTimeZone('UTC')
/* 2026-01-05 is a Monday; the week runs Sun 01-04 … Sat 01-10. */
const DAY = { Sun: '2026-01-04', Mon: '2026-01-05', Tue: '2026-01-06', Wed: '2026-01-07', Thu: '2026-01-08', Fri: '2026-01-09', Sat: '2026-01-10' }

/** Epoch ms of `2026-01-05 21:30` (or `…T21:30:59`) read in UTC. */
const at = (day: string, time: string): number => Date.parse(`${day}T${time.length === 5 ? `${time}:00` : time}Z`)

function compile (document: unknown): CompiledRules {
  const result = parseRules(typeof document === 'string' ? document : JSON.stringify(document), 'test')
  assert.ok(result.ok, result.ok ? '' : result.message)
  return result.rules
}

/** Monitor 3 with `rules`. */
const monitor3 = (rules: unknown[]): CompiledRules => compile({ notifications: { monitors: { 3: { rules } } } })

function verdict (rules: CompiledRules, when: number, cause = 'Motion All', zone = UTC, monitorId = '3'): RulesVerdict {
  return evaluateRules(rules, { monitorId, cause, at: when }, zone)
}

/** 'muted' | 'allowed' | 'critical' plus the deciding rule, for compact tables. */
function outcome (v: RulesVerdict): string {
  const what = !v.allowed ? 'muted' : v.rulesObject.notification_type === 'critical' ? 'critical' : 'allowed'
  return v.rule === null ? what : `${what} by ${v.rule}`
}

describe('rules evaluation: the zmES sample', () => {
  const sample = compile(readFileSync(new URL('../../fixtures/rules/es_rules.json', import.meta.url), 'utf8'))
  /* [day, time, monitor, cause, outcome] */
  const CASES: Array<[keyof typeof DAY, string, string, string, string]> = [
    ['Mon', '21:29', '999', 'detected:person:97%', 'allowed'],
    ['Mon', '21:30', '999', 'detected:person:97%', 'muted by 0'],
    ['Mon', '23:59', '999', 'detected:person:97%', 'muted by 0'],
    ['Tue', '00:00', '999', 'detected:person:97%', 'muted by 0'],
    ['Mon', '01:00', '999', '[a] detected:PERSON:97% Motion All', 'muted by 0'],
    ['Mon', '01:01', '999', 'detected:person:97%', 'allowed'],
    ['Thu', '00:30', '999', 'detected:person:97%', 'allowed'],
    ['Mon', '22:00', '999', 'detected:car:80%', 'allowed'],
    ['Mon', '04:00', '999', 'detected:car:80%', 'muted by 1'],
    ['Mon', '04:00', '999', 'detected:Dog:80%', 'allowed'],
    ['Sat', '06:00', '999', 'detected:truck', 'muted by 1'],
    ['Sat', '06:01', '999', 'detected:truck', 'allowed'],
    ['Sat', '18:00', '998', 'Motion', 'muted by 0'],
    ['Sat', '07:00', '998', 'Motion', 'muted by 0'],
    ['Sat', '07:01', '998', 'Motion', 'allowed'],
    ['Sat', '12:00', '997', 'Motion', 'allowed']
  ]
  for (const [day, time, monitor, cause, expected] of CASES) {
    test(`monitor ${monitor} on ${day} ${time}, cause "${cause}": ${expected}`, () => {
      assert.equal(outcome(verdict(sample, at(DAY[day], time), cause, UTC, monitor)), expected)
    })
  }

  test('the reason names the monitor, the rule and what it did', () => {
    const v = verdict(sample, at(DAY.Mon, '22:00'), 'detected:person', UTC, '999')
    assert.deepEqual(v, { allowed: false, rulesObject: {}, rule: 0, reason: 'monitor 999 rule 0 (mute 21:30–01:00 Mon,Tue,Wed cause~/person/) matched: muted' })
    assert.equal(verdict(sample, at(DAY.Mon, '12:00'), 'x', UTC, '42').reason, 'monitor 42 has no rules: allowed')
    assert.equal(verdict(sample, at(DAY.Mon, '12:00'), 'x', UTC, '999').reason, 'monitor 999: no rule matched, the last one is mute: allowed')
  })
})

describe('rules evaluation: time windows', () => {
  /* [what, rule window fields, time of day (UTC Monday), matches] */
  const WINDOWS: Array<[string, Record<string, string>, string, boolean]> = [
    ['%H:%M: before from', { time_format: '%H:%M', from: '08:00', to: '17:00' }, '07:59:59', false],
    ['%H:%M: at from', { time_format: '%H:%M', from: '08:00', to: '17:00' }, '08:00', true],
    ['%H:%M: at to', { time_format: '%H:%M', from: '08:00', to: '17:00' }, '17:00', true],
    ['%H:%M: within the minute of to (minute resolution)', { time_format: '%H:%M', from: '08:00', to: '17:00' }, '17:00:59', true],
    ['%H:%M: after to', { time_format: '%H:%M', from: '08:00', to: '17:00' }, '17:01', false],
    ['%H: within the hour of to', { time_format: '%H', from: '8', to: '17' }, '17:59:59', true],
    ['%H: after the hour of to', { time_format: '%H', from: '8', to: '17' }, '18:00', false],
    ['%T: one second after to', { time_format: '%T', from: '08:00:00', to: '17:00:00' }, '17:00:01', false],
    ['across midnight, before midnight (quirk 2 fixed)', { from: '9:30 pm', to: '1 am' }, '23:00', true],
    ['across midnight, after midnight', { from: '9:30 pm', to: '1 am' }, '00:30', true],
    ['across midnight, outside', { from: '9:30 pm', to: '1 am' }, '12:00', false],
    ['across midnight, at from', { from: '9:30 pm', to: '1 am' }, '21:30', true],
    ['across midnight, at to', { from: '9:30 pm', to: '1 am' }, '01:00', true],
    ['12 am to 12 pm: midnight', { from: '12 am', to: '12 pm' }, '00:00', true],
    ['12 am to 12 pm: noon', { from: '12 am', to: '12 pm' }, '12:00', true],
    ['12 am to 12 pm: after noon', { from: '12 am', to: '12 pm' }, '12:01', false],
    ['12:15 pm to 1 pm: 12:15', { from: '12:15 pm', to: '1 pm' }, '12:15', true],
    ['12:15 pm to 1 pm: 00:15 is not 12:15 pm', { from: '12:15 pm', to: '1 pm' }, '00:15', false],
    ['from equal to to: that minute only', { from: '5 pm', to: '5 pm' }, '17:00:30', true],
    ['from equal to to: the next minute', { from: '5 pm', to: '5 pm' }, '17:01', false],
    ['no to: from "from" to midnight', { from: '9 pm' }, '23:59', true],
    ['no to: midnight itself', { from: '9 pm' }, '00:00', true],
    ['no to: after midnight', { from: '9 pm' }, '00:01', false],
    ['neither from nor to: only midnight (as zmES)', {}, '00:00', true],
    ['neither from nor to: any other time', {}, '12:00', false],
    ['%I without %p: 21:30 reads as 9:30 (as zmES)', { time_format: '%I:%M', from: '9:00', to: '10:00' }, '21:30', true]
  ]
  for (const [what, window, time, matches] of WINDOWS) {
    test(`${what}: ${time} ${matches ? 'matches' : 'does not match'}`, () => {
      const rules = monitor3([{ ...window, action: 'mute' }])
      assert.equal(verdict(rules, at(DAY.Mon, time)).allowed, !matches)
    })
  }
})

describe('rules evaluation: daysofweek', () => {
  const WEEK = Object.keys(DAY) as Array<keyof typeof DAY>
  /* [daysofweek, days it matches] */
  const DAYS: Array<[string, string]> = [
    ['Mon,Tue,Wed', 'Mon Tue Wed'],
    ['Sat Sun', 'Sun Sat'],
    ['Monday', 'Mon'],
    ['Thursday, Friday', 'Thu Fri'],
    ['mon', ''],
    ['MON', ''],
    ['', '']
  ]
  for (const [days, expected] of DAYS) {
    test(`"${days}" matches ${expected === '' ? 'no day' : expected} (case-sensitive substring, as zmES)`, () => {
      const rules = monitor3([{ time_format: '%H:%M', from: '00:00', to: '23:59', daysofweek: days, action: 'mute' }])
      const muted = WEEK.filter((d) => !verdict(rules, at(DAY[d], '12:00')).allowed)
      assert.equal(muted.join(' '), expected)
    })
  }

  test('a window across midnight tests the weekday of now: Wednesday 23:00 and Thursday 00:30 for a Wed-only rule', () => {
    const rules = monitor3([{ from: '9:30 pm', to: '1 am', daysofweek: 'Wed', action: 'mute' }])
    assert.equal(verdict(rules, at(DAY.Wed, '23:00')).allowed, false)
    assert.equal(verdict(rules, at(DAY.Thu, '00:30')).allowed, true)
    assert.equal(verdict(rules, at(DAY.Wed, '00:30')).allowed, false)
  })
})

describe('rules evaluation: cause_has', () => {
  /* [cause_has, cause, matches] */
  const CAUSES: Array<[string, string, boolean]> = [
    ['person', '[a] detected:Person:97% Motion All', true],
    ['PERSON', 'detected:person', true],
    ['^(?!.*(plant|cat|dog)).*$', 'detected:car:80%', true],
    ['^(?!.*(plant|cat|dog)).*$', 'detected:car,Cat:80%', false],
    ['(?<!no )person', 'no person', false],
    ['\\Adetected:', '[a] detected:person', false],
    ['\\Adetected:', 'Detected:person', true],
    ['person|car', 'Motion All', false]
  ]
  for (const [pattern, cause, matches] of CAUSES) {
    test(`/${pattern}/ ${matches ? 'matches' : 'does not match'} "${cause}"`, () => {
      const rules = monitor3([{ time_format: '%H:%M', from: '00:00', to: '23:59', cause_has: pattern, action: 'mute' }])
      assert.equal(verdict(rules, at(DAY.Mon, '12:00'), cause).allowed, !matches)
    })
  }
})

describe('rules evaluation: actions and order', () => {
  const ALL_DAY = { time_format: '%H:%M', from: '00:00', to: '23:59' }
  const DAYTIME = { time_format: '%H:%M', from: '08:00', to: '18:00' }
  const NIGHT = { time_format: '%H:%M', from: '01:00', to: '02:00' }
  /* [what, rules, time, outcome] */
  const ORDERS: Array<[string, unknown[], string, string]> = [
    ['critical_notify matched', [{ ...DAYTIME, action: 'critical_notify' }], '10:00', 'critical by 0'],
    ['critical_notify not matched', [{ ...DAYTIME, action: 'critical_notify' }], '20:00', 'allowed'],
    ['first match wins: critical before mute', [{ ...DAYTIME, action: 'critical_notify' }, { ...ALL_DAY, action: 'mute' }], '10:00', 'critical by 0'],
    ['first match wins: the second rule when the first does not match', [{ ...DAYTIME, action: 'critical_notify' }, { ...ALL_DAY, action: 'mute' }], '20:00', 'muted by 1'],
    ['first match wins: mute before critical', [{ ...ALL_DAY, action: 'mute' }, { ...DAYTIME, action: 'critical_notify' }], '10:00', 'muted by 0'],
    ['none matched, last is critical_notify', [{ ...NIGHT, action: 'mute' }, { ...DAYTIME, action: 'critical_notify' }], '20:00', 'allowed'],
    ['none matched, last is mute', [{ ...DAYTIME, action: 'critical_notify' }, { ...NIGHT, action: 'mute' }], '20:00', 'allowed'],
    ['an unknown action allows as soon as it is reached', [{ ...NIGHT, action: 'mute' }, { ...ALL_DAY, action: 'snooze' }, { ...ALL_DAY, action: 'mute' }], '10:00', 'allowed by 1'],
    ['a rule before an unknown action still decides', [{ ...NIGHT, action: 'mute' }, { ...ALL_DAY, action: 'snooze' }], '01:30', 'muted by 0'],
    ['a missing action counts as unknown', [{ ...ALL_DAY }, { ...ALL_DAY, action: 'mute' }], '10:00', 'allowed by 0'],
    ['an empty list allows (zmES 6.1.29 muted)', [], '10:00', 'allowed']
  ]
  for (const [what, rules, time, expected] of ORDERS) {
    test(`${what}: ${expected}`, () => {
      assert.equal(outcome(verdict(monitor3(rules), at(DAY.Mon, time))), expected)
    })
  }

  test('critical_notify carries RulesObject {"notification_type":"critical"}; other verdicts carry {}', () => {
    const rules = monitor3([{ ...DAYTIME, action: 'critical_notify' }])
    assert.deepEqual(verdict(rules, at(DAY.Mon, '10:00')).rulesObject, { notification_type: 'critical' })
    assert.deepEqual(verdict(rules, at(DAY.Mon, '20:00')).rulesObject, {})
  })

  test('reasons for an unknown action and for no match name the action', () => {
    const unknown = verdict(monitor3([{ ...ALL_DAY, action: 'snooze' }]), at(DAY.Mon, '10:00'))
    assert.equal(unknown.reason, 'monitor 3 rule 0 (snooze 00:00–23:59) has unknown action "snooze": allowed, as zmES does')
    const none = verdict(monitor3([{ ...NIGHT, action: 'mute' }, { ...NIGHT, action: 'critical_notify' }]), at(DAY.Mon, '10:00'))
    assert.equal(none.reason, 'monitor 3: no rule matched, the last one is critical_notify: allowed')
  })
})

describe('rules evaluation: time zones and DST', () => {
  const rules = monitor3([{ time_format: '%H:%M', from: '01:30', to: '03:30', action: 'mute' }])
  /* [zone, UTC instant, local wall time for the reader, matches] */
  const DST: Array<[string, string, string, boolean]> = [
    // Berlin, spring forward 2026-03-29 02:00 CET → 03:00 CEST (01:00 UTC)
    ['Europe/Berlin', '2026-03-29T00:29:00Z', '01:29 CET', false],
    ['Europe/Berlin', '2026-03-29T00:30:00Z', '01:30 CET', true],
    ['Europe/Berlin', '2026-03-29T00:59:00Z', '01:59 CET', true],
    ['Europe/Berlin', '2026-03-29T01:00:00Z', '03:00 CEST', true],
    ['Europe/Berlin', '2026-03-29T01:30:00Z', '03:30 CEST', true],
    ['Europe/Berlin', '2026-03-29T01:31:00Z', '03:31 CEST', false],
    // Berlin, fall back 2026-10-25 03:00 CEST → 02:00 CET (01:00 UTC)
    ['Europe/Berlin', '2026-10-24T23:29:00Z', '01:29 CEST', false],
    ['Europe/Berlin', '2026-10-24T23:30:00Z', '01:30 CEST', true],
    ['Europe/Berlin', '2026-10-25T00:30:00Z', '02:30 CEST', true],
    ['Europe/Berlin', '2026-10-25T01:30:00Z', '02:30 CET (again)', true],
    ['Europe/Berlin', '2026-10-25T02:30:00Z', '03:30 CET', true],
    ['Europe/Berlin', '2026-10-25T02:31:00Z', '03:31 CET', false],
    // New York, spring forward 2026-03-08 02:00 EST → 03:00 EDT (07:00 UTC)
    ['America/New_York', '2026-03-08T06:29:00Z', '01:29 EST', false],
    ['America/New_York', '2026-03-08T06:30:00Z', '01:30 EST', true],
    ['America/New_York', '2026-03-08T07:00:00Z', '03:00 EDT', true],
    ['America/New_York', '2026-03-08T07:30:00Z', '03:30 EDT', true],
    ['America/New_York', '2026-03-08T07:31:00Z', '03:31 EDT', false],
    // New York, fall back 2026-11-01 02:00 EDT → 01:00 EST (06:00 UTC)
    ['America/New_York', '2026-11-01T05:29:00Z', '01:29 EDT', false],
    ['America/New_York', '2026-11-01T05:30:00Z', '01:30 EDT', true],
    ['America/New_York', '2026-11-01T06:29:00Z', '01:29 EST (again)', false],
    ['America/New_York', '2026-11-01T06:30:00Z', '01:30 EST (again)', true],
    ['America/New_York', '2026-11-01T08:30:00Z', '03:30 EST', true],
    ['America/New_York', '2026-11-01T08:31:00Z', '03:31 EST', false]
  ]
  const zones = new Map<string, RulesTimeZone>()
  for (const [zone, instant, local, matches] of DST) {
    test(`01:30–03:30 in ${zone} at ${instant} (${local}) ${matches ? 'matches' : 'does not match'}`, () => {
      const tz = zones.get(zone) ?? new RulesTimeZone(zone)
      zones.set(zone, tz)
      assert.equal(verdict(rules, Date.parse(instant), 'x', tz).allowed, !matches)
    })
  }

  test('the weekday is the local one: Saturday 22:00 in New York is Sunday 03:00 UTC', () => {
    const saturdayNight = monitor3([{ time_format: '%H:%M', from: '21:00', to: '23:00', daysofweek: 'Sat', action: 'mute' }])
    const instant = Date.parse('2026-03-08T03:00:00Z')
    assert.equal(verdict(saturdayNight, instant, 'x', new RulesTimeZone('America/New_York')).allowed, false)
    assert.equal(verdict(saturdayNight, instant, 'x', UTC).allowed, true)
    assert.deepEqual(new RulesTimeZone('America/New_York').localTime(instant), { weekday: 'Sat', hour: 22, minute: 0, second: 0 })
  })

  test('no zone means the server\'s own zone', () => {
    assert.equal(new RulesTimeZone().name, Intl.DateTimeFormat().resolvedOptions().timeZone)
    assert.equal(new RulesTimeZone('').name, Intl.DateTimeFormat().resolvedOptions().timeZone)
  })

  test('an unknown zone is a configuration error naming the key and the value', () => {
    assert.throws(() => new RulesTimeZone('Mars/Olympus_Mons'), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'HRD_ERR_CONFIG_INVALID')
      assert.match(error.message, /customize\.timezone: "Mars\/Olympus_Mons" is not a time zone/)
      return true
    })
  })
})
