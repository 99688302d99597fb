import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULTS } from '../../src/config/defaults.js'
import { loadSettings } from '../../src/config/load.js'
import { ConfigError, type FieldProblem } from '../../src/errors.js'

const root = mkdtempSync(join(tmpdir(), 'herald-config-'))
after(() => rmSync(root, { recursive: true, force: true }))

let counter = 0
/** Writes files into a fresh folder and returns the path of the first one. */
function write (files: Record<string, string>): string {
  const dir = join(root, String(++counter))
  mkdirSync(dir)
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return join(dir, Object.keys(files)[0] ?? '')
}

function problemsOf (fn: () => unknown): readonly FieldProblem[] {
  try {
    fn()
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`)
    return error.problems
  }
  assert.fail('expected a ConfigError')
}

describe('loadSettings', () => {
  it('returns the defaults when neither a file nor environment variables are given', () => {
    const loaded = loadSettings({ env: {} })
    assert.deepEqual(loaded.config, DEFAULTS)
    assert.equal(loaded.file, undefined)
    assert.equal(loaded.ini, undefined)
    assert.equal(loaded.secrets, undefined)
    assert.deepEqual(loaded.warnings, [])
  })

  it('reads Herald sections from the INI file and converts numbers and booleans', () => {
    const file = write({
      'herald.ini': [
        '[data]', 'dir = /srv/herald',
        '[http]', 'address = 127.0.0.1', 'port = 9090', 'public_base_url = https://ff.example/?a=1;b=2#x',
        '[webhooks]', 'verbose_webhooks = yes', 'timeout = 2.5', 'retry_jitter = .1',
        '[store]', 'synchronous = full',
        '[log]', 'level = debug'
      ].join('\n')
    })
    const { config } = loadSettings({ file, env: {} })
    assert.equal(config.data.dir, '/srv/herald')
    assert.equal(config.http.address, '127.0.0.1')
    assert.equal(config.http.port, 9090)
    assert.equal(config.http.public_base_url, 'https://ff.example/?a=1;b=2#x')
    assert.equal(config.webhooks.verbose_webhooks, true)
    assert.equal(config.webhooks.timeout, 2.5)
    assert.equal(config.webhooks.retry_jitter, 0.1)
    assert.equal(config.store.synchronous, 'full')
    assert.equal(config.log.level, 'debug')
    assert.equal(config.http.body_limit, DEFAULTS.http.body_limit)
  })

  it('takes the file from HERALD_CONFIG and does not treat that variable as a setting', () => {
    const file = write({ 'herald.ini': '[http]\nport = 1234\n' })
    const loaded = loadSettings({ env: { HERALD_CONFIG: file } })
    assert.equal(loaded.file, file)
    assert.equal(loaded.config.http.port, 1234)
    assert.deepEqual(loaded.warnings, [])
  })

  it('throws a ConfigError naming a config file that does not exist', () => {
    const missing = join(root, 'nope', 'herald.ini')
    const problems = problemsOf(() => loadSettings({ file: missing, env: {} }))
    assert.equal(problems.length, 1)
    assert.equal(problems[0]?.field, 'config file')
    assert.ok(problems[0]?.message.includes(missing))
    const fromEnv = problemsOf(() => loadSettings({ env: { HERALD_CONFIG: missing } }))
    assert.equal(fromEnv[0]?.field, 'env HERALD_CONFIG')
  })

  it('keeps zmES sections untouched in ini without treating them as errors', () => {
    const file = write({
      'herald.ini': [
        '[general]', 'base_data_path = /var/lib/zmeventnotification',
        '[hook]', "event_start_hook = '{{base_data_path}}/bin/zm_event_start.sh'",
        '[fcm]', 'enable = yes', '[whatever]', 'x = 1'
      ].join('\n')
    })
    const loaded = loadSettings({ file, env: {} })
    assert.equal(loaded.ini?.sections.get('hook')?.get('event_start_hook')?.value, "'{{base_data_path}}/bin/zm_event_start.sh'")
    assert.equal(loaded.ini?.sections.get('fcm')?.get('enable')?.value, 'yes')
    assert.ok(loaded.ini?.sections.has('whatever'))
  })

  it('strips matching surrounding quotes from Herald values only', () => {
    const file = write({ 'herald.ini': "[data]\ndir = '/srv/my data'\n[admin]\ntoken = \"abc'\n[hook]\nx = 'y'\n" })
    const loaded = loadSettings({ file, env: {} })
    assert.equal(loaded.config.data.dir, '/srv/my data')
    assert.equal(loaded.config.admin.token, '"abc\'')
    assert.equal(loaded.ini?.sections.get('hook')?.get('x')?.value, "'y'")
  })

  it('substitutes !NAME from the secrets file, found relative to the config file', () => {
    const file = write({
      'herald.ini': '[general]\nsecrets = secrets.ini\n[admin]\ntoken = !HERALD_ADMIN_TOKEN\n',
      'secrets.ini': '[secrets]\nHERALD_ADMIN_TOKEN = t0k#en;1\n'
    })
    const loaded = loadSettings({ file, env: {} })
    assert.equal(loaded.config.admin.token, 't0k#en;1')
    assert.ok(loaded.secrets?.file.endsWith('secrets.ini'))
  })

  it('reports a missing secret, a missing secrets file and a secret without any secrets file', () => {
    const withSecrets = write({
      'herald.ini': '[general]\nsecrets = secrets.ini\n[admin]\ntoken = !NOPE\n[data]\ndir = !EMPTY\n',
      'secrets.ini': '[secrets]\nEMPTY =\n'
    })
    assert.deepEqual(problemsOf(() => loadSettings({ file: withSecrets, env: {} })).map((p) => p.field), [
      '[admin] token (herald.ini:4)',
      '[data] dir (herald.ini:6)'
    ])

    const missingFile = write({ 'herald.ini': '[general]\nsecrets = /nonexistent/secrets.ini\n' })
    const problems = problemsOf(() => loadSettings({ file: missingFile, env: {} }))
    assert.equal(problems[0]?.field, '[general] secrets (herald.ini:2)')
    assert.match(problems[0]?.message ?? '', /cannot read secrets file \/nonexistent\/secrets\.ini: file does not exist/)

    const noSecrets = write({ 'herald.ini': '[admin]\ntoken = !TOKEN\n' })
    const none = problemsOf(() => loadSettings({ file: noSecrets, env: {} }))
    assert.equal(none[0]?.field, '[admin] token (herald.ini:2)')
    assert.match(none[0]?.message ?? '', /no secrets file is configured/)
  })

  it('expands {{base_data_path}} templates in Herald values', () => {
    const file = write({ 'herald.ini': '[general]\nbase_data_path = /var/lib/zmes\n[data]\ndir = {{base_data_path}}/herald\n' })
    assert.equal(loadSettings({ file, env: {} }).config.data.dir, '/var/lib/zmes/herald')
  })

  it('warns about a template that is defined nowhere', () => {
    const file = write({ 'herald.ini': '[data]\ndir = {{base_data_path}}/herald\n' })
    const loaded = loadSettings({ file, env: {} })
    assert.equal(loaded.config.data.dir, '/herald')
    assert.equal(loaded.warnings.length, 1)
    assert.match(loaded.warnings[0] ?? '', /\[data\] dir \(herald\.ini:2\): template \{\{base_data_path\}\}/)
  })

  it('accepts yes/no, on/off, true/false and 1/0 for booleans without turning yes/no strings into 1/0', () => {
    for (const [word, expected] of [['yes', true], ['No', false], ['on', true], ['FALSE', false], ['1', true]] as const) {
      const file = write({ 'herald.ini': `[webhooks]\nverbose_webhooks = ${word}\n[admin]\ntoken = no\n` })
      const { config } = loadSettings({ file, env: {} })
      assert.equal(config.webhooks.verbose_webhooks, expected, word)
      assert.equal(config.admin.token, 'no')
    }
  })

  it('lets environment variables win over the file', () => {
    const file = write({ 'herald.ini': '[http]\nport = 9090\naddress = 10.0.0.1\n' })
    const { config } = loadSettings({ file, env: { HERALD_HTTP_PORT: '7070' } })
    assert.equal(config.http.port, 7070)
    assert.equal(config.http.address, '10.0.0.1')
  })

  it('reads HERALD_DATA_DIR, HERALD_HTTP_PORT, HERALD_HTTP_ADDRESS, HERALD_ADMIN_TOKEN and multi-word keys', () => {
    const { config } = loadSettings({
      env: {
        HERALD_DATA_DIR: '/data',
        HERALD_HTTP_PORT: '8181',
        HERALD_HTTP_ADDRESS: '::',
        HERALD_ADMIN_TOKEN: '!not-a-secret-reference',
        HERALD_WEBHOOKS_VERBOSE_WEBHOOKS: 'true',
        HERALD_WEBHOOKS_SECRET_GRACE_PERIOD: '60',
        HERALD_LOG_LEVEL: 'warn',
        PATH: '/usr/bin'
      }
    })
    assert.equal(config.data.dir, '/data')
    assert.equal(config.http.port, 8181)
    assert.equal(config.http.address, '::')
    assert.equal(config.admin.token, '!not-a-secret-reference')
    assert.equal(config.webhooks.verbose_webhooks, true)
    assert.equal(config.webhooks.secret_grace_period, 60)
    assert.equal(config.log.level, 'warn')
  })

  it('lists every bad value, unknown key and malformed line in one ConfigError', () => {
    const file = write({
      'herald.ini': [
        '[http]', // 1
        'port = 70000', // 2
        'body_limit = 80x', // 3
        'foo = bar', // 4
        'this line is nonsense', // 5
        '[store]', // 6
        'synchronous = sometimes', // 7
        '[data]', // 8
        'dir =', // 9
        '[webhooks]', // 10
        'verbose_webhooks = maybe', // 11
        'timeout = 0' // 12
      ].join('\n')
    })
    const problems = problemsOf(() => loadSettings({ file, env: { HERALD_HTTP_PORT: 'abc', HERALD_HTTP_FOO: '1' } }))
    assert.deepEqual(problems, [
      { field: 'herald.ini:5', message: 'expected "[section]", "key = value" or a comment, got "this line is nonsense"' },
      { field: '[http] port (herald.ini:2)', message: 'must be an integer from 0 to 65535, got "70000"' },
      { field: '[http] body_limit (herald.ini:3)', message: 'must be an integer from 1024 to 1073741824, got "80x"' },
      { field: '[http] foo (herald.ini:4)', message: 'unknown key; [http] has address, port, body_limit, ingest_token, public_base_url' },
      { field: '[store] synchronous (herald.ini:7)', message: 'must be one of normal, full, got "sometimes"' },
      { field: '[data] dir (herald.ini:9)', message: 'must not be empty, got ""' },
      { field: '[webhooks] verbose_webhooks (herald.ini:11)', message: 'must be yes/no, true/false, on/off or 1/0, got "maybe"' },
      { field: '[webhooks] timeout (herald.ini:12)', message: 'must be a number greater than 0 and at most 3600, got "0"' },
      { field: 'env HERALD_HTTP_FOO', message: 'unknown key; [http] has address, port, body_limit, ingest_token, public_base_url' },
      { field: 'env HERALD_HTTP_PORT', message: 'must be an integer from 0 to 65535, got "abc"' }
    ])
  })

  it('refuses a public_base_url that is not an absolute http(s) URL, which would leave media links relative without a word', () => {
    for (const bad of ['ff.example.com', 'ftp://ff.example.com', 'https://', '/uploads']) {
      assert.deepEqual(problemsOf(() => loadSettings({ env: { HERALD_HTTP_PUBLIC_BASE_URL: bad } })), [
        { field: 'env HERALD_HTTP_PUBLIC_BASE_URL', message: `must be empty or an absolute http:// or https:// URL, such as https://ff.example.com, got ${JSON.stringify(bad)}` }
      ])
    }
    for (const good of ['', 'https://ff.example.com', 'http://10.0.0.5:8080/ff/']) {
      assert.equal(loadSettings({ env: { HERALD_HTTP_PUBLIC_BASE_URL: good } }).config.http.public_base_url, good)
    }
  })

  it('puts all problems into the error message as well', () => {
    const file = write({ 'herald.ini': '[http]\nport = 80x\n' })
    assert.throws(() => loadSettings({ file, env: {} }), (error: unknown) => {
      assert.ok(error instanceof ConfigError)
      assert.equal(error.code, 'HRD_ERR_CONFIG_INVALID')
      assert.match(error.message, /\[http\] port \(herald\.ini:2\): must be an integer from 0 to 65535, got "80x"/)
      return true
    })
  })

  it('rejects numbers with trailing garbage, fractions for integers and non-finite words', () => {
    for (const bad of ['80x', '8080.5', '0x50', 'Infinity', 'NaN', '', '1e3']) {
      const problems = problemsOf(() => loadSettings({ env: { HERALD_HTTP_PORT: bad } }))
      assert.equal(problems.length, 1, bad)
    }
    assert.equal(loadSettings({ env: { HERALD_HTTP_PORT: ' 80 ' } }).config.http.port, 80)
    assert.equal(loadSettings({ env: { HERALD_WEBHOOKS_TIMEOUT: '1e1' } }).config.webhooks.timeout, 10)
  })

  it('warns about duplicate keys and uses the last one', () => {
    const file = write({ 'herald.ini': '[http]\nport = 1\nport = 2\n' })
    const loaded = loadSettings({ file, env: {} })
    assert.equal(loaded.config.http.port, 2)
    assert.deepEqual(loaded.warnings, ['herald.ini:3: duplicate key "port" in [http] (first at line 2; last one wins)'])
  })

  it('warns about HERALD_ variables and sections that only look like Herald settings', () => {
    const file = write({ 'herald.ini': '[HTTP]\nport = 1\n' })
    const loaded = loadSettings({ file, env: { HERALD_HTTPS_PORT: '1' } })
    assert.equal(loaded.config.http.port, DEFAULTS.http.port)
    assert.equal(loaded.warnings.length, 2)
    assert.match(loaded.warnings[0] ?? '', /\[HTTP\] is ignored.*did you mean \[http\]/)
    assert.match(loaded.warnings[1] ?? '', /env HERALD_HTTPS_PORT is not a Herald setting/)
  })

  it('reports keys that exist only on Object.prototype as unknown', () => {
    const problems = problemsOf(() => loadSettings({ env: { HERALD_HTTP_CONSTRUCTOR: 'x', HERALD_DATA_TOSTRING: 'y' } }))
    assert.equal(problems.length, 2)
  })

  it('returns a deeply frozen config that does not alias DEFAULTS', () => {
    const { config } = loadSettings({ env: { HERALD_HTTP_PORT: '1' } })
    assert.ok(Object.isFrozen(config))
    assert.ok(Object.isFrozen(config.http))
    assert.throws(() => { (config.http as { port: number }).port = 2 }, TypeError)
    assert.equal(DEFAULTS.http.port, 8080)
  })

  it('lets HERALD_<ZMESSECTION>_<KEY> override a zmeventnotification.ini option, with or without a file', async () => {
    const { readZmesConfig } = await import('../../src/config/zmes/read-zmes.js')
    const file = write({ 'zmes.ini': '[network]\nport = 9000\n[auth]\nenable = yes\n' })
    const withFile = loadSettings({ file, env: { HERALD_NETWORK_PORT: '9123', HERALD_AUTH_ENABLE: 'no' } })
    assert.equal(readZmesConfig(withFile).config.network.port, 9123)
    assert.equal(readZmesConfig(withFile).config.auth.enable, false)
    assert.deepEqual(withFile.warnings, [], 'a zmES section is not "not a Herald setting"')
    const withoutFile = loadSettings({ env: { HERALD_NETWORK_PORT: '0' } })
    assert.equal(readZmesConfig(withoutFile).config.network.port, 0)
  })
})
