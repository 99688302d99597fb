import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describeEffective } from '../../src/config/zmes/describe.js'
import { ignoredOptionLines } from '../../src/config/zmes/option-status.js'
import { readZmesConfig } from '../../src/config/zmes/read-zmes.js'
import type { LoadedSettings } from '../../src/config/load.js'
import { FIXTURE_INI, loadFixture, loadText } from '../fixtures/zmes/fixture.js'

function checkConfig (settings: LoadedSettings, overrides?: ReadonlyMap<string, string>): string {
  const read = readZmesConfig(settings, overrides)
  const ignored = [...read.ignored, ...ignoredOptionLines(settings, read.config)]
  return describeEffective(settings, read.config, read.problems, ignored, { warnings: read.warnings, overrides })
}

/** The line of `key` in the block of `[section]`. */
function lineOf (text: string, section: string, key: string): string {
  const start = text.indexOf(`\n[${section}]\n`)
  assert.ok(start >= 0, `section [${section}] is printed`)
  const line = text.slice(start + 1).split('\n').find((l) => l.trimStart().startsWith(`${key} `))
  assert.ok(line !== undefined, `[${section}] ${key} is printed`)
  return line
}

const SECRETS = readFileSync(new URL('../fixtures/zmes/secrets.ini', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => /^[A-Z_]+=/.test(l))
  .map((l) => l.slice(l.indexOf('=') + 1))

describe('describeEffective', () => {
  it('prints no secret value of the fixture, only their names', () => {
    const text = checkConfig(loadFixture())
    for (const secret of SECRETS) assert.ok(!text.includes(secret), `secret ${JSON.stringify(secret)} is masked`)
    assert.match(lineOf(text, 'ssl', 'cert'), /= \*{8} +\(zmeventnotification\.ini:149, !ES_CERT_FILE\)$/)
    assert.match(lineOf(text, 'mqtt', 'username'), /= \*{8} .*!MQTT_USERNAME\)$/)
  })

  it('masks credentials by key name even when they are written in the file', () => {
    const text = checkConfig(loadFixture())
    for (const literal of ['eyJhbGciOiJIUzI1NiJ9', 'AAAAlegacy', 'mqtt-client.key']) {
      assert.ok(!text.includes(literal), `${literal} is masked`)
    }
    assert.match(lineOf(text, 'fcm', 'fcm_v1_key'), /= \*{8}/)
    assert.match(lineOf(text, 'general', 'escontrol_interface_password'), /= \*{8}/)
  })

  it("masks Herald's own tokens and secret references too", () => {
    const settings = loadText(
      '[general]\nsecrets = secrets.ini\n[http]\nport = 8181\ningest_token = !INGEST\n[admin]\ntoken = admintoken-1234567890\n',
      '[secrets]\nINGEST = ingest-token-abcdef\n'
    )
    const text = checkConfig(settings)
    assert.ok(!text.includes('ingest-token-abcdef'))
    assert.ok(!text.includes('admintoken-1234567890'))
    assert.match(lineOf(text, 'http', 'port'), /= 8181 +\(zmeventnotification\.ini:4\)$/)
    assert.match(lineOf(text, 'http', 'ingest_token'), /= \*{8} +\(zmeventnotification\.ini:5, !INGEST\)$/)
    assert.match(lineOf(text, 'data', 'dir'), /= \.\/data +\(default\)$/)
  })

  it('masks a legacy hook_script taken from the secrets file', () => {
    const text = checkConfig(loadText('[general]\nsecrets = secrets.ini\n[hook]\nhook_script = !HOOK\n', '[secrets]\nHOOK = /opt/hook.sh --token=abc\n'))
    assert.ok(!text.includes('--token=abc'))
    assert.match(lineOf(text, 'hook', 'event_start_hook'), /= \*{8} +\(zmeventnotification\.ini:4, !HOOK\)$/)
  })

  it('shows unset and empty values as such rather than masking them', () => {
    const text = checkConfig(loadText('[ssl]\ncert =\n'))
    assert.match(lineOf(text, 'ssl', 'cert'), /= \(empty\) +\(zmeventnotification\.ini:2\)$/)
    assert.match(lineOf(text, 'ssl', 'key'), /= \(not set\) +\(default\)$/)
    assert.match(lineOf(text, 'admin', 'token'), /= \(empty\)/)
  })

  it('prints every zmES option with its origin, yes/no booleans and channel lists', () => {
    const text = checkConfig(loadFixture())
    assert.ok(text.startsWith(`Effective settings of ${FIXTURE_INI}; secrets are masked\n`))
    assert.match(lineOf(text, 'general', 'restart_interval'), /= 0 +\(zmeventnotification\.ini:20; ignored\)$/)
    assert.match(lineOf(text, 'auth', 'enable'), /= yes +\(zmeventnotification\.ini:36\)$/)
    assert.match(lineOf(text, 'hook', 'event_start_notify_on_hook_success'), /= web, fcm, mqtt, api, webhooks, targets /)
    assert.match(lineOf(text, 'hook', 'event_start_notify_on_hook_fail'), /= \(none\) /)
    assert.match(lineOf(text, 'hook', 'event_start_hook'), /= '\/var\/lib\/zmeventnotification\/bin\/zm_event_start\.sh' /)
    assert.match(text, /\nProblems: none\n/)
    assert.match(text, /\nIgnored \(9\):\n {2}ignored option \[general\] escontrol_interface_file: /)
  })

  it('lists every problem with its line, every ignored line and every warning', () => {
    const text = checkConfig(loadText('[network]\nport = abc\n[auth]\ntimeout = -1\nbogus = 1\n[general]\nrestart_interval = 60\n[mqtt]\nenable = off\n'))
    assert.match(text, /\nProblems \(2\):\n {2}\[network\] port \(zmeventnotification\.ini:2\): must be an integer from 0 to 65535, got "abc"\n {2}\[auth\] timeout \(zmeventnotification\.ini:4\): must be an integer from 1 to 86400, got "-1"\n/)
    assert.match(text, /\n {2}unknown option \[auth\] bogus \(zmeventnotification\.ini:5\)\n/)
    assert.match(text, /\n {2}ignored option \[general\] restart_interval: Herald does not need periodic restarts\n/)
    assert.match(text, /\nWarnings \(1\):\n {2}\[mqtt\] enable \(zmeventnotification\.ini:9\): "off" counts as true/)
    assert.match(lineOf(text, 'network', 'port'), /= 9000 +\(default: the value given is rejected, see below\)$/)
    assert.match(lineOf(text, 'auth', 'timeout'), /= 20 +\(default: the value given is rejected, see below\)$/)
  })

  it('credits the environment for what HERALD_<SECTION>_<KEY> set, even where the file has a line for it', async () => {
    const { loadSettings } = await import('../../src/config/load.js')
    const file = loadText('[http]\nport = 18560\n[network]\nport = 9001\n').file as string
    const text = checkConfig(loadSettings({ file, env: { HERALD_HTTP_PORT: '18562', HERALD_HTTP_ADDRESS: '0.0.0.0', HERALD_NETWORK_PORT: '18563' } }))
    assert.match(lineOf(text, 'http', 'port'), /= 18562 +\(environment\)$/)
    assert.match(lineOf(text, 'http', 'address'), /= 0\.0\.0\.0 +\(environment\)$/, 'a default value given by the environment is the environment\'s')
    assert.match(lineOf(text, 'network', 'port'), /= 18563 +\(environment\)$/)
  })

  it('labels the default that replaces a rejected value of an ignored option', () => {
    const text = checkConfig(loadText('[general]\nrestart_interval = soon\n'))
    assert.match(lineOf(text, 'general', 'restart_interval'), /= 7200 +\(default: the value given is rejected, see below; ignored\)$/)
  })

  it('labels values set by an escontrol override', () => {
    const text = checkConfig(loadFixture(), new Map([['auth.timeout', '60']]))
    assert.match(lineOf(text, 'auth', 'timeout'), /= 60 +\(escontrol override\)$/)
  })
})
