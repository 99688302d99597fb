import { createHash, timingSafeEqual } from 'node:crypto'
import { compare, compareSync } from 'bcryptjs'

/*
 * ZoneMinder's `Users.Password` schemes, checked as zmES checks them (spec §3.1, `validateAuth`):
 *   `-ZM-…`       a legacy hash ZoneMinder has not migrated yet: never accepted
 *   `*` + 40 hex  MySQL 4.1 PASSWORD(): '*' + upper(hex(sha1(sha1(password) as bytes)))
 *   `$2?$…`       bcrypt; PHP writes `$2y$`, which is the same algorithm as `$2a$`/`$2b$`
 */

type Scheme =
  | { readonly kind: 'reject' }
  | { readonly kind: 'mysql41' }
  | { readonly kind: 'bcrypt', readonly hash: string }

/** zmES normalises any `$2<letter>$` prefix to `$2a$` before comparing; so does Herald. */
function schemeOf (stored: string): Scheme {
  if (stored.startsWith('-ZM-')) return { kind: 'reject' }
  if (stored.startsWith('*')) return { kind: 'mysql41' }
  if (/^\$2[a-z]\$/.test(stored)) return { kind: 'bcrypt', hash: `$2a$${stored.slice(4)}` }
  return { kind: 'reject' }
}

/** MySQL 4.1 `PASSWORD()`. */
export function mysql41Hash (password: string): string {
  const inner = createHash('sha1').update(password, 'utf8').digest()
  return `*${createHash('sha1').update(inner).digest('hex').toUpperCase()}`
}

function mysql41Matches (password: string, stored: string): boolean {
  const expected = Buffer.from(mysql41Hash(password))
  const given = Buffer.from(stored)
  return given.length === expected.length && timingSafeEqual(given, expected)
}

/** A bcrypt hash the library cannot parse is a wrong password, not a crash of the login. */
function bcryptSync (password: string, hash: string): boolean {
  try {
    return compareSync(password, hash)
  } catch {
    return false
  }
}

/**
 * True when `password` matches a ZoneMinder `Users.Password` value. An empty password, an empty
 * or unknown hash and a `-ZM-` legacy hash are false. Synchronous bcrypt blocks the event loop
 * for the hash's cost (about 70 ms at ZoneMinder's cost 10): a server should prefer
 * verifyZoneMinderHashAsync.
 */
export function verifyZoneMinderHash (password: string, stored: string): boolean {
  if (password === '' || stored === '') return false
  const scheme = schemeOf(stored)
  switch (scheme.kind) {
    case 'reject': return false
    case 'mysql41': return mysql41Matches(password, stored)
    case 'bcrypt': return bcryptSync(password, scheme.hash)
    default: {
      const never: never = scheme
      return never
    }
  }
}

/** verifyZoneMinderHash without blocking: bcryptjs yields to the event loop while it hashes. */
export async function verifyZoneMinderHashAsync (password: string, stored: string): Promise<boolean> {
  if (password === '' || stored === '') return false
  const scheme = schemeOf(stored)
  if (scheme.kind !== 'bcrypt') return verifyZoneMinderHash(password, stored)
  try {
    return await compare(password, scheme.hash)
  } catch {
    return false
  }
}
