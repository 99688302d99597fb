import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync, renameSync, statSync, chmodSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { RULES_SETTING, RulesSource, type RulesSettingStore } from '../../../src/decision/rules/rules-source.js'

const SAMPLE = readFileSync(new URL('../../fixtures/rules/es_rules.json', import.meta.url), 'utf8')
const INVALID_SYNTAX = readFileSync(new URL('../../fixtures/rules/invalid-syntax.json', import.meta.url), 'utf8')
const ONE_RULE = JSON.stringify({ notifications: { monitors: { 3: { rules: [{ time_format: '%H:%M', from: '00:00', to: '23:59', action: 'mute' }] } } } })
/* 2026-01-05 22:00 UTC, a Monday: monitor 999 mutes people then. */
const MONDAY_NIGHT = Date.parse('2026-01-05T22:00:00Z')

interface LogLine { level: number, msg: string, [key: string]: unknown }

/** A pino logger whose lines land in `lines`, parsed. */
function capture (): { logger: pino.Logger, lines: LogLine[] } {
  const lines: LogLine[] = []
  const logger = pino({ level: 'debug' }, { write (s: string) { lines.push(JSON.parse(s) as LogLine) } })
  return { logger, lines }
}

class MemoryStore implements RulesSettingStore {
  readonly settings = new Map<string, string>()
  async getSetting (key: string): Promise<string | undefined> { return this.settings.get(key) }
  async setSetting (key: string, value: string): Promise<void> { this.settings.set(key, value) }
}

