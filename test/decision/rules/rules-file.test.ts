import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { MAX_RULES, parseRules, type CompiledRules, type RulesProblem } from '../../../src/decision/rules/rules-file.js'
import { firstBadOffset } from '../../../src/decision/rules/json-position.js'

const FIXTURES = new URL('../../fixtures/rules/', import.meta.url)
const fixture = (name: string): string => readFileSync(new URL(name, FIXTURES), 'utf8')

function ok (text: string): CompiledRules {
  const result = parseRules(text, 'es_rules.json')
  assert.ok(result.ok, result.ok ? '' : result.message)
  return result.rules
}

function problems (text: string): readonly RulesProblem[] {
  const result = parseRules(text, 'es_rules.json')
  assert.equal(result.ok, false, 'should be refused')
  return result.ok ? [] : result.problems
}

/** A one-monitor file (monitor 3) holding `rules`. */
function rulesFile (rules: unknown): string {
  return JSON.stringify({ notifications: { monitors: { 3: { rules } } } })
}

const RULE = { from: '1 am', to: '2 am', action: 'mute' }

describe('es_rules.json: reading', () => {
  test('the zmES sample reads as 2 monitors with 3 rules, comments ignored, no warnings', () => {
    const rules = ok(fixture('es_rules.json'))
    assert.equal(rules.monitorCount, 2)
    assert.equal(rules.ruleCount, 3)
    assert.deepEqual(rules.warnings, [])
    const night = rules.monitors.get('999')?.[0]
    assert.equal(night?.summary, 'mute 21:30–01:00 Mon,Tue,Wed cause~/person/')
    assert.deepEqual([night?.fromKey, night?.toKey], [21 * 3600 + 30 * 60, 3600])
    assert.equal(rules.monitors.get('998')?.[0]?.summary, 'mute 17:00–07:00')
    assert.equal((rules.document as { comment1: string }).comment1, 'zmES sample (§7), with comments at every level')
  })

  test('an empty object is valid and has no rules (with a warning)', () => {
    const rules = ok('{}')
    assert.equal(rules.monitorCount, 0)
    assert.deepEqual(rules.warnings.map((w) => w.path), ['notifications.monitors'])
  })

  test('a byte order mark (Windows editors) is ignored', () => {
    assert.equal(ok(`\uFEFF${rulesFile([RULE])}`).ruleCount, 1)
  })

  test('monitor ids are kept as written, keys that are not simple get a bracketed path', () => {
    const result = parseRules(JSON.stringify({ notifications: { monitors: { 'front door': { rules: 5 } } } }), 'x')
    assert.equal(result.ok ? '' : result.problems[0]?.path, 'notifications.monitors["front door"].rules')
  })
})

describe('es_rules.json: JSON syntax errors give line and column', () => {
  /* [text, line, column, part of the message] */
  const SYNTAX: Array<[string, number, number, string]> = [
    ['{"a":}', 1, 6, "Unexpected token '}'"],
    ['{"a":1,}', 1, 8, 'Expected double-quoted property name'],
    ['{\n  "a": 1\n  "b": 2\n}', 3, 3, "Expected ',' or '}' after property value"],
    ['{\n  "a": tru\n}', 2, 11, "Unexpected token"],
    ['{"a": "x', 1, 9, 'Unterminated string'],
    ['', 1, 1, 'Unexpected end of JSON input'],
    ['{"a":1} x', 1, 9, 'Unexpected non-whitespace character after JSON'],
    ["{'a':1}", 1, 2, 'Expected property name'],
    ['{\r\n"a":\r\n}', 3, 1, "Unexpected token '}'"]
  ]
  for (const [text, line, column, message] of SYNTAX) {
    test(`${JSON.stringify(text)} fails at line ${line}, column ${column}`, () => {
      const [p] = problems(text)
      assert.equal(p?.line, line, JSON.stringify(p))
      assert.equal(p?.column, column, JSON.stringify(p))
      assert.ok(p?.message.includes(message), p?.message)
      assert.ok(!(p?.message.includes('is not valid JSON') ?? true), p?.message)
    })
  }

  test('the fixture with a trailing comma is refused at the comma\'s bracket, with the file name', () => {
    const text = fixture('invalid-syntax.json')
    const result = parseRules(text, '/etc/zm/es_rules.json')
    assert.equal(result.ok, false)
    const column = (text.split('\n')[3] ?? '').indexOf('] }') + 1
    assert.equal(result.ok ? '' : result.message, `/etc/zm/es_rules.json: line 4, column ${column}: Unexpected token ']'`)
  })

  test('the scanner finds the first bad character of texts V8 gives no position for', () => {
    assert.equal(firstBadOffset('[1, 2, }'), 7)
    assert.equal(firstBadOffset('{"a": [true, fals ]}'), 17)
    assert.equal(firstBadOffset('{"a": "\\x"}'), 8)
    assert.equal(firstBadOffset('[' + '['.repeat(100_000)), 100_001)
  })
})

