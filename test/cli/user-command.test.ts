import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HeraldUsers } from '../../src/auth/herald-users.js'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { startHerald, type TestHerald } from '../helpers/herald.js'
import { herald } from './run-cli.js'

const root = mkdtempSync(join(tmpdir(), 'herald-cli-user-'))
after(() => rmSync(root, { recursive: true, force: true }))

let dirs = 0
function dataDir (): string {
  return join(root, `data-${++dirs}`)
}

/** What a server on that data folder would answer to a zmNinja login. */
async function canLogIn (dir: string, name: string, password: string): Promise<boolean> {
  const store = new SqliteStore({ file: join(dir, 'herald.db') })
  try {
    return await new HeraldUsers(store).verify(name, password)
  } finally {
    await store.close()
  }
}

describe('herald user', () => {
  it('add creates a user who can then log in, with no server running', async () => {
    const dir = dataDir()
    const added = await herald(['user', 'add', 'admin', '--password', 'Secr3t pass'], { HERALD_DATA_DIR: dir })
    assert.deepEqual(added, { code: 0, stdout: 'user "admin" added\n', stderr: '' })
    assert.equal(await canLogIn(dir, 'admin', 'Secr3t pass'), true)
    assert.equal(await canLogIn(dir, 'admin', 'secr3t pass'), false)
  })

  it('add takes the password from HERALD_USER_PASSWORD when --password is not given', async () => {
    const dir = dataDir()
    const added = await herald(['user', 'add', 'viewer'], { HERALD_DATA_DIR: dir, HERALD_USER_PASSWORD: 'from env' })
    assert.equal(added.code, 0, added.stderr)
    assert.equal(added.stderr, '', 'HERALD_USER_PASSWORD is not reported as an unknown setting')
    assert.equal(await canLogIn(dir, 'viewer', 'from env'), true)
  })

  it('add refuses a name that is taken with exit code 1, keeping the first password', async () => {
    const dir = dataDir()
    await herald(['user', 'add', 'admin', '-p', 'one'], { HERALD_DATA_DIR: dir })
    const again = await herald(['user', 'add', 'admin', '-p', 'two'], { HERALD_DATA_DIR: dir })
    assert.equal(again.code, 1)
    assert.match(again.stderr, /^herald: user "admin" already exists/)
    assert.equal(await canLogIn(dir, 'admin', 'one'), true)
  })

  it('add reports a bad name with its error code and exit code 1', async () => {
    const result = await herald(['user', 'add', ' padded', '-p', 'pw'], { HERALD_DATA_DIR: dataDir() })
    assert.equal(result.code, 1)
    assert.match(result.stderr, /HRD_ERR_VALIDATION: invalid input: name: must not contain control characters or begin or end with a space/)
  })

  it('list prints one user per line with the date added; remove takes a user away', async () => {
    const dir = dataDir()
    await herald(['user', 'add', 'zoe', '-p', 'z'], { HERALD_DATA_DIR: dir })
    await herald(['user', 'add', 'al', '-p', 'a'], { HERALD_DATA_DIR: dir })
    const listed = await herald(['user', 'list'], { HERALD_DATA_DIR: dir })
    assert.equal(listed.code, 0)
    assert.match(listed.stdout, /^al\t\d{4}-\d\d-\d\dT[\d:.]+Z\nzoe\t\d{4}-\d\d-\d\dT[\d:.]+Z\n$/)

    assert.deepEqual(await herald(['user', 'remove', 'zoe'], { HERALD_DATA_DIR: dir }), { code: 0, stdout: 'user "zoe" removed\n', stderr: '' })
    assert.equal(await canLogIn(dir, 'zoe', 'z'), false)
    const missing = await herald(['user', 'remove', 'zoe'], { HERALD_DATA_DIR: dir })
    assert.equal(missing.code, 1)
    assert.equal(missing.stderr, 'herald: no user "zoe"\n')
    assert.match((await herald(['user', 'list'], { HERALD_DATA_DIR: dir })).stdout, /^al\t[^\n]+\n$/)
  })

  it('opens the database named by --config, like serve', async () => {
    const dir = dataDir()
    const ini = join(root, `herald-${dirs}.ini`)
    writeFileSync(ini, `[data]\ndir = ${dir}\n`)
    assert.equal((await herald(['--config', ini, 'user', 'add', 'admin', '-p', 'pw'])).code, 0)
    assert.equal((await herald(['user', 'list', '-c', ini])).stdout.split('\t')[0], 'admin')
    assert.equal(await canLogIn(dir, 'admin', 'pw'), true)
  })

  it('exits 1 with the problem when the settings are invalid', async () => {
    const result = await herald(['user', 'list'], { HERALD_DATA_DIR: dataDir(), HERALD_HTTP_PORT: 'eighty' })
    assert.equal(result.code, 1)
    assert.match(result.stderr, /HRD_ERR_CONFIG_INVALID/)
  })

  const usage: Array<[string, string[], Record<string, string>, RegExp]> = [
    ['no action', ['user'], {}, /user needs an action/],
    ['an unknown action', ['user', 'rename', 'a'], {}, /unknown user action "rename"/],
    ['add without a name', ['user', 'add'], {}, /user add needs a NAME/],
    ['add without a password', ['user', 'add', 'admin'], {}, /needs --password PW or HERALD_USER_PASSWORD/],
    ['--password without a value', ['user', 'add', 'admin', '--password'], {}, /--password/],
    ['an unknown option', ['user', 'list', '--all'], {}, /Unknown option '--all'/],
    ['a stray argument', ['user', 'remove', 'a', 'b'], {}, /unexpected argument "b"/]
  ]
  // Side by side: each is a process start and nothing else.
  describe('usage errors', { concurrency: true }, () => {
    for (const [name, args, env, message] of usage) {
      it(`exits 2 with the usage for ${name}`, async () => {
        const result = await herald(args, { HERALD_DATA_DIR: dataDir(), ...env })
        assert.equal(result.code, 2)
        assert.match(result.stderr, message)
        assert.match(result.stderr, /Usage:\n {2}herald user add NAME --password PW/)
        assert.equal(result.stdout, '')
      })
    }
  })

  it('user --help prints the usage and exits 0', async () => {
    const result = await herald(['user', '--help'])
    assert.equal(result.code, 0)
    assert.match(result.stdout, /herald user remove NAME/)
  })

  describe('beside a running server', () => {
    let h: TestHerald
    before(async () => { h = await startHerald() })
    after(async () => { await h.close() })

    it('a user added from the command line can log in at once, without a restart', async () => {
      const result = await herald(['user', 'add', 'live', '-p', 'pw'], { HERALD_DATA_DIR: h.dataDir })
      assert.equal(result.code, 0, result.stderr)
      assert.equal(await new HeraldUsers(h.herald.store).verify('live', 'pw'), true)
    })
  })
})
