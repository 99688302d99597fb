import { timingSafeEqual } from 'node:crypto'
import type { Logger } from 'pino'
import type { ZmesConfig } from '../../config/zmes/zmes-schema.js'
import type { UserProvider } from '../../auth/user-provider.js'
import type { TokenRegistry } from '../../registry/contract.js'
import { ValidationError, toError } from '../../errors.js'
import type { Connection } from './connection.js'
import { BAD_JSON, authSuccess, fail, versionReply, type Reply } from './replies.js'

/** What the message handlers need from the server around them. */
export interface ProtocolContext {
  /** The effective zmES settings now (file, then escontrol overrides). */
  config (): ZmesConfig
  /** The version reported to clients (see version.ts). */
  readonly version: string
  readonly users: UserProvider
  readonly tokens: TokenRegistry
  readonly logger: Logger
  /** The connection logged in: stop its auth timer. */
  authenticated (conn: Connection): void
  /** The push token the app registered on this connection ('' for none): kept where supplement() finds it. */
  holdToken (conn: Connection, token: string): void
  /** Sends the reply, then closes the connection (BADAUTH, ESCONTROLDISABLED). */
  reject (conn: Connection, reply: Reply): void
  escontrol (conn: Connection, message: Message): Promise<void>
}

export type Message = Record<string, unknown> & { readonly event?: unknown, readonly data?: unknown }

/**
 * One text message from a client (spec §3). Quirk 3 fixed: before a successful `auth`, only `auth`
 * and `control`/`version` (zmNinjaNG's keep-alive) are answered; everything else gets NOAUTH with
 * its own `event` and changes nothing. Unknown events get NOTSUPPORTED, which 6.1.29 meant to send
 * but never delivered (quirk 6).
 */
export async function handleMessage (ctx: ProtocolContext, conn: Connection, text: string): Promise<void> {
  let message: unknown
  try {
    message = JSON.parse(text)
  } catch {
    conn.send(BAD_JSON)
    return
  }
  // zmES's decode_json rejects scalars; an array would die on ->{event}. Both get BADJSON.
  if (!isObject(message)) {
    conn.send(BAD_JSON)
    return
  }
  const msg = message as Message
  const event = msg.event
  const data = isObject(msg.data) ? msg.data : undefined
  if (event === 'auth') return await auth(ctx, conn, msg, data ?? {})
  if (event === 'control' && data?.type === 'version') {
    conn.send(versionReply(ctx.version))
    return
  }
  if (conn.state !== 'valid') {
    conn.send(fail(typeof event === 'string' ? event : null, '', 'NOAUTH'))
    return
  }
  switch (event) {
    case 'push': return await push(ctx, conn, msg, data ?? {})
    case 'control': return await control(ctx, conn, data ?? {})
    case 'escontrol': return await ctx.escontrol(conn, msg)
    default:
      conn.send(fail(typeof event === 'string' ? event : null, '', 'NOTSUPPORTED'))
  }
}

/** §3.1 / §3.2. A failed login is answered and closed (quirk 4 fixed). Auth may be repeated. */
async function auth (ctx: ProtocolContext, conn: Connection, msg: Message, data: Record<string, unknown>): Promise<void> {
  const config = ctx.config()
  const category = msg.category === 'escontrol' ? 'escontrol' : 'normal'
  let ok: boolean
  if (category === 'escontrol') {
    if (!config.general.use_escontrol_interface) {
      ctx.reject(conn, fail('auth', '', 'ESCONTROLDISABLED'))
      return
    }
    ok = samePassword(data.password, config.general.escontrol_interface_password)
  } else if (!config.auth.enable) {
    // As in zmES: any credentials, but the auth message itself is still required.
    ok = true
  } else {
    const user = typeof data.user === 'string' ? data.user : ''
    const password = typeof data.password === 'string' ? data.password : ''
    ok = false
    if (user !== '' && password !== '') {
      try {
        ok = await ctx.users.verify(user, password)
      } catch (err) {
        ctx.logger.error({ err: toError(err), provider: ctx.users.name, remote: conn.remote }, 'user provider failed; login refused')
      }
    }
  }
  if (!conn.open) return
  if (!ok) {
    ctx.logger.info({ remote: conn.remote, category }, 'event server: bad credentials, connection closed')
    ctx.reject(conn, fail('auth', '', 'BADAUTH'))
    return
  }
  conn.state = 'valid'
  conn.category = category
  conn.appversion = typeof data.appversion === 'string' && data.appversion !== '' ? data.appversion : 'unknown'
  conn.setFilter(listText(data.monlist) ?? '', listText(data.intlist) ?? '')
  // zmES forgets the token on every auth: the app registers it again right after.
  ctx.holdToken(conn, '')
  ctx.authenticated(conn)
  conn.send(authSuccess(ctx.version))
  ctx.logger.info({ remote: conn.remote, category, appversion: conn.appversion }, 'event server: client authenticated')
}

