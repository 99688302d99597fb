import { describe, it, before, after } from 'node:test'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { herald } from './run-cli.js'

/*
 * Bad channel and decision settings stop `herald serve` at start with exit code 1 and a message
 * that names the option, instead of a server that silently never notifies.
 */
describe('herald serve refuses bad settings at start', { concurrency: 4 }, () => {
  let dir: string
  before(() => { dir = mkdtempSync(join(tmpdir(), 'herald-refuse-')) })
  after(() => { rmSync(dir, { recursive: true, force: true }) })

  const cases: Array<[string, string, RegExp]> = [
    ['an unknown time zone', '[customize]\ntimezone = Mars/Olympus_Mons\n', /customize\.timezone.*Mars\/Olympus_Mons/s],
    ['an es_rules file that is not JSON', '[customize]\nes_rules = RULES\n', /customize\.es_rules.*line 2, column/s],
    ['the shut-down legacy FCM API', '[fcm]\nuse_fcmv1 = no\n', /use_fcmv1/],
    ['an FCM service-account file that does not exist', '[fcm]\nfcm_service_account_file = /nonexistent/sa.json\n', /fcm_service_account_file/],
    ['an MQTT client certificate without its key', '[mqtt]\nenable = yes\ntls_cert = /etc/hostname\n', /\[mqtt\] tls_key|tls_key/],
    ['a push target of an unknown kind', '[targets]\nphone = carrierpigeon://coop/1\n', /phone.*carrierpigeon/s],
    ['a hook timeout of zero', '[hook]\nhook_timeout = 0\n', /hook_timeout.*must be an integer from 1 to 86400, got "0"/s]
  ]

  for (const [what, ini, message] of cases) {
    it(`with ${what}`, async () => {
      const rules = join(dir, `${what.replaceAll(' ', '-')}.json`)
      writeFileSync(rules, '{\n  "notifications": {,\n}')
      const file = join(dir, `${what.replaceAll(' ', '-')}.ini`)
      writeFileSync(file, `[network]\naddress = 127.0.0.1\nport = 0\n[ssl]\nenable = no\n${ini.replace('RULES', rules)}`)
      const r = await herald(['serve', '-c', file], { HERALD_DATA_DIR: join(dir, 'data'), HERALD_HTTP_PORT: '0', HERALD_HTTP_ADDRESS: '127.0.0.1', HERALD_ADMIN_TOKEN: 'x' })
      assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`)
      assert.match(r.stderr, message)
    })
  }
})

describe('herald serve on a port that is taken', () => {
  it('exits 1 naming the address, and leaves no listener behind (the event server port is free again)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-port-taken-'))
    const taken = createServer()
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
    const port = (taken.address() as AddressInfo).port
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const wsPort = (probe.address() as AddressInfo).port
    await new Promise<void>((resolve) => probe.close(() => resolve()))
    try {
      const started = Date.now()
      const r = await herald(['serve'], {
        HERALD_DATA_DIR: join(dir, 'data'), HERALD_HTTP_PORT: String(port), HERALD_HTTP_ADDRESS: '127.0.0.1', HERALD_ADMIN_TOKEN: 'x',
        HERALD_NETWORK_ADDRESS: '127.0.0.1', HERALD_NETWORK_PORT: String(wsPort)
      })
      assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`)
      assert.match(r.stderr, new RegExp(`EADDRINUSE.*127\\.0\\.0\\.1:${port}`))
      // It ended by itself, well before the 30 s the runner allows.
      assert.ok(Date.now() - started < 20_000)
      const again = createServer()
      await new Promise<void>((resolve, reject) => { again.once('error', reject); again.listen(wsPort, '127.0.0.1', resolve) })
      await new Promise<void>((resolve) => again.close(() => resolve()))
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()))
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('herald serve with a database it cannot open', () => {
  it('exits 1 with HRD_ERR_STORE_OPEN naming the path, for a data folder that is a file and for a file that is not a database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-bad-store-'))
    try {
      const notAFolder = join(dir, 'plain-file')
      writeFileSync(notAFolder, 'x')
      const notADatabase = join(dir, 'data')
      mkdirSync(notADatabase)
      writeFileSync(join(notADatabase, 'herald.db'), 'this is not SQLite, just text that is long enough to be a header'.repeat(200))
      for (const [dataDir, reason] of [[notAFolder, /EEXIST|ENOTDIR/], [notADatabase, /not a database/]] as const) {
        const r = await herald(['serve'], { HERALD_DATA_DIR: dataDir, HERALD_HTTP_PORT: '0', HERALD_HTTP_ADDRESS: '127.0.0.1', HERALD_ADMIN_TOKEN: 'x', HERALD_NETWORK_PORT: '0', HERALD_NETWORK_ADDRESS: '127.0.0.1' })
        assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`)
        assert.match(r.stderr, /HRD_ERR_STORE_OPEN: cannot open the database /)
        assert.ok(r.stderr.includes(join(dataDir, 'herald.db')), r.stderr)
        assert.match(r.stderr, reason)
        assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace')
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