describe('RulesSource with a file', () => {
  let dir: string
  before(() => { dir = mkdtempSync(join(tmpdir(), 'herald-rules-')) })
  after(() => { rmSync(dir, { recursive: true, force: true }) })
  const fileIn = (name: string, text?: string): string => {
    const file = join(dir, name)
    if (text !== undefined) writeFileSync(file, text)
    return file
  }

  test('reads the file at start and judges alarms in the configured zone', async () => {
    const { logger, lines } = capture()
    const source = await RulesSource.open({ file: fileIn('start.json', SAMPLE), timeZone: 'UTC', logger, watch: false })
    try {
      assert.equal(source.kind, 'file')
      assert.equal(source.current().ruleCount, 3)
      assert.equal(source.text(), SAMPLE)
      assert.equal(source.evaluate({ monitorId: '999', cause: 'detected:person', at: MONDAY_NIGHT }).allowed, false)
      assert.ok(lines.some((l) => l.msg === 'rules loaded: 2 monitors, 3 rules'), JSON.stringify(lines))
    } finally {
      source.close()
    }
  })

  test('a missing file at start means no rules and a warning', async () => {
    const { logger, lines } = capture()
    const source = await RulesSource.open({ file: fileIn('absent.json'), logger, watch: false })
    assert.equal(source.current().ruleCount, 0)
    assert.equal(source.text(), undefined)
    assert.equal(source.evaluate({ monitorId: '999', cause: 'person', at: MONDAY_NIGHT }).allowed, true)
    assert.ok(lines.some((l) => l.level === 40 && l.msg.includes('does not exist')))
    source.close()
  })

  test('an invalid file at start stops Herald with the file, line and column', async () => {
    const file = fileIn('broken.json', INVALID_SYNTAX)
    await assert.rejects(RulesSource.open({ file, logger: capture().logger }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'HRD_ERR_CONFIG_INVALID')
      assert.match(error.message, new RegExp(`customize\\.es_rules: ${file.replace(/[\\.]/g, '\\$&')}: line 4, column \\d+: Unexpected token ']'`))
      return true
    })
  })

  test('an unknown time zone stops Herald before the file is read', async () => {
    await assert.rejects(RulesSource.open({ file: fileIn('tz.json', SAMPLE), timeZone: 'Europe/Atlantis', logger: capture().logger }), /customize\.timezone: "Europe\/Atlantis"/)
  })

  test('reload() swaps in a valid file, keeps the previous rules on an invalid one, and logs each once', async () => {
    const { logger, lines } = capture()
    const file = fileIn('reload.json', SAMPLE)
    const source = await RulesSource.open({ file, timeZone: 'UTC', logger, watch: false })
    try {
      lines.length = 0
      assert.equal(await source.reload(), 'unchanged')
      assert.equal(lines.length, 0)

      writeFileSync(file, ONE_RULE)
      assert.equal(await source.reload(), 'reloaded')
      assert.equal(source.current().ruleCount, 1)
      assert.deepEqual(lines.map((l) => [l.level, l.msg, l.monitors, l.rules]), [[30, 'rules reloaded: 1 monitors, 1 rules', 1, 1]])

      lines.length = 0
      writeFileSync(file, '{\n  "notifications": {"monitors": {"3": {"rules": [}}}\n}')
      assert.equal(await source.reload(), 'invalid')
      assert.equal(source.current().ruleCount, 1)
      assert.equal(source.text(), ONE_RULE)
      assert.equal(source.evaluate({ monitorId: '3', cause: 'x', at: MONDAY_NIGHT }).allowed, false)
      assert.equal(lines.length, 1)
      assert.equal(lines[0]?.level, 50)
      assert.equal(lines[0]?.msg, `rules not reloaded, keeping the previous ones: ${file}: line 2, column 50: Unexpected token '}'`)

      lines.length = 0
      writeFileSync(file, JSON.stringify({ notifications: { monitors: { 3: { rules: [{ from: '1 am', to: '2 am', cause_has: 'a++', action: 'mute' }] } } } }))
      assert.equal(await source.reload(), 'invalid')
      assert.match(lines[0]?.msg ?? '', /notifications\.monitors\.3\.rules\[0\]\.cause_has: a possessive quantifier/)

      unlinkSync(file)
      assert.equal(await source.reload(), 'missing')
      assert.equal(source.current().ruleCount, 0)
    } finally {
      source.close()
    }
  })

  test('reload() logs the warnings of a valid file on one line', async () => {
    const { logger, lines } = capture()
    const file = fileIn('warn.json', ONE_RULE)
    const source = await RulesSource.open({ file, logger, watch: false })
    lines.length = 0
    writeFileSync(file, JSON.stringify({ notifications: { monitors: { 3: { rules: [{ from: '1 am', action: 'snooze' }] } } } }))
    assert.equal(await source.reload(), 'reloaded')
    assert.equal(lines.length, 2)
    assert.match(lines[1]?.msg ?? '', /^rules: .*warn\.json: 2 warning\(s\): notifications\.monitors\.3\.rules\[0\]\.action: "snooze" is not mute or critical_notify.*; notifications\.monitors\.3\.rules\[0\]\.to: is missing/)
    source.close()
  })

  test('replace() writes the file atomically (same mode, no temp file left) and swaps the rules', async () => {
    const file = fileIn('replace.json', SAMPLE)
    chmodSync(file, 0o640)
    const source = await RulesSource.open({ file, logger: capture().logger, watch: false })
    try {
      const rules = await source.replace(ONE_RULE)
      assert.equal(rules.ruleCount, 1)
      assert.equal(source.current(), rules)
      assert.equal(readFileSync(file, 'utf8'), ONE_RULE)
      assert.equal(statSync(file).mode & 0o777, 0o640)
      assert.deepEqual(readdirSync(dir).filter((n) => n.includes('replace.json')), ['replace.json'])
      assert.equal(await source.reload(), 'unchanged')
    } finally {
      source.close()
    }
  })

  test('replace() refuses invalid rules with a ValidationError naming the path, and writes nothing', async () => {
    const file = fileIn('refuse.json', SAMPLE)
    const source = await RulesSource.open({ file, logger: capture().logger, watch: false })
    try {
      await assert.rejects(source.replace(JSON.stringify({ notifications: { monitors: { 3: { rules: [{ from: 'noon', action: 'mute' }] } } } })),
        (error: Error & { code?: string, fields?: unknown }) => {
          assert.equal(error.code, 'HRD_ERR_VALIDATION')
          assert.deepEqual(error.fields, [{ field: 'notifications.monitors.3.rules[0].from', message: 'cannot read "noon" with time_format "%I:%M %p": expected a number for %I at character 1' }])
          return true
        })
      await assert.rejects(source.replace('{"notifications":\n{]'), (error: Error & { fields?: unknown }) => {
        assert.deepEqual(error.fields, [{ field: 'body', message: 'line 2, column 2: Expected property name or \'}\'' }])
        return true
      })
      assert.equal(readFileSync(file, 'utf8'), SAMPLE)
      assert.equal(source.current().ruleCount, 3)
    } finally {
      source.close()
    }
  })

  test('the watcher picks up a file replaced by rename (as editors save) without a restart', async () => {
    const { logger, lines } = capture()
    const file = fileIn('watched.json', SAMPLE)
    const source = await RulesSource.open({ file, logger, pollIntervalMs: 50, debounceMs: 20 })
    try {
      const temp = join(dir, 'watched.json.swp')
      writeFileSync(temp, ONE_RULE)
      renameSync(temp, file)
      const deadline = Date.now() + 3000
      while (source.current().ruleCount !== 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
      assert.equal(source.current().ruleCount, 1)
      assert.equal(lines.filter((l) => l.msg === 'rules reloaded: 1 monitors, 1 rules').length, 1)
    } finally {
      source.close()
    }
    assert.equal(await source.reload(), 'closed')
  })
})

