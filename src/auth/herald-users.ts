import { compare, hash } from 'bcryptjs'
import { systemClock, type Clock } from '../clock.js'
import { ValidationError } from '../errors.js'
import type { Store } from '../store/store.js'
import type { UserProvider } from './user-provider.js'

export interface HeraldUsersOptions {
  /**
   * bcrypt cost. 10 is what ZoneMinder (PHP `password_hash`) uses: about 70 ms per check in pure
   * JS, paid on every zmNinja (re)connect. Tests lower it.
   * @defaultValue 10
   */
  readonly rounds?: number
  readonly clock?: Clock
}

export interface UserSummary {
  readonly name: string
  readonly createdAt: number
}

/** bcrypt reads only the first 72 bytes of a password; a longer one would silently lose its tail. */
const MAX_PASSWORD_BYTES = 72
const MAX_NAME_LENGTH = 64
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/

/**
 * Herald's own users for the event server (`herald user add|list|remove`). Every check reads the
 * store, so a user added or removed from the command line counts at once, also while a server
 * runs on the same database.
 */
export class HeraldUsers implements UserProvider {
  readonly name = 'herald'
  readonly #store: Store
  readonly #rounds: number
  readonly #clock: Clock
  /** Compared against for unknown users, so that a wrong name costs as long as a wrong password. */
  #decoy: Promise<string> | undefined

  constructor (store: Store, options: HeraldUsersOptions = {}) {
    this.#store = store
    this.#rounds = options.rounds ?? 10
    this.#clock = options.clock ?? systemClock
  }

  /** Adds a user; false when the name is taken (its password stays as it was). */
  async add (name: string, password: string): Promise<boolean> {
    checkName(name)
    checkPassword(password)
    const passwordHash = await hash(password, this.#rounds)
    return await this.#store.createUser({ name, passwordHash, createdAt: this.#clock.now() })
  }

  async list (): Promise<UserSummary[]> {
    return (await this.#store.listUsers()).map((u) => ({ name: u.name, createdAt: u.createdAt }))
  }

  async remove (name: string): Promise<boolean> {
    return await this.#store.deleteUser(name)
  }

  async verify (username: string, password: string): Promise<boolean> {
    if (username === '' || password === '') return false
    const user = await this.#store.getUser(username)
    if (user === undefined) {
      this.#decoy ??= hash('decoy', this.#rounds)
      await compare(password, await this.#decoy)
      return false
    }
    try {
      return await compare(password, user.passwordHash)
    } catch {
      // A hash bcryptjs cannot parse (edited by hand): that user cannot log in.
      return false
    }
  }
}

function checkName (name: string): void {
  const problem = name === ''
    ? 'must not be empty'
    : name.length > MAX_NAME_LENGTH
      ? `must be at most ${MAX_NAME_LENGTH} characters`
      : CONTROL.test(name) || name.trim() !== name
        ? 'must not contain control characters or begin or end with a space'
        : undefined
  if (problem !== undefined) throw new ValidationError([{ field: 'name', message: problem }])
}

function checkPassword (password: string): void {
  if (password === '') throw new ValidationError([{ field: 'password', message: 'must not be empty' }])
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) {
    throw new ValidationError([{ field: 'password', message: `must be at most ${MAX_PASSWORD_BYTES} bytes (bcrypt ignores the rest)` }])
  }
}