describe('es_rules.json: shape errors name the JSON path', () => {
  /* [what, file text, path] */
  const SHAPES: Array<[string, string, string]> = [
    ['a list at the top', '[]', ''],
    ['a string at the top', '"rules"', ''],
    ['notifications as a list', '{"notifications":[]}', 'notifications'],
    ['monitors as a number', '{"notifications":{"monitors":5}}', 'notifications.monitors'],
    ['a monitor entry that is a string', '{"notifications":{"monitors":{"3":"mute"}}}', 'notifications.monitors.3'],
    ['rules missing', '{"notifications":{"monitors":{"3":{}}}}', 'notifications.monitors.3.rules'],
    ['rules as an object', rulesFile({ 0: RULE }), 'notifications.monitors.3.rules'],
    ['a rule that is a string', rulesFile([RULE, 'mute']), 'notifications.monitors.3.rules[1]'],
    ['from as a number', rulesFile([{ ...RULE, from: 1 }]), 'notifications.monitors.3.rules[0].from'],
    ['to as null', rulesFile([{ ...RULE, to: null }]), 'notifications.monitors.3.rules[0].to'],
    ['action as a list', rulesFile([{ ...RULE, action: ['mute'] }]), 'notifications.monitors.3.rules[0].action'],
    ['daysofweek as a list', rulesFile([{ ...RULE, daysofweek: ['Mon'] }]), 'notifications.monitors.3.rules[0].daysofweek'],
    ['cause_has as a boolean', rulesFile([{ ...RULE, cause_has: true }]), 'notifications.monitors.3.rules[0].cause_has'],
    ['an unparseable from', rulesFile([{ ...RULE, from: 'nine pm' }]), 'notifications.monitors.3.rules[0].from'],
    ['a to out of range', rulesFile([{ ...RULE, time_format: '%H:%M', to: '24:00' }]), 'notifications.monitors.3.rules[0].to'],
    ['an unsupported time_format', rulesFile([{ ...RULE, time_format: '%H:%Q' }]), 'notifications.monitors.3.rules[0].time_format'],
    ['an invalid regex', rulesFile([{ ...RULE, cause_has: '(person' }]), 'notifications.monitors.3.rules[0].cause_has'],
    ['a ReDoS-prone regex', rulesFile([{ ...RULE, cause_has: '(a+)+$' }]), 'notifications.monitors.3.rules[0].cause_has'],
    ['a backreference', rulesFile([{ ...RULE, cause_has: '(a)\\1' }]), 'notifications.monitors.3.rules[0].cause_has'],
    ['a Perl-only feature', rulesFile([{ ...RULE, cause_has: 'a++' }]), 'notifications.monitors.3.rules[0].cause_has'],
    ['nesting 40 levels deep in a comment', JSON.stringify({ comment: JSON.parse('['.repeat(40) + ']'.repeat(40)) }), `comment${'.0'.repeat(31)}`]
  ]
  for (const [what, text, path] of SHAPES) {
    test(`${what} is refused at ${path === '' ? 'the top' : path}`, () => {
      assert.deepEqual(problems(text).map((p) => p.path), [path])
    })
  }

  test('the message of a bad regex says what is wrong', () => {
    const result = parseRules(rulesFile([{ ...RULE, cause_has: '(person' }]), 'es_rules.json')
    assert.equal(result.ok ? '' : result.message, 'es_rules.json: notifications.monitors.3.rules[0].cause_has: invalid regular expression: Unterminated group')
  })

  test('every problem of the file is reported at once', () => {
    const result = parseRules(fixture('invalid-shape.json'), 'es_rules.json')
    assert.equal(result.ok, false)
    assert.deepEqual(result.ok ? [] : result.problems.map((p) => p.path), [
      'notifications.monitors.999.rules[1].cause_has',
      'notifications.monitors.999.rules[2].from',
      'notifications.monitors.999.rules[2].to'
    ])
    assert.match(result.ok ? '' : result.message, /rules\[2\]\.from: cannot read "25:00" with time_format "%H:%M": %H must be 0–23, got 25 at character 1/)
  })

  test('a file over 1 MiB is refused before it is parsed', () => {
    const text = `{"comment":"${'x'.repeat(1024 * 1024)}"}`
    const [p] = problems(text)
    assert.match(p?.message ?? '', /^is 1048590 bytes; the limit is 1048576/)
  })

  test(`more than ${MAX_RULES} rules are refused`, () => {
    const rule = { from: '1 am', to: '2 am', action: 'mute' }
    const text = JSON.stringify({ notifications: { monitors: { 1: { rules: Array(6000).fill(rule) }, 2: { rules: Array(4001).fill(rule) } } } })
    const [p] = problems(text)
    assert.equal(p?.path, 'notifications.monitors.2.rules')
    assert.match(p?.message ?? '', /above the limit of 10000/)
    assert.equal(ok(JSON.stringify({ notifications: { monitors: { 1: { rules: Array(MAX_RULES).fill(rule) } } } })).ruleCount, MAX_RULES)
  })
})

