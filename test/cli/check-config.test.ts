import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { herald } from './run-cli.js'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'

describe('herald check-config and push targets', () => {
  let dir: string
  before(() => { dir = mkdtempSync(join(tmpdir(), 'herald-check-')) })
  after(() => { rmSync(dir, { recursive: true, force: true }) })

  it('lists the [targets] with their secrets masked', async () => {
    const file = join(dir, 'ok.ini')
    writeFileSync(file, '[targets]\nphone = ntfys://user:s3cret-pw@ntfy.example.com/alarms\n')
    const r = await herald(['check-config', file])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /Push targets \(\[targets\], secrets masked\):\n {2}phone = ntfys:\/\/user:\*\*\*\*@ntfy\.example\.com\/alarms\n/)
    assert.ok(!r.stdout.includes('s3cret-pw'))
  })

  it('names a bad target line as a problem and exits 1', async () => {
    const file = join(dir, 'bad.ini')
    writeFileSync(file, '[targets]\nphone = nope://x\n')
    const r = await herald(['check-config', file])
    assert.equal(r.code, 1)
    assert.match(r.stdout, /\[targets\] phone \(bad\.ini:2\): target URL has an unknown scheme "nope:\/\/"/)
  })
})

describe('herald check-config and durations', () => {
  let dir: string
  before(() => { dir = mkdtempSync(join(tmpdir(), 'herald-check-')) })
  after(() => { rmSync(dir, { recursive: true, force: true }) })

  it('names an [auth] timeout past a day as a problem and exits 1, instead of reporting nothing', async () => {
    const file = join(dir, 'zmes.ini')
    writeFileSync(file, '[auth]\ntimeout = 2147484\n')
    const r = await herald(['check-config', file])
    assert.equal(r.code, 1)
    assert.match(r.stdout, /\[auth\] timeout \(zmes\.ini:2\): must be an integer from 1 to 86400, got "2147484"/)
  })

  it('names a [webhooks] max_retry_delay past a day and exits 1', async () => {
    const file = join(dir, 'herald.ini')
    writeFileSync(file, '[webhooks]\nmax_retry_delay = 3000000\n')
    const r = await herald(['check-config', file])
    assert.equal(r.code, 1)
    assert.match(r.stdout, /\[webhooks\] max_retry_delay \(herald\.ini:2\): must be a number greater than 0 and at most 86400, got "3000000"/)
  })
})

describe('herald refuses words its commands do not take (exit 2)', () => {
  /* [args, what stderr must say] */
  const CASES: Array<[string[], RegExp]> = [
    [['serve', 'junk'], /unexpected argument "junk"/],
    [['version', 'extra'], /unexpected argument "extra"/],
    [['check-config', 'a.ini', 'b.ini'], /unexpected argument "b\.ini"/],
    [['check-config', 'a.ini', '--config', 'b.ini'], /give the settings file once/]
  ]
  for (const [args, message] of CASES) {
    it(`herald ${args.join(' ')}`, async () => {
      const r = await herald(args, { HERALD_HTTP_PORT: '0', HERALD_HTTP_ADDRESS: '127.0.0.1' })
      assert.equal(r.code, 2, `${r.stdout}\n${r.stderr}`)
      assert.match(r.stderr, message)
    })
  }
})

describe('herald check-config and the escontrol overrides in the store', () => {
  let dir: string
  before(() => { dir = mkdtempSync(join(tmpdir(), 'herald-check-overrides-')) })
  after(() => { rmSync(dir, { recursive: true, force: true }) })

  it('shows the overriding values as herald serve runs with them, and leaves out (with a warning) one it would refuse', async () => {
    const data = join(dir, 'data')
    const store = new SqliteStore({ file: join(data, 'herald.db') })
    await store.putOverride('auth.timeout', '45')
    await store.putOverride('customize.timezone', 'Mars/Olympus_Mons')
    await store.close()
    const file = join(dir, 'zmes.ini')
    writeFileSync(file, '[auth]\ntimeout = 20\n[customize]\ntimezone = UTC\n')
    const r = await herald(['check-config', file], { HERALD_DATA_DIR: data })
    assert.equal(r.code, 0, r.stdout)
    assert.match(r.stdout, /^ {2}timeout += 45 +\(escontrol override\)$/m)
    assert.match(r.stdout, /^ {2}timezone += UTC +\(zmes\.ini:4\)$/m, 'the refused zone is not in force: the file\'s stands')
    assert.match(r.stdout, /the stored escontrol override customize\.timezone is not applied/)
    assert.match(r.stdout, new RegExp(`escontrol overrides \\(${join(data, 'herald.db').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\): 1 applied`))
  })

  it('without a database says so, and does not create one', async () => {
    const data = join(dir, 'empty')
    const r = await herald(['check-config'], { HERALD_DATA_DIR: data })
    assert.equal(r.code, 0, r.stdout)
    assert.match(r.stdout, /escontrol overrides \(.*herald\.db\): none \(no database yet\)/)
    assert.equal(existsSync(join(data, 'herald.db')), false)
  })
})
