import { systemClock, type Clock } from '../clock.js'
import { ValidationError } from '../errors.js'
import type { LastSentRow, Store } from '../store/store.js'
import type { PushState, PushToken, TokenRegistration, TokenRegistry } from './contract.js'
import { WriteQueue } from './write-queue.js'

/** What a tokens.txt record holds: a token without Herald's own fields (badge, timestamps). */
export type TokenRecord = Pick<PushToken, 'token' | 'platform' | 'monlist' | 'intlist' | 'pushstate' | 'appversion' | 'invocations' | 'profile'>

export interface TokenImportResult {
  readonly created: number
  readonly updated: number
}

/** A tokens.txt, named by its absolute path, and a digest of the content that was imported. */
export interface ImportedFile {
  readonly path: string
  readonly digest: string
}

const IMPORTED_PREFIX = 'tokens_file_imported:'

export interface TokenRegistryOptions {
  /** For created/updated stamps and the month of a new token's invocation count. */
  readonly clock?: Clock
}

/** FCM tokens are about 160 characters, APNs tokens 64: anything near this is not a token. */
export const MAX_TOKEN_LENGTH = 4096

/** zmES's month index (Perl `localtime[4]`): 0–11 in local time. */
export function monthIndex (at: Date | number): number {
  return (typeof at === 'number' ? new Date(at) : at).getMonth()
}

/** §3.5: '', '-1' and absent all mean "every monitor"; Herald stores the one spelling ''. */
export function normalizeList (value: string): string {
  return value === '-1' ? '' : value
}

/** §3.3: absent, '' or '-1' keep what the token had. */
function keptOr (given: string | undefined, current: string): string {
  return given === undefined || given === '' || given === '-1' ? current : given
}

/** zmES stores an empty state as `enabled`; Herald also reads any other unknown word that way. */
export function toPushState (value: string | undefined): PushState {
  return value === 'disabled' ? 'disabled' : 'enabled'
}

function checkToken (token: unknown): string {
  if (typeof token !== 'string' || token === '') throw new ValidationError([{ field: 'token', message: 'must be a non-empty string' }])
  if (token.length > MAX_TOKEN_LENGTH) throw new ValidationError([{ field: 'token', message: `must be at most ${MAX_TOKEN_LENGTH} characters` }])
  return token
}

/**
 * The push token registry. Everything is loaded once at start and read from memory: the alarm
 * fan-out calls get() and lastSent() for every connection of every alarm. Writes go to memory
 * first (so a read right after a write sees it, and two writes to one token cannot lose each
 * other's fields) and then through to the store in call order (WriteQueue).
 *
 * Token and throttle writes made in the same turn of the event loop reach the store as one
 * batch: an alarm marks and counts every token it goes to. 10,000 tokens, markSent then
 * countInvocation for each (SQLite file, WAL): 1.25 s written one by one, the event loop blocked
 * all along; 0.3–0.4 s batched.
 */
export class StoreTokenRegistry implements TokenRegistry {
  readonly #store: Store
  readonly #clock: Clock
  readonly #tokens = new Map<string, PushToken>()
  /** recipient (token or connection id) → monitor id → time of the last start notification. */
  readonly #lastSent = new Map<string, Map<string, number>>()
  #list: readonly PushToken[] | undefined
  readonly #writes = new WriteQueue()
  /** Rows waiting for the next flush: the last state per token, the last time per token and monitor. */
  readonly #pendingTokens = new Map<string, PushToken>()
  readonly #pendingSent = new Map<string, LastSentRow>()
  #flush: Promise<void> | undefined

  private constructor (store: Store, clock: Clock) {
    this.#store = store
    this.#clock = clock
  }

  static async load (store: Store, options: TokenRegistryOptions = {}): Promise<StoreTokenRegistry> {
    const registry = new StoreTokenRegistry(store, options.clock ?? systemClock)
    for (const t of await store.listTokens()) registry.#tokens.set(t.token, t)
    for (const row of await store.listLastSent()) registry.#sent(row.recipient).set(row.monitorId, row.at)
    return registry
  }

  async register (registration: TokenRegistration): Promise<PushToken> {
    const token = checkToken(registration.token)
    if (typeof registration.platform !== 'string' || registration.platform === '') {
      throw new ValidationError([{ field: 'platform', message: 'must be a non-empty string' }])
    }
    const now = this.#clock.now()
    const current = this.#tokens.get(token)
    const appversion = registration.appversion !== undefined && registration.appversion !== '' ? registration.appversion : undefined
    const next: PushToken = {
      token,
      platform: registration.platform,
      monlist: keptOr(registration.monlist, current?.monlist ?? ''),
      intlist: keptOr(registration.intlist, current?.intlist ?? ''),
      pushstate: toPushState(registration.pushstate),
      appversion: appversion ?? current?.appversion ?? 'unknown',
      // A token registered again keeps its monthly count and badge: it is the same phone.
      badge: current?.badge ?? 0,
      invocations: current?.invocations ?? { count: 0, at: monthIndex(now) },
      profile: registration.profile ?? current?.profile ?? null,
      createdAt: current?.createdAt ?? now,
      updatedAt: now
    }
    await this.#put(next)
    return next
  }

  get (token: string): PushToken | undefined {
    return this.#tokens.get(token)
  }

  list (): readonly PushToken[] {
    this.#list ??= Object.freeze([...this.#tokens.values()])
    return this.#list
  }

  async setFilter (token: string, monlist: string, intlist: string): Promise<void> {
    const current = this.#tokens.get(token)
    if (current === undefined) return
    await this.#put({ ...current, monlist: normalizeList(monlist), intlist: normalizeList(intlist), updatedAt: this.#clock.now() })
  }