describe('RulesSource.prepareSwitch (escontrol restart of es_rules and timezone)', () => {
  let dir: string
  before(() => { dir = mkdtempSync(join(tmpdir(), 'herald-rules-switch-')) })
  after(() => { rmSync(dir, { recursive: true, force: true }) })
  const fileIn = (name: string, text: string): string => {
    const file = join(dir, name)
    writeFileSync(file, text)
    return file
  }

  test('checks the new file first, switches only when told, then follows the new file', async () => {
    const { logger } = capture()
    const old = fileIn('old.json', SAMPLE)
    const next = fileIn('next.json', ONE_RULE)
    const source = await RulesSource.open({ file: old, timeZone: 'UTC', logger, watch: false })
    try {
      const commit = await source.prepareSwitch({ file: next, timeZone: 'UTC' })
      assert.equal(source.file, old, 'nothing changes before the switch')
      assert.equal(source.evaluate({ monitorId: '3', cause: 'x', at: MONDAY_NIGHT }).allowed, true)
      commit?.()
      assert.equal(source.file, next)
      assert.equal(source.text(), ONE_RULE)
      assert.equal(source.evaluate({ monitorId: '3', cause: 'x', at: MONDAY_NIGHT }).allowed, false)
      writeFileSync(old, ONE_RULE.replace('"3"', '"4"'))
      assert.equal(await source.reload(), 'unchanged', 'the old file is no longer read')
      assert.equal(await source.prepareSwitch({ file: next, timeZone: 'UTC' }), undefined, 'nothing to switch')
    } finally {
      source.close()
    }
  })

  test('an invalid new file or an unknown zone throws HRD_ERR_CONFIG_INVALID and changes nothing', async () => {
    const { logger } = capture()
    const source = await RulesSource.open({ file: fileIn('keep.json', SAMPLE), timeZone: 'UTC', logger, watch: false })
    try {
      await assert.rejects(source.prepareSwitch({ file: fileIn('bad.json', INVALID_SYNTAX), timeZone: 'UTC' }), /customize\.es_rules: .*line 4/)
      await assert.rejects(source.prepareSwitch({ file: source.file, timeZone: 'Europe/Atlantis' }), /customize\.timezone: "Europe\/Atlantis"/)
      assert.equal(source.current().ruleCount, 3)
      assert.equal(source.timeZone.name, 'UTC')
    } finally {
      source.close()
    }
  })

  test('a new zone alone changes when the time windows hold; moving to the store reads the stored rules', async () => {
    const { logger } = capture()
    const store = new MemoryStore()
    store.settings.set(RULES_SETTING, ONE_RULE.replace('"3"', '"5"'))
    // A 21:00–23:00 mute: 22:00 UTC is inside it, 07:00 in Tokyo is not.
    const night = JSON.stringify({ notifications: { monitors: { 3: { rules: [{ time_format: '%H:%M', from: '21:00', to: '23:00', action: 'mute' }] } } } })
    const source = await RulesSource.open({ file: fileIn('night.json', night), timeZone: 'UTC', logger, store, watch: false })
    try {
      assert.equal(source.evaluate({ monitorId: '3', cause: 'x', at: MONDAY_NIGHT }).allowed, false)
      ;(await source.prepareSwitch({ file: source.file, timeZone: 'Asia/Tokyo' }))?.()
      assert.equal(source.timeZone.name, 'Asia/Tokyo')
      assert.equal(source.evaluate({ monitorId: '3', cause: 'x', at: MONDAY_NIGHT }).allowed, true)
      ;(await source.prepareSwitch({ file: undefined, timeZone: 'Asia/Tokyo' }))?.()
      assert.equal(source.kind, 'store')
      assert.equal(source.evaluate({ monitorId: '5', cause: 'x', at: MONDAY_NIGHT }).allowed, false)
    } finally {
      source.close()
    }
  })
})

describe('RulesSource without a file (rules in the store)', () => {
  test('starts from the stored text and saves replacements there', async () => {
    const store = new MemoryStore()
    store.settings.set(RULES_SETTING, SAMPLE)
    const source = await RulesSource.open({ store, logger: capture().logger })
    assert.equal(source.kind, 'store')
    assert.equal(source.file, undefined)
    assert.equal(source.current().ruleCount, 3)
    await source.replace(ONE_RULE)
    assert.equal(store.settings.get(RULES_SETTING), ONE_RULE)
    assert.equal(source.current().ruleCount, 1)
    source.close()
  })

  test('nothing stored means no rules', async () => {
    const source = await RulesSource.open({ store: new MemoryStore(), logger: capture().logger })
    assert.equal(source.current().monitorCount, 0)
    assert.equal(source.evaluate({ monitorId: '1', cause: 'x', at: 0 }).reason, 'monitor 1 has no rules: allowed')
  })

  test('stored rules a newer check refuses do not stop Herald: no rules, an error log, and the API can replace them', async () => {
    const { logger, lines } = capture()
    const store = new MemoryStore()
    store.settings.set(RULES_SETTING, INVALID_SYNTAX)
    const source = await RulesSource.open({ store, logger })
    assert.equal(source.current().ruleCount, 0)
    assert.equal(source.text(), INVALID_SYNTAX)
    assert.ok(lines.some((l) => l.level === 50 && l.msg.includes('line 4, column')))
    await source.replace(ONE_RULE)
    assert.equal(source.current().ruleCount, 1)
  })

  test('needs a file or a store', async () => {
    await assert.rejects(RulesSource.open({ logger: capture().logger }), /needs a file or a store/)
  })
})
