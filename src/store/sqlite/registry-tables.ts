import type Database from 'better-sqlite3'
import type { MonitorNotifyState, PushState, PushToken } from '../../registry/contract.js'
import type { LastSentRow, UserRow } from '../store.js'

interface UserRecord { name: string, password_hash: string, created_at: number }
interface TokenRecord {
  token: string, platform: string, monlist: string, intlist: string, pushstate: PushState, appversion: string, badge: number,
  invocations_count: number, invocations_month: number, profile: string | null, created_at: number, updated_at: number
}
interface LastSentRecord { recipient: string, monitor_id: string, at: number }

function toUser (r: UserRecord): UserRow {
  return { name: r.name, passwordHash: r.password_hash, createdAt: r.created_at }
}

function toToken (r: TokenRecord): PushToken {
  return {
    token: r.token,
    platform: r.platform,
    monlist: r.monlist,
    intlist: r.intlist,
    pushstate: r.pushstate,
    appversion: r.appversion,
    badge: r.badge,
    invocations: { count: r.invocations_count, at: r.invocations_month },
    profile: r.profile,
    createdAt: r.created_at,
    updatedAt: r.updated_at
  }
}

function tokenParams (t: PushToken): TokenRecord {
  return {
    token: t.token,
    platform: t.platform,
    monlist: t.monlist,
    intlist: t.intlist,
    pushstate: t.pushstate,
    appversion: t.appversion,
    badge: t.badge,
    invocations_count: t.invocations.count,
    invocations_month: t.invocations.at,
    profile: t.profile,
    created_at: t.createdAt,
    updated_at: t.updatedAt
  }
}

/**
 * The SQLite side of the zmES registries (migration 0002): users, push tokens and their throttle
 * rows, escontrol state. Kept apart from SqliteStore so the queue's file stays about the queue;
 * SqliteStore delegates to it, and the contract is still the one Store.
 */
export class RegistryTables {
  readonly #stmt
  readonly #putTokens: (tokens: readonly PushToken[]) => void
  readonly #deleteToken: (token: string) => boolean
  readonly #putLastSent: (rows: readonly LastSentRow[]) => void
  readonly #putMonitorStates: (ids: readonly string[], state: MonitorNotifyState) => void
  readonly #resetControl: () => void

  constructor (db: Database.Database) {
    const stmt = this.#stmt = {
      listUsers: db.prepare('SELECT * FROM users ORDER BY name'),
      getUser: db.prepare('SELECT * FROM users WHERE name = ?'),
      createUser: db.prepare('INSERT INTO users (name, password_hash, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING'),
      deleteUser: db.prepare('DELETE FROM users WHERE name = ?'),
      listTokens: db.prepare('SELECT * FROM push_tokens ORDER BY created_at, token'),
      putToken: db.prepare(`INSERT INTO push_tokens (token, platform, monlist, intlist, pushstate, appversion, badge, invocations_count,
        invocations_month, profile, created_at, updated_at) VALUES (@token, @platform, @monlist, @intlist, @pushstate, @appversion, @badge,
        @invocations_count, @invocations_month, @profile, @created_at, @updated_at)
        ON CONFLICT (token) DO UPDATE SET platform = excluded.platform, monlist = excluded.monlist, intlist = excluded.intlist,
        pushstate = excluded.pushstate, appversion = excluded.appversion, badge = excluded.badge, invocations_count = excluded.invocations_count,
        invocations_month = excluded.invocations_month, profile = excluded.profile, created_at = excluded.created_at, updated_at = excluded.updated_at`),
      deleteToken: db.prepare('DELETE FROM push_tokens WHERE token = ?'),
      deleteLastSentOf: db.prepare('DELETE FROM last_sent WHERE recipient = ?'),
      listLastSent: db.prepare('SELECT * FROM last_sent ORDER BY recipient, monitor_id'),
      putLastSent: db.prepare('INSERT INTO last_sent (recipient, monitor_id, at) VALUES (?, ?, ?) ON CONFLICT (recipient, monitor_id) DO UPDATE SET at = excluded.at'),
      listOverrides: db.prepare('SELECT key, value FROM escontrol_overrides ORDER BY key'),
      putOverride: db.prepare('INSERT INTO escontrol_overrides (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      clearOverrides: db.prepare('DELETE FROM escontrol_overrides'),
      listMonitorStates: db.prepare('SELECT monitor_id, state FROM monitor_notify_states ORDER BY monitor_id'),
      putMonitorState: db.prepare('INSERT INTO monitor_notify_states (monitor_id, state) VALUES (?, ?) ON CONFLICT (monitor_id) DO UPDATE SET state = excluded.state'),
      zeroMonitorStates: db.prepare('UPDATE monitor_notify_states SET state = 0')
    }
    this.#putTokens = db.transaction((tokens: readonly PushToken[]) => {
      for (const t of tokens) stmt.putToken.run(tokenParams(t))
    })
    this.#deleteToken = db.transaction((token: string) => {
      stmt.deleteLastSentOf.run(token)
      return stmt.deleteToken.run(token).changes > 0
    })
    this.#putLastSent = db.transaction((rows: readonly LastSentRow[]) => {
      for (const r of rows) stmt.putLastSent.run(r.recipient, r.monitorId, r.at)
    })
    this.#putMonitorStates = db.transaction((ids: readonly string[], state: MonitorNotifyState) => {
      for (const id of ids) stmt.putMonitorState.run(id, state)
    })
    this.#resetControl = db.transaction(() => {
      stmt.clearOverrides.run()
      stmt.zeroMonitorStates.run()
    })
  }

  listUsers (): UserRow[] {
    return (this.#stmt.listUsers.all() as UserRecord[]).map(toUser)
  }

  getUser (name: string): UserRow | undefined {
    const r = this.#stmt.getUser.get(name) as UserRecord | undefined
    return r === undefined ? undefined : toUser(r)
  }

  createUser (user: UserRow): boolean {
    return this.#stmt.createUser.run(user.name, user.passwordHash, user.createdAt).changes > 0
  }

  deleteUser (name: string): boolean {
    return this.#stmt.deleteUser.run(name).changes > 0
  }

  listTokens (): PushToken[] {
    return (this.#stmt.listTokens.all() as TokenRecord[]).map(toToken)
  }

  putTokens (tokens: readonly PushToken[]): void {
    this.#putTokens(tokens)
  }

  deleteToken (token: string): boolean {
    return this.#deleteToken(token)
  }

  listLastSent (): LastSentRow[] {
    return (this.#stmt.listLastSent.all() as LastSentRecord[]).map((r) => ({ recipient: r.recipient, monitorId: r.monitor_id, at: r.at }))
  }

  putLastSent (rows: readonly LastSentRow[]): void {
    this.#putLastSent(rows)
  }

  listOverrides (): Map<string, string> {
    return new Map((this.#stmt.listOverrides.all() as Array<{ key: string, value: string }>).map((r) => [r.key, r.value]))
  }

  putOverride (key: string, value: string): void {
    this.#stmt.putOverride.run(key, value)
  }

  listMonitorStates (): Map<string, MonitorNotifyState> {
    const rows = this.#stmt.listMonitorStates.all() as Array<{ monitor_id: string, state: MonitorNotifyState }>
    return new Map(rows.map((r) => [r.monitor_id, r.state]))
  }

  putMonitorStates (monitorIds: readonly string[], state: MonitorNotifyState): void {
    this.#putMonitorStates(monitorIds, state)
  }

  resetControl (): void {
    this.#resetControl()
  }
}
