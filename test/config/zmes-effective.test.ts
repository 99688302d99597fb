import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readEffectiveZmes, settleOverrides } from '../../src/config/zmes/effective.js'
import { ZMES_DEFAULTS } from '../../src/config/zmes/zmes-schema.js'
import { loadText } from '../fixtures/zmes/fixture.js'

/* The effective zmES settings: the file, then the stored escontrol overrides, overrides winning. */

const overrides = (entries: Record<string, string>): Map<string, string> => new Map(Object.entries(entries))

describe('readEffectiveZmes', () => {
  it('puts overrides on top of the file, for the options read only at start as for the others', () => {
    const settings = loadText('[customize]\nes_rules = /etc/zm/es_rules.json\ntimezone = UTC\n[hook]\nmax_parallel_hooks = 4\n')
    const { config, problems } = readEffectiveZmes(ZMES_DEFAULTS, settings, overrides({
      es_rules: '/tmp/x/rules.json', 'customize.timezone': 'Asia/Tokyo', max_parallel_hooks: '1', 'fcm.token_file': '/tmp/x/tokens.txt'
    }))
    assert.deepEqual(problems, [])
    assert.equal(config.customize.es_rules, '/tmp/x/rules.json')
    assert.equal(config.customize.timezone, 'Asia/Tokyo')
    assert.equal(config.hook.max_parallel_hooks, 1)
    assert.equal(config.fcm.token_file, '/tmp/x/tokens.txt')
  })

  it('refuses an overriding time zone the system does not know, named as escontrol edit reports it', () => {
    const { problems } = readEffectiveZmes(ZMES_DEFAULTS, undefined, overrides({ timezone: 'Mars/Olympus_Mons' }))
    assert.equal(problems.length, 1)
    assert.equal(problems[0]?.field, '[customize] timezone (escontrol override)')
    assert.match(problems[0]?.message ?? '', /"Mars\/Olympus_Mons" is not a time zone/)
  })

  it('parses overrides onto a config built in code (no settings file)', () => {
    const { config, sslExplicit } = readEffectiveZmes(ZMES_DEFAULTS, undefined, overrides({ 'hook.hook_timeout': '5', use_hooks: 'yes' }))
    assert.equal(config.hook.hook_timeout, 5)
    assert.equal(config.customize.use_hooks, true)
    assert.equal(sslExplicit, true)
  })
})

describe('settleOverrides', () => {
  it('leaves out each stored override that does not read, keeps the rest, and says which and why', () => {
    const settings = loadText('[auth]\ntimeout = 30\n[customize]\ntimezone = UTC\n')
    const read = (o: ReadonlyMap<string, string>) => readEffectiveZmes(ZMES_DEFAULTS, settings, o)
    const { readout, dropped } = settleOverrides(read, overrides({ 'auth.timeout': 'soon', timezone: 'Mars/Olympus_Mons', max_queued_hooks: '3' }))
    assert.deepEqual(readout.problems, [])
    assert.equal(readout.config.auth.timeout, 30, 'the file\'s value, not the built-in default')
    assert.equal(readout.config.customize.timezone, 'UTC')
    assert.equal(readout.config.hook.max_queued_hooks, 3)
    assert.deepEqual(dropped.map((d) => d.name).sort(), ['auth.timeout', 'timezone'])
  })

  it('keeps the file\'s own problems: they are not an override\'s to drop', () => {
    const settings = loadText('[auth]\ntimeout = never\n')
    const { readout, dropped } = settleOverrides((o) => readEffectiveZmes(ZMES_DEFAULTS, settings, o), overrides({}))
    assert.equal(dropped.length, 0)
    assert.equal(readout.problems.length, 1)
  })
})