/** §3.3 `token` and §3.4 `badge`; no reply on success. */
async function push (ctx: ProtocolContext, conn: Connection, msg: Message, data: Record<string, unknown>): Promise<void> {
  if (!ctx.config().fcm.enable) {
    conn.send(fail('push', '', 'PUSHDISABLED'))
    return
  }
  if (data.type === 'badge') {
    const raw = data.badge
    const badge = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : Number.NaN
    if (!Number.isSafeInteger(badge) || badge < 0) return
    const targets = new Set<string>()
    if (conn.token !== '') targets.add(conn.token)
    if (typeof msg.token === 'string' && msg.token !== '') targets.add(msg.token)
    for (const token of targets) {
      if (ctx.tokens.get(token) !== undefined) await ctx.tokens.setBadge(token, badge)
    }
    return
  }
  if (data.type !== 'token') return
  const token = data.token
  if (typeof token !== 'string' || token === '') return
  const platform = data.platform
  if (typeof platform !== 'string' || platform === '') {
    conn.send(fail('push', 'token', 'MISSINGPLATFORM'))
    return
  }
  // Absent, '' or '-1' keep the current filter (§3.3): the connection's, which zmES saved with the
  // token, else (a connection that logged in without one) what the token had.
  const keep = (v: string | undefined): boolean => v === undefined || v === '' || v === '-1'
  const given = { monlist: listText(data.monlist), intlist: listText(data.intlist) }
  const monlist = !keep(given.monlist) ? given.monlist : conn.monlist !== '' ? conn.monlist : undefined
  const intlist = !keep(given.intlist) ? given.intlist : conn.intlist !== '' ? conn.intlist : undefined
  const appversion = typeof data.appversion === 'string' && data.appversion !== '' ? data.appversion : conn.appversion
  let registered
  try {
    registered = await ctx.tokens.register({
      token,
      platform,
      ...(monlist !== undefined ? { monlist } : {}),
      ...(intlist !== undefined ? { intlist } : {}),
      ...(typeof data.state === 'string' ? { pushstate: data.state } : {}),
      appversion,
      ...(typeof data.profile === 'string' ? { profile: data.profile } : {})
    })
  } catch (err) {
    // zmES has no reply for a token it cannot keep (a 10 kB "token"): ignored, as an empty one is.
    if (!(err instanceof ValidationError)) throw err
    ctx.logger.info({ remote: conn.remote, problems: err.fields }, 'event server: push token refused')
    return
  }
  ctx.holdToken(conn, token)
  conn.setFilter(registered.monlist, registered.intlist)
}

/** §3.5 `filter`; other types (but `version`, handled before auth) are ignored, as in zmES. */
async function control (ctx: ProtocolContext, conn: Connection, data: Record<string, unknown>): Promise<void> {
  if (data.type !== 'filter') return
  if (!('monlist' in data)) {
    conn.send(fail('control', 'filter', 'MISSINGMONITORLIST'))
    return
  }
  if (!('intlist' in data)) {
    conn.send(fail('control', 'filter', 'MISSINGINTERVALLIST'))
    return
  }
  const monlist = listText(data.monlist)
  const intlist = listText(data.intlist)
  // An object, a boolean or null is not a list: reading it as "" would widen the filter to every
  // monitor (zmES compared its text, "HASH(0x…)", which matched none). The filter stays as it was.
  if (monlist === undefined) {
    conn.send(fail('control', 'filter', 'BADMONITORLIST'))
    return
  }
  if (intlist === undefined) {
    conn.send(fail('control', 'filter', 'BADINTERVALLIST'))
    return
  }
  conn.setFilter(monlist, intlist)
  if (conn.token !== '' && ctx.tokens.get(conn.token) !== undefined) await ctx.tokens.setFilter(conn.token, monlist, intlist)
}

/** Lists arrive as strings from zmNinja; numbers (`"monlist": 3`) and arrays are read the same way. */
function listText (value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  if (Array.isArray(value)) return value.filter((v) => typeof v === 'string' || typeof v === 'number').join(',')
  return undefined
}

function samePassword (given: unknown, expected: string | undefined): boolean {
  if (typeof given !== 'string' || expected === undefined || expected === '') return false
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  // Compared in constant time; the length check leaks only the length.
  return a.length === b.length && timingSafeEqual(a, b)
}

export function isObject (value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}