  async setBadge (token: string, badge: number): Promise<void> {
    if (!Number.isSafeInteger(badge) || badge < 0) throw new ValidationError([{ field: 'badge', message: 'must be a non-negative integer' }])
    const current = this.#tokens.get(token)
    if (current === undefined || current.badge === badge) return
    await this.#put({ ...current, badge, updatedAt: this.#clock.now() })
  }

  async countInvocation (token: string, now: Date): Promise<void> {
    const current = this.#tokens.get(token)
    if (current === undefined) return
    const month = monthIndex(now)
    const invocations = current.invocations.at === month ? { count: current.invocations.count + 1, at: month } : { count: 1, at: month }
    await this.#put({ ...current, invocations, updatedAt: now.getTime() })
  }

  /**
   * Gone from memory and from the store in one step. zmES deleted an invalid token only from the
   * file, in a child process, so the parent kept pushing to it and wrote it back (quirk 10).
   */
  async remove (token: string): Promise<boolean> {
    const existed = this.#tokens.delete(token)
    this.#lastSent.delete(token)
    if (existed) this.#list = undefined
    // Not yet written: it must not be written after the delete and bring the token back.
    this.#pendingTokens.delete(token)
    for (const [key, row] of this.#pendingSent) if (row.recipient === token) this.#pendingSent.delete(key)
    const deleted = await this.#writes.run(async () => await this.#store.deleteToken(token))
    return existed || deleted
  }

  lastSent (recipient: string, monitorId: string): number | undefined {
    return this.#lastSent.get(recipient)?.get(monitorId)
  }

  /**
   * Kept per recipient, so each token has its own throttle state: zmES gave every token loaded
   * from tokens.txt one shared id, and one push throttled all of them (quirk 12). Only tokens are
   * persisted; a socket without a token is gone after a restart anyway.
   */
  async markSent (recipient: string, monitorId: string, at: number): Promise<void> {
    this.#sent(recipient).set(monitorId, at)
    if (!this.#tokens.has(recipient)) return
    this.#pendingSent.set(`${recipient}\u0000${monitorId}`, { recipient, monitorId, at })
    await this.#scheduleFlush()
  }

  forget (recipient: string): void {
    if (!this.#tokens.has(recipient)) this.#lastSent.delete(recipient)
  }

  /**
   * Creates or overwrites tokens from a tokens.txt, in one store transaction: a file is imported
   * whole or not at all. What the file has wins; badge, created stamp and throttle state are kept.
   * `file` records which content of which file this was, for importTokensAtStart.
   */
  async importTokens (records: readonly TokenRecord[], options: { file?: ImportedFile } = {}): Promise<TokenImportResult> {
    const now = this.#clock.now()
    const rows = new Map<string, PushToken>()
    for (const r of records) {
      checkToken(r.token)
      const current = this.#tokens.get(r.token)
      rows.set(r.token, {
        token: r.token,
        platform: r.platform,
        monlist: normalizeList(r.monlist),
        intlist: normalizeList(r.intlist),
        pushstate: r.pushstate,
        appversion: r.appversion,
        badge: current?.badge ?? 0,
        invocations: { count: r.invocations.count, at: r.invocations.at },
        profile: r.profile,
        createdAt: current?.createdAt ?? now,
        updatedAt: now
      })
    }
    // Memory first, like every write, so a register() racing the import is not overwritten by it
    // afterwards; put back as it was when the store refuses the batch.
    const previous = new Map([...rows.keys()].map((token) => [token, this.#tokens.get(token)]))
    for (const row of rows.values()) this.#tokens.set(row.token, row)
    this.#list = undefined
    try {
      await this.#writes.run(async () => { await this.#store.putTokens([...rows.values()]) })
    } catch (err) {
      for (const [token, before] of previous) {
        if (this.#tokens.get(token) !== rows.get(token)) continue
        if (before === undefined) this.#tokens.delete(token)
        else this.#tokens.set(token, before)
      }
      this.#list = undefined
      throw err
    }
    if (options.file !== undefined) {
      const { path, digest } = options.file
      await this.#writes.run(async () => { await this.#store.setSetting(IMPORTED_PREFIX + path, digest) })
    }
    const created = [...previous.values()].filter((before) => before === undefined).length
    return { created, updated: rows.size - created }
  }

  /** The digest of the content last imported from `path` with importTokens({ file }). */
  async importedDigest (path: string): Promise<string | undefined> {
    return await this.#store.getSetting(IMPORTED_PREFIX + path)
  }

  async #put (next: PushToken): Promise<void> {
    this.#tokens.set(next.token, next)
    // Rebuilt on the next list(): an alarm counts a push for every token, then lists once.
    this.#list = undefined
    this.#pendingTokens.set(next.token, next)
    await this.#scheduleFlush()
  }

  /** One flush for everything written until it runs; every caller waits for the one it joined. */
  async #scheduleFlush (): Promise<void> {
    this.#flush ??= this.#writes.run(async () => {
      this.#flush = undefined
      const tokens = [...this.#pendingTokens.values()]
      const sent = [...this.#pendingSent.values()]
      this.#pendingTokens.clear()
      this.#pendingSent.clear()
      if (tokens.length > 0) await this.#store.putTokens(tokens)
      if (sent.length > 0) await this.#store.putLastSent(sent)
    })
    await this.#flush
  }

  #sent (recipient: string): Map<string, number> {
    let map = this.#lastSent.get(recipient)
    if (map === undefined) {
      map = new Map()
      this.#lastSent.set(recipient, map)
    }
    return map
  }
}
