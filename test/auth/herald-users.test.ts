import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { HeraldUsers } from '../../src/auth/herald-users.js'
import { verifyZoneMinderHash } from '../../src/auth/zoneminder-hashes.js'
import { ManualClock } from '../helpers/manual-clock.js'

const root = mkdtempSync(join(tmpdir(), 'herald-users-'))
after(() => rmSync(root, { recursive: true, force: true }))

/** Cost 4: the suite checks behaviour, not bcrypt's speed. */
const FAST = { rounds: 4 }

async function withUsers (fn: (users: HeraldUsers, store: SqliteStore) => Promise<void>, file = ':memory:'): Promise<void> {
  const store = new SqliteStore({ file })
  try {
    await fn(new HeraldUsers(store, { ...FAST, clock: new ManualClock() }), store)
  } finally {
    await store.close()
  }
}

describe('HeraldUsers', () => {
  it('is a user provider named "herald"', async () => {
    await withUsers(async (users) => { assert.equal(users.name, 'herald') })
  })

  it('verifies an added user\'s password and refuses a wrong one', async () => {
    await withUsers(async (users) => {
      assert.equal(await users.add('admin', 'correct horse'), true)
      assert.equal(await users.verify('admin', 'correct horse'), true)
      assert.equal(await users.verify('admin', 'correct hors'), false)
      assert.equal(await users.verify('admin', 'Correct horse'), false)
      assert.equal(await users.verify('Admin', 'correct horse'), false, 'names are case-sensitive')
    })
  })

  it('answers false for an unknown user and for empty credentials, never throwing', async () => {
    await withUsers(async (users) => {
      await users.add('admin', 'pw')
      assert.equal(await users.verify('nobody', 'pw'), false)
      assert.equal(await users.verify('', 'pw'), false)
      assert.equal(await users.verify('admin', ''), false)
    })
  })

  it('keeps only a bcrypt hash, one ZoneMinder\'s own check accepts', async () => {
    await withUsers(async (users, store) => {
      await users.add('admin', 'pw-1')
      const row = await store.getUser('admin')
      assert.match(row?.passwordHash ?? '', /^\$2b\$04\$.{53}$/)
      assert.ok(!(row?.passwordHash ?? '').includes('pw-1'))
      assert.equal(verifyZoneMinderHash('pw-1', row?.passwordHash ?? ''), true)
    })
  })

  it('refuses to add a name that is taken, and the first password still works', async () => {
    await withUsers(async (users) => {
      assert.equal(await users.add('admin', 'first'), true)
      assert.equal(await users.add('admin', 'second'), false)
      assert.equal(await users.verify('admin', 'first'), true)
      assert.equal(await users.verify('admin', 'second'), false)
    })
  })

  it('lists users by name with the date they were added, and a removed user cannot log in', async () => {
    await withUsers(async (users) => {
      await users.add('zoe', 'z')
      await users.add('al', 'a')
      assert.deepEqual(await users.list(), [
        { name: 'al', createdAt: Date.parse('2026-01-01T00:00:00Z') },
        { name: 'zoe', createdAt: Date.parse('2026-01-01T00:00:00Z') }
      ])
      assert.equal(await users.remove('zoe'), true)
      assert.equal(await users.remove('zoe'), false)
      assert.equal(await users.verify('zoe', 'z'), false)
      assert.deepEqual((await users.list()).map((u) => u.name), ['al'])
    })
  })

  it('refuses an empty, padded, control-character or overlong name, and an empty or over-72-byte password', async () => {
    await withUsers(async (users) => {
      for (const name of ['', ' admin', 'admin ', 'ad\nmin', 'x'.repeat(65)]) {
        await assert.rejects(users.add(name, 'pw'), (err: { code?: string, fields?: Array<{ field: string }> }) => {
          assert.equal(err.code, 'HRD_ERR_VALIDATION')
          assert.deepEqual(err.fields?.map((f) => f.field), ['name'])
          return true
        }, JSON.stringify(name))
      }
      await assert.rejects(users.add('admin', ''), { code: 'HRD_ERR_VALIDATION' })
      // 36 two-byte characters: 72 bytes is the most bcrypt reads.
      assert.equal(await users.add('admin', 'é'.repeat(36)), true)
      await assert.rejects(users.add('other', `${'é'.repeat(36)}x`), { code: 'HRD_ERR_VALIDATION', message: /72 bytes/ })
      assert.deepEqual((await users.list()).map((u) => u.name), ['admin'])
    })
  })

  it('sees a user another process added to the same database at once', async () => {
    const file = join(root, 'shared.db')
    await withUsers(async (server) => {
      const cli = new SqliteStore({ file })
      await new HeraldUsers(cli, FAST).add('late', 'pw')
      await cli.close()
      assert.equal(await server.verify('late', 'pw'), true)
    }, file)
  })
})
