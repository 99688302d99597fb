import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { hashSync } from 'bcryptjs'
import { mysql41Hash, verifyZoneMinderHash, verifyZoneMinderHashAsync } from '../../src/auth/zoneminder-hashes.js'

/** MySQL 4.1 PASSWORD(), computed here from its definition rather than through the code under test. */
function mysqlPassword (password: string): string {
  const once = createHash('sha1').update(password).digest()
  return `*${createHash('sha1').update(once).digest('hex').toUpperCase()}`
}

// Cost 4 keeps the suite fast; the cost is part of the hash, so verification is the same at 10.
const BCRYPT_2B = hashSync('s3cret pass', 4)

const both = async (password: string, stored: string): Promise<boolean> => {
  const sync = verifyZoneMinderHash(password, stored)
  assert.equal(await verifyZoneMinderHashAsync(password, stored), sync, 'the sync and async checks agree')
  return sync
}

describe('ZoneMinder password hashes (spec §3.1)', () => {
  it('accepts the right password for a MySQL 4.1 "*" hash and refuses a wrong one', async () => {
    const stored = mysqlPassword('zm-admin')
    assert.match(stored, /^\*[0-9A-F]{40}$/)
    assert.equal(mysql41Hash('zm-admin'), stored)
    assert.equal(await both('zm-admin', stored), true)
    assert.equal(await both('zm-admiN', stored), false)
  })

  it('matches MySQL\'s own PASSWORD(\'password\')', async () => {
    assert.equal(await both('password', '*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19'), true)
  })

  it('hashes a non-ASCII password as UTF-8, as MySQL with a utf8 connection does', async () => {
    assert.equal(await both('pässwörd€', mysqlPassword('pässwörd€')), true)
  })

  it('compares a MySQL hash exactly as stored (upper-case hex)', async () => {
    assert.equal(await both('zm-admin', mysqlPassword('zm-admin').toLowerCase()), false)
    assert.equal(await both('zm-admin', mysqlPassword('zm-admin').slice(0, 30)), false)
  })

  it('accepts bcrypt hashes with the $2a$, $2b$ and PHP\'s $2y$ prefix', async () => {
    for (const prefix of ['$2a$', '$2b$', '$2y$']) {
      const stored = prefix + BCRYPT_2B.slice(4)
      assert.equal(await both('s3cret pass', stored), true, prefix)
      assert.equal(await both('s3cret pas', stored), false, prefix)
    }
  })

  it('verifies the $2y$ hash from PHP\'s password_verify documentation', async () => {
    assert.equal(await both('rasmuslerdorf', '$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a'), true)
  })

  it('refuses a -ZM- legacy hash whatever the password', async () => {
    assert.equal(await both('secret', '-ZM-secret'), false)
    assert.equal(await both('-ZM-', '-ZM-'), false)
  })

  it('refuses an empty password, an empty hash, a plain-text "hash" and a broken bcrypt hash', async () => {
    assert.equal(await both('', mysqlPassword('')), false)
    assert.equal(await both('secret', ''), false)
    assert.equal(await both('secret', 'secret'), false)
    assert.equal(await both('s3cret pass', BCRYPT_2B.slice(0, 40)), false)
    assert.equal(await both('s3cret pass', '$2y$99$' + BCRYPT_2B.slice(7)), false)
    assert.equal(await both('s3cret pass', '$2x$' + BCRYPT_2B.slice(4)), true, 'any $2<letter>$ is read as $2a$, as zmES does')
  })
})