describe('es_rules.json: warnings for what zmES accepts but is likely a mistake', () => {
  /* [what, rules of monitor 3, path of the warning, part of the message] */
  const WARNINGS: Array<[string, unknown[], string, string]> = [
    ['an unknown action', [{ ...RULE, action: 'snooze' }], 'rules[0].action', '"snooze" is not mute or critical_notify'],
    ['a missing action', [{ from: '1 am', to: '2 am' }], 'rules[0].action', 'is missing'],
    ['a missing to', [{ from: '9 pm', action: 'mute' }], 'rules[0].to', 'counts as 00:00'],
    ['a missing from', [{ to: '2 am', action: 'mute' }], 'rules[0].from', 'counts as 00:00'],
    ['an empty list', [], 'rules', 'allows every event of this monitor'],
    ['lower-case days', [{ ...RULE, daysofweek: 'mon,Tue' }], 'rules[0].daysofweek', 'write Mon'],
    ['days that name no weekday', [{ ...RULE, daysofweek: 'weekends' }], 'rules[0].daysofweek', 'the rule never matches'],
    ['garbage after a time', [{ ...RULE, time_format: '%H:%M', from: '9:30 pm', to: '22:00' }], 'rules[0].from', '" pm" at the end of "9:30 pm" is ignored']
  ]
  for (const [what, rules, path, message] of WARNINGS) {
    test(`${what} is accepted with a warning at ${path}`, () => {
      const compiled = ok(rulesFile(rules))
      assert.deepEqual(compiled.warnings.map((w) => w.path), [`notifications.monitors.3.${path}`])
      assert.ok(compiled.warnings[0]?.message.includes(message), compiled.warnings[0]?.message)
    })
  }

  test('"Monday" names Mon and gives no warning (zmES tests a substring)', () => {
    assert.deepEqual(ok(rulesFile([{ ...RULE, daysofweek: 'Monday' }])).warnings, [])
  })
})
