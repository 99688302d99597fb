import type { IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { performance } from 'node:perf_hooks'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import type { Logger } from 'pino'
import type { Clock } from '../../clock.js'
import type { ZmesConfig } from '../../config/zmes/zmes-schema.js'
import type { UserProvider } from '../../auth/user-provider.js'
import type { ControlState, TokenRegistry } from '../../registry/contract.js'
import { toError } from '../../errors.js'
import { timerDelay } from '../../timer-delay.js'
import { Connection } from './connection.js'
import { handleEscontrol, type EscontrolHost, type ZmesReadout } from './escontrol.js'
import { esVersion } from './es-version.js'
import { Listener, resolveListenSpec, type ListenSpec } from './listener.js'
import { handleMessage, type Message, type ProtocolContext } from './protocol.js'
import { BAD_JSON, fail, type Reply } from './replies.js'

/** Resource limits of the event server; every one protects the others from one bad client. */
export interface EventServerLimits {
  /** Largest message in bytes; a bigger frame closes that connection with 1009 (zmES's library default). @defaultValue 65536 */
  readonly maxPayload: number
  /** A socket that has not finished its TLS handshake and WebSocket upgrade by then is dropped. @defaultValue 10000 */
  readonly handshakeTimeoutMs: number
  /** Keep-alive: every connection is pinged this often and terminated when it missed the previous pong. @defaultValue 30000 */
  readonly pingIntervalMs: number
  /**
   * Messages one connection may send per second (zmNinja sends 4 after connecting, then one per
   * minute). One more gets RATELIMITED and the connection is closed, so a flooding client costs
   * the others at most this much work. @defaultValue 100
   */
  readonly maxMessagesPerSecond: number
  /** Messages waiting behind a slow one (a login being checked) on one connection. @defaultValue 100 */
  readonly maxQueuedMessages: number
  /** A client that stops reading is terminated once this much waits in its send buffer. @defaultValue 4 MiB */
  readonly maxBufferedBytes: number
}

export const DEFAULT_LIMITS: EventServerLimits = Object.freeze({
  maxPayload: 65_536,
  handshakeTimeoutMs: 10_000,
  pingIntervalMs: 30_000,
  maxMessagesPerSecond: 100,
  maxQueuedMessages: 100,
  maxBufferedBytes: 4 * 1024 * 1024
})

export interface EventServerOptions {
  /** The settings to start with (file, then the stored escontrol overrides). */
  readonly initial: ZmesReadout
  /** Reads the settings again with other overrides (escontrol `edit` and `reset`). */
  readonly readConfig: (overrides: ReadonlyMap<string, string>) => ZmesReadout
  /**
   * escontrol `restart`: re-read the settings file and call reload(). Defaults to reload() with
   * readConfig(current overrides), which does not re-read the file.
   */
  readonly onRestart?: () => Promise<void>
  readonly users: UserProvider
  readonly tokens: TokenRegistry
  readonly control: ControlState
  readonly clock: Clock
  readonly logger: Logger
  readonly limits?: Partial<EventServerLimits>
  /** Reported to clients; defaults to esVersion(). */
  readonly version?: string
}

/** WebSocket close codes (RFC 6455 §7.4.1). */
const POLICY = 1008
const GOING_AWAY = 1001
const RESTART = 1012
/** After sending a close frame, a peer that does not answer it is cut off after this long. */
const CLOSE_GRACE_MS = 1000

/**
 * The zmeventnotification WebSocket server (spec §1–4): zmNinja and zmNinjaNG connect, log in,
 * register push tokens and filters, and receive alarms (pushed by WebChannel through
 * connections()). One process serves every connection without blocking: a raw TCP client, a
 * silent client, a flood of messages or an oversized frame costs only its own connection.
 */
export class EventServer implements EscontrolHost {
  readonly control: ControlState
  readonly logger: Logger
  readonly tokens: TokenRegistry
  readonly limits: EventServerLimits
  readonly version: string
  readonly #o: EventServerOptions
  readonly #wss: WebSocketServer
  readonly #connections = new Map<string, Connection>()
  /** Push token → the connections it is registered on: a push finds its socket without a scan. */
  readonly #byToken = new Map<string, Set<Connection>>()
  readonly #ctx: ProtocolContext
  #config: ZmesConfig
  #sslExplicit: boolean
  #listener: Listener | null = null
  #seq = 0
  #sweep: NodeJS.Timeout | null = null
  #closed = false

  constructor (options: EventServerOptions) {
    this.#o = options
    this.control = options.control
    this.tokens = options.tokens
    this.logger = options.logger
    this.limits = { ...DEFAULT_LIMITS, ...options.limits }
    this.version = options.version ?? esVersion()
    this.#config = options.initial.config
    this.#sslExplicit = options.initial.sslExplicit
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: this.limits.maxPayload, perMessageDeflate: false, clientTracking: false })
    this.#ctx = {
      config: () => this.#config,
      version: this.version,
      users: options.users,
      tokens: options.tokens,
      logger: options.logger,
      authenticated: (conn) => this.#clearAuthTimer(conn),
      holdToken: (conn, token) => this.#holdToken(conn, token),
      reject: (conn, reply) => this.#closeWith(conn, reply, POLICY, 'authentication failed'),
      escontrol: async (conn, msg) => await handleEscontrol(this, conn, msg)
    }
  }

  config (): ZmesConfig {
    return this.#config
  }

  /** `ws://host:port` or `wss://host:port` once listening. */
  get address (): string | undefined {
    const a = this.#listener?.address()
    if (a == null) return undefined
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address
    return `${this.#listener?.spec.tls !== null ? 'wss' : 'ws'}://${host}:${a.port}`
  }

  /** Live connections, oldest first. */
  connections (): IterableIterator<Connection> {
    return this.#connections.values()
  }

  get size (): number {
    return this.#connections.size
  }

  /**
   * The logged-in socket a token's alarms go to: the newest, as in the web channel's fan-out,
   * since an older one is the likelier to be dead (of two opened in the same millisecond, the one
   * that registered the token last).
   */
  newestHolder (token: string): Connection | undefined {
    let found: Connection | undefined
    for (const conn of this.#byToken.get(token) ?? []) {
      if (conn.state !== 'valid' || conn.category !== 'normal') continue
      if (found === undefined || conn.openedAt >= found.openedAt) found = conn
    }
    return found
  }

  #holdToken (conn: Connection, token: string): void {
    if (conn.token === token) return
    const held = this.#byToken.get(conn.token)
    if (held !== undefined) {
      held.delete(conn)
      if (held.size === 0) this.#byToken.delete(conn.token)
    }
    conn.token = token
    if (token === '') return
    const holders = this.#byToken.get(token)
    if (holders === undefined) this.#byToken.set(token, new Set([conn]))
    else holders.add(conn)
  }

  /** @throws ConfigError when TLS is on and its files are missing; the listen error when the port is taken. */
  async start (): Promise<AddressInfo> {
    const spec = resolveListenSpec(this.#config, this.#sslExplicit)
    if (spec.warning !== undefined) this.logger.warn(spec.warning)
    const address = await this.#listen(spec)
    this.#scheduleSweep()
    return address
  }

  readConfig (overrides: ReadonlyMap<string, string>): ZmesReadout {
    return this.#o.readConfig(overrides)
  }

  apply (readout: ZmesReadout): void {
    this.#config = readout.config
    this.#sslExplicit = readout.sslExplicit
  }

  async restart (): Promise<void> {
    try {
      if (this.#o.onRestart !== undefined) await this.#o.onRestart()
      else await this.reload(this.#o.readConfig(this.control.overrides()))
    } catch (err) {
      this.logger.error({ err: toError(err) }, 'event server restart failed; the previous settings stay in force')
    }
  }

  /**
   * Applies settings read anew (escontrol `restart`). The listener is rebuilt only when its
   * address, port or TLS switch changed, which closes every connection with 1012 (zmNinja
   * reconnects); renewed certificate files are swapped in without dropping anyone. If the new
   * listener cannot be set up, the old one keeps serving.
   */
  async reload (readout: ZmesReadout): Promise<void> {
    if (this.#closed) return
    const spec = resolveListenSpec(readout.config, readout.sslExplicit)
    this.apply(readout)
    const old = this.#listener
    if (old !== null && sameEndpoint(old.spec, spec)) {
      if (spec.tls !== null && old.spec.tls !== null && (!spec.tls.cert.equals(old.spec.tls.cert) || !spec.tls.key.equals(old.spec.tls.key))) {
        old.renew(spec)
        this.logger.info('event server: TLS certificate reloaded')
      }
      return
    }
    if (spec.warning !== undefined) this.logger.warn(spec.warning)
    for (const conn of [...this.#connections.values()]) this.#close(conn, RESTART, 'restart')
    await old?.close()
    this.#listener = null
    try {
      await this.#listen(spec)
    } catch (err) {
      this.logger.error({ err: toError(err), host: spec.host, port: spec.port }, 'event server: cannot listen with the new settings; keeping the previous ones')
      if (old !== null) await this.#listen(old.spec)
    }
  }

  /** Closes every connection (1001) and the listener. */
  async close (): Promise<void> {
    this.#closed = true
    if (this.#sweep !== null) clearInterval(this.#sweep)
    this.#sweep = null
    for (const conn of [...this.#connections.values()]) {
      this.#clearAuthTimer(conn)
      conn.state = 'closing'
      conn.ws.close(GOING_AWAY, 'server shutting down')
      conn.ws.terminate()
    }
    this.#connections.clear()
    this.#byToken.clear()
    await this.#listener?.close()
    this.#listener = null
    this.#wss.close()
  }

  async #listen (spec: ListenSpec): Promise<AddressInfo> {
    const listener = new Listener(spec, {
      handshakeTimeoutMs: this.limits.handshakeTimeoutMs,
      onUpgrade: (req, socket, head) => this.#upgrade(req, socket, head),
      onError: (err, context) => this.logger.debug({ err }, `event server: ${context}`)
    })
    const address = await listener.listen()
    this.#listener = listener
    this.logger.info({ address: this.address, tls: spec.tls !== null }, `event server listening on ${this.address ?? ''}`)
    return address
  }

  #upgrade (req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.#closed) {
      socket.destroy()
      return
    }
    // Any path is accepted, as in zmES.
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws, socket, req))
  }

  #accept (ws: WebSocket, socket: Duplex, req: IncomingMessage): void {
    const { clock } = this.#o
    const forwarded = req.headers['x-forwarded-for']
    const peer = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`
    const remote = typeof forwarded === 'string' && forwarded !== '' ? `${peer} (for ${forwarded})` : peer
    const conn = new Connection(`c${++this.#seq}`, ws, socket, remote, clock.now())
    this.#connections.set(conn.id, conn)
    // The timeout applies even with [auth] enable = no: the client must still send auth (§2).
    conn.authTimer = clock.setTimeout(() => {
      conn.authTimer = null
      if (conn.state === 'pending') this.#closeWith(conn, fail('auth', '', 'NOAUTH'), POLICY, 'authentication timeout')
    }, timerDelay(this.#config.auth.timeout * 1000))
    ws.on('message', (data, isBinary) => this.#receive(conn, data, isBinary))
    ws.on('pong', () => { conn.alive = true })
    // ws closes by itself on invalid UTF-8 (1007) and oversized frames (1009); log and let it.
    ws.on('error', (err) => this.logger.debug({ err, remote: conn.remote }, 'event server: connection error'))
    ws.on('close', () => {
      this.#clearAuthTimer(conn)
      conn.state = 'closing'
      this.#connections.delete(conn.id)
      this.#holdToken(conn, '')
    })
    this.logger.debug({ remote, connections: this.#connections.size }, 'event server: connection opened')
  }

  #receive (conn: Connection, data: RawData, isBinary: boolean): void {
    if (conn.state === 'closing') return
    const now = performance.now()
    if (now - conn.windowStart >= 1000) {
      conn.windowStart = now
      conn.windowCount = 0
    }
    if (++conn.windowCount > this.limits.maxMessagesPerSecond || conn.queued >= this.limits.maxQueuedMessages) {
      this.logger.warn({ remote: conn.remote }, 'event server: client sends too fast; connection closed')
      this.#closeWith(conn, fail(isBinary ? 'malformed' : eventOf(data), '', 'RATELIMITED'), POLICY, 'rate limit')
      return
    }
    // zmES only handles text frames; Herald at least says why nothing happened.
    if (isBinary) {
      conn.send(BAD_JSON)
      return
    }
    const text = toText(data)
    conn.queued++
    conn.chain = conn.chain
      .then(async () => { if (conn.state !== 'closing') await handleMessage(this.#ctx, conn, text) })
      .catch((err: unknown) => this.logger.error({ err: toError(err), remote: conn.remote }, 'event server: message handling failed'))
      .finally(() => { conn.queued-- })
  }

  /** Sends one alarm framed by textFrame(); a client that stopped reading is cut off rather than buffered forever. */
  deliver (conn: Connection, frame: Buffer): void {
    if (conn.ws.bufferedAmount > this.limits.maxBufferedBytes) {
      this.logger.warn({ remote: conn.remote, buffered: conn.ws.bufferedAmount }, 'event server: client does not read; connection terminated')
      conn.state = 'closing'
      conn.ws.terminate()
      return
    }
    conn.sendFrame(frame)
  }

  /*
   * Real time, not the injected clock: a pong needs real time to come back, and a test that moves
   * a manual clock by minutes must not make every client look dead.
   */
  #scheduleSweep (): void {
    this.#sweep = setInterval(() => {
      for (const conn of [...this.#connections.values()]) {
        if (!conn.alive) {
          this.logger.debug({ remote: conn.remote }, 'event server: no pong; connection terminated')
          conn.state = 'closing'
          conn.ws.terminate()
          continue
        }
        conn.alive = false
        try { conn.ws.ping() } catch { /* closing already */ }
      }
    }, this.limits.pingIntervalMs)
    this.#sweep.unref()
  }

  #closeWith (conn: Connection, reply: Reply, code: number, reason: string): void {
    conn.send(reply)
    this.#close(conn, code, reason)
  }

  #close (conn: Connection, code: number, reason: string): void {
    if (conn.state === 'closing') return
    conn.state = 'closing'
    this.#clearAuthTimer(conn)
    conn.ws.close(code, reason)
    const timer = setTimeout(() => conn.ws.terminate(), CLOSE_GRACE_MS)
    timer.unref()
    conn.ws.once('close', () => clearTimeout(timer))
  }

  #clearAuthTimer (conn: Connection): void {
    if (conn.authTimer !== null) this.#o.clock.clearTimeout(conn.authTimer)
    conn.authTimer = null
  }
}

function sameEndpoint (a: ListenSpec, b: ListenSpec): boolean {
  return a.host === b.host && a.port === b.port && (a.tls === null) === (b.tls === null)
}

function toText (data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8')
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  return Buffer.from(data).toString('utf8')
}

/** The `event` of the message that tripped the rate limit, for the RATELIMITED reply. */
function eventOf (data: RawData): string {
  try {
    const parsed = JSON.parse(toText(data)) as Message
    return typeof parsed.event === 'string' ? parsed.event : 'malformed'
  } catch {
    return 'malformed'
  }
}
