import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { pino } from 'pino'
import { ConfigError } from '../../../src/errors.js'
import { MqttChannel, clientOptions, resolveMqttSettings, type MqttSettings } from '../../../src/channels/mqtt/index.js'
import type { ZmesMqtt } from '../../../src/config/zmes/zmes-schema.js'
import { ManualClock } from '../../helpers/manual-clock.js'
import { zmesConfig } from './support.js'

/*
 * `[mqtt]` as Herald reads it at start (spec §5.2, quirk 13): no broker is needed, files are read
 * through a fake.
 */

const FILES: Record<string, string> = { '/etc/mqtt/ca.pem': 'CA PEM', '/etc/mqtt/client.pem': 'CERT PEM', '/etc/mqtt/client.key': 'KEY PEM' }
function readFile (file: string): Buffer {
  const text = FILES[file]
  if (text === undefined) throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' })
  return Buffer.from(text)
}

function mqtt (values: Partial<ZmesMqtt>): ZmesMqtt {
  return zmesConfig({ mqtt: { enable: true, ...values } }).mqtt
}

function resolve (values: Partial<ZmesMqtt>): { settings: MqttSettings, warnings: readonly string[] } {
  return resolveMqttSettings(mqtt(values), readFile)
}

function problems (values: Partial<ZmesMqtt>): Array<{ field: string, message: string }> {
  try {
    resolve(values)
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`)
    assert.equal(err.code, 'HRD_ERR_CONFIG_INVALID')
    return [...err.problems]
  }
  assert.fail('the configuration was accepted')
}

const tuning = { clientId: 'herald-test', reconnectPeriodMs: 2000, connectTimeoutMs: 10_000 }

describe('the broker address', () => {
  test('zmES defaults: 127.0.0.1 on 1883, plain, no login, keep-alive = tick_interval (15 s), QoS 1', () => {
    const { settings, warnings } = resolve({})
    assert.deepEqual(warnings, [])
    assert.equal(settings.host, '127.0.0.1')
    assert.equal(settings.port, 1883)
    assert.equal(settings.tls, null)
    assert.equal(settings.login, null)
    const o = clientOptions(settings, tuning)
    assert.equal(o.protocol, 'mqtt')
    assert.equal(o.keepalive, 15)
    assert.equal(o.username, undefined)
    assert.equal(o.password, undefined)
    assert.equal(o.queueQoSZero, false, 'nothing waits inside mqtt.js while offline')
    assert.equal(settings.qos, 1)
  })

  test('host:port, [v6]:port and a bare IPv6 literal', () => {
    assert.deepEqual(pick(resolve({ server: 'broker.lan:1884' }).settings), ['broker.lan', 1884])
    assert.deepEqual(pick(resolve({ server: '[::1]:1885' }).settings), ['::1', 1885])
    assert.deepEqual(pick(resolve({ server: '::1' }).settings), ['::1', 1883])
    assert.deepEqual(pick(resolve({ server: '[fd00::5]' }).settings), ['fd00::5', 1883])
  })

  test("Herald's port applies when server has none; a port in server wins, with a warning", () => {
    assert.deepEqual(pick(resolve({ server: 'broker.lan', port: 2883 }).settings), ['broker.lan', 2883])
    const { settings, warnings } = resolve({ server: 'broker.lan:1884', port: 2883 })
    assert.deepEqual(pick(settings), ['broker.lan', 1884])
    assert.match(warnings.join('\n'), /\[mqtt\] port 2883 is ignored/)
  })

  test('the Last Will is <herald_topic>/available = offline, retained; no will when herald_topic is empty', () => {
    const o = clientOptions(resolve({ herald_topic: 'home/herald' }).settings, tuning)
    assert.deepEqual(o.will, { topic: 'home/herald/available', payload: Buffer.from('offline'), qos: 1, retain: true })
    assert.equal(clientOptions(resolve({ herald_topic: '' }).settings, tuning).will, undefined)
  })
})

describe('login and TLS', () => {
  test('a CA alone switches TLS on, on port 8883, without asking for a username (quirk 13 fixed)', () => {
    const { settings, warnings } = resolve({ tls_ca: '/etc/mqtt/ca.pem' })
    assert.deepEqual(warnings, [])
    const o = clientOptions(settings, tuning)
    assert.equal(o.protocol, 'mqtts')
    assert.equal(o.port, 8883)
    assert.equal(o.ca?.toString(), 'CA PEM')
    assert.equal(o.rejectUnauthorized, true)
    assert.equal(o.cert, undefined)
    assert.equal(o.key, undefined)
    assert.equal(o.username, undefined)
    assert.equal(o.password, undefined)
  })

  test('tls_insecure turns peer verification off', () => {
    const o = clientOptions(resolve({ tls_ca: '/etc/mqtt/ca.pem', tls_insecure: true }).settings, tuning)
    assert.equal(o.rejectUnauthorized, false)
  })

  test('a client certificate and key give mutual TLS, also without a CA (system CAs check the broker)', () => {
    const o = clientOptions(resolve({ tls_cert: '/etc/mqtt/client.pem', tls_key: '/etc/mqtt/client.key', server: 'broker.lan' }).settings, tuning)
    assert.equal(o.protocol, 'mqtts')
    assert.equal(o.cert?.toString(), 'CERT PEM')
    assert.equal(String(o.key), 'KEY PEM')
    assert.equal(o.ca, undefined)
  })

  test('username and password both set log in, with or without TLS', () => {
    const plain = clientOptions(resolve({ username: 'zm', password: 's3cret' }).settings, tuning)
    assert.equal(plain.username, 'zm')
    assert.equal(plain.password, 's3cret')
    const tls = clientOptions(resolve({ username: 'zm', password: 's3cret', tls_ca: '/etc/mqtt/ca.pem' }).settings, tuning)
    assert.equal(tls.protocol, 'mqtts')
    assert.equal(tls.username, 'zm')
  })

  test('a username without a password (or the reverse) connects without a login, as zmES, and warns', () => {
    const user = resolve({ username: 'zm' })
    assert.equal(user.settings.login, null)
    assert.match(user.warnings.join('\n'), /\[mqtt\] username is set but password is not/)
    const pass = resolve({ password: 's3cret' })
    assert.equal(pass.settings.login, null)
    assert.match(pass.warnings.join('\n'), /\[mqtt\] password is set but username is not/)
    assert.doesNotMatch(pass.warnings.join('\n'), /s3cret/, 'the password never appears in a warning')
  })

  test('tls_insecure without TLS warns that it does nothing', () => {
    assert.match(resolve({ tls_insecure: true }).warnings.join('\n'), /tls_insecure has no effect/)
  })
})

describe('bad configuration is refused at start', () => {
  test('a server that is a URL, has a bad port or is empty', () => {
    assert.deepEqual(problems({ server: 'mqtt://broker.lan:1883' }).map((p) => p.field), ['[mqtt] server'])
    assert.match(problems({ server: 'mqtt://broker.lan:1883' })[0]?.message ?? '', /not a URL/)
    assert.match(problems({ server: 'broker.lan:99999' })[0]?.message ?? '', /port must be 1 to 65535/)
    assert.match(problems({ server: 'broker.lan:abc' })[0]?.message ?? '', /port must be 1 to 65535/)
    assert.match(problems({ server: '  ' })[0]?.message ?? '', /is empty/)
    assert.match(problems({ server: 'bro ker' })[0]?.message ?? '', /is not host or host:port/)
  })

  test('an unreadable CA, certificate or key names the key and the file', () => {
    const found = problems({ tls_ca: '/nope/ca.pem', tls_cert: '/nope/c.pem', tls_key: '/nope/k.pem' })
    assert.deepEqual(found.map((p) => p.field), ['[mqtt] tls_ca', '[mqtt] tls_cert', '[mqtt] tls_key'])
    assert.equal(found[0]?.message, 'cannot read /nope/ca.pem: file does not exist')
  })

  test('a certificate without its key, and a key without its certificate', () => {
    assert.deepEqual(problems({ tls_cert: '/etc/mqtt/client.pem' }), [{ field: '[mqtt] tls_cert', message: 'is set but tls_key is not; a client certificate needs both' }])
    assert.deepEqual(problems({ tls_key: '/etc/mqtt/client.key' }), [{ field: '[mqtt] tls_key', message: 'is set but tls_cert is not; a client certificate needs both' }])
  })

  test('a topic or herald_topic with an MQTT wildcard', () => {
    assert.deepEqual(problems({ topic: 'zm/#', herald_topic: 'h/+' }).map((p) => p.field), ['[mqtt] topic', '[mqtt] herald_topic'])
  })

  test('every problem is reported at once, and the channel constructor throws it with a readable message', () => {
    const config = zmesConfig({ mqtt: { enable: true, server: 'x:0', tls_cert: '/nope/c.pem' } })
    assert.throws(() => new MqttChannel({ config: () => config, clock: new ManualClock(), logger: pino({ level: 'silent' }) }), (err: unknown) => {
      assert.ok(err instanceof ConfigError)
      assert.match(err.message, /\[mqtt\] server: port must be 1 to 65535, got "0"/)
      assert.match(err.message, /\[mqtt\] tls_cert: is set but tls_key is not/)
      return true
    })
  })

  test('nothing is checked while [mqtt] enable is off, as zmES does not read the section then', () => {
    const { settings } = resolveMqttSettings(zmesConfig({ mqtt: { enable: false, server: 'mqtt://x', tls_ca: '/nope' } }).mqtt, readFile)
    assert.equal(settings.enable, false)
  })
})

function pick (s: MqttSettings): [string, number] {
  return [s.host, s.port]
}
