import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { loadSettings } from '../../src/config/load.js'
import { readZmesConfig } from '../../src/config/zmes/read-zmes.js'
import { ConfigError, type FieldProblem } from '../../src/errors.js'
import { loadText } from '../fixtures/zmes/fixture.js'

/*
 * Durations that end up in a timer have an upper bound: Node fires a timer longer than 2^31−1 ms
 * after 1 ms, so an unbounded "wait a long time" became "do it at once" (every zmNinja client
 * refused with NOAUTH, a retry timer firing every millisecond, a grace period no Date can hold).
 */

function problemsOf (load: () => unknown): readonly FieldProblem[] {
  try {
    load()
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`)
    return error.problems
  }
  assert.fail('expected a ConfigError')
}

describe('bounded durations in Herald\'s settings', () => {
  it('[webhooks] max_retry_delay above a day is refused, naming the key and its line', () => {
    assert.deepEqual(problemsOf(() => loadText('[webhooks]\nmax_retry_delay = 3000000\n')), [
      { field: '[webhooks] max_retry_delay (zmeventnotification.ini:2)', message: 'must be a number greater than 0 and at most 86400, got "3000000"' }
    ])
    assert.equal(loadText('[webhooks]\nmax_retry_delay = 86400\n').config.webhooks.max_retry_delay, 86_400)
  })

  it('[webhooks] secret_grace_period above 7 days is refused, from the file and from the environment', () => {
    assert.deepEqual(problemsOf(() => loadText('[webhooks]\nsecret_grace_period = 100000000000000\n')), [
      { field: '[webhooks] secret_grace_period (zmeventnotification.ini:2)', message: 'must be an integer from 0 to 604800, got "100000000000000"' }
    ])
    assert.deepEqual(problemsOf(() => loadSettings({ env: { HERALD_WEBHOOKS_SECRET_GRACE_PERIOD: '604801' } })), [
      { field: 'env HERALD_WEBHOOKS_SECRET_GRACE_PERIOD', message: 'must be an integer from 0 to 604800, got "604801"' }
    ])
    assert.equal(loadText('[webhooks]\nsecret_grace_period = 604800\n').config.webhooks.secret_grace_period, 604_800)
  })
})

describe('bounded durations in zmeventnotification.ini', () => {
  it('[auth] timeout above a day is a problem naming the key; a day is accepted', () => {
    const bad = readZmesConfig(loadText('[auth]\ntimeout = 2147484\n'))
    assert.deepEqual(bad.problems, [
      { field: '[auth] timeout (zmeventnotification.ini:2)', message: 'must be an integer from 1 to 86400, got "2147484"' }
    ])
    assert.equal(bad.config.auth.timeout, 20, 'the built-in default stands in the effective settings')
    const ok = readZmesConfig(loadText('[auth]\ntimeout = 86400\n'))
    assert.deepEqual(ok.problems, [])
    assert.equal(ok.config.auth.timeout, 86_400)
  })

  it('[mqtt] tick_interval beyond MQTT\'s 16-bit keep-alive is a problem naming the key', () => {
    const bad = readZmesConfig(loadText('[mqtt]\ntick_interval = 70000\n'))
    assert.deepEqual(bad.problems, [
      { field: '[mqtt] tick_interval (zmeventnotification.ini:2)', message: 'must be an integer from 1 to 65535, got "70000"' }
    ])
    assert.equal(readZmesConfig(loadText('[mqtt]\ntick_interval = 65535\n')).config.mqtt.tick_interval, 65_535)
  })
})
