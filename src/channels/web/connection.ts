import type { Duplex } from 'node:stream'
import type { WebSocket } from 'ws'
import type { TimerHandle } from '../../clock.js'
import type { Reply } from './replies.js'
import { EVERY_MONITOR, intervalOf, parseMonitorFilter, watchesMonitor, type MonitorFilter } from '../../registry/monitor-filter.js'

export type ConnectionState = 'pending' | 'valid' | 'closing'
export type Category = 'normal' | 'escontrol'

/**
 * One live WebSocket and what zmES keeps for it (spec §2): its login, its monitor filter and,
 * once the app registered one, its push token. Monitor lists are parsed once per change, not per
 * alarm: the fan-out reads them for every connection of every alarm.
 */
export class Connection {
  readonly id: string
  readonly ws: WebSocket
  /** The connection's TCP (or TLS) socket, which `ws` writes its frames to. */
  readonly socket: Duplex
  /** `address:port`, for log lines (and the X-Forwarded-For value when a proxy sent one). */
  readonly remote: string
  readonly openedAt: number
  state: ConnectionState = 'pending'
  category: Category = 'normal'
  appversion = 'unknown'
  /**
   * '' until the app registers a push token on this connection (reset by every auth, as in zmES).
   * Set through the event server (holdToken), which indexes connections by token.
   */
  token = ''
  /** Start-notification throttle of a connection without a token: monitor id → ms. In memory only, as in zmES. */
  readonly lastSent = new Map<string, number>()
  authTimer: TimerHandle | null = null
  /** Cleared by each keep-alive ping, set by the pong: still false at the next ping means dead. */
  alive = true
  /** Messages received in the current rate window and when it began. */
  windowStart = 0
  windowCount = 0
  /** Messages accepted but not yet handled: they are handled one at a time, in order. */
  queued = 0
  chain: Promise<void> = Promise.resolve()
  #monlist = ''
  #intlist = ''
  #filter: MonitorFilter = EVERY_MONITOR

  constructor (id: string, ws: WebSocket, socket: Duplex, remote: string, openedAt: number) {
    this.id = id
    this.ws = ws
    this.socket = socket
    this.remote = remote
    this.openedAt = openedAt
  }

  get monlist (): string { return this.#monlist }
  get intlist (): string { return this.#intlist }

  /** §3.5, as every channel reads it (registry/monitor-filter.ts). */
  setFilter (monlist: string, intlist: string): void {
    this.#monlist = monlist
    this.#intlist = intlist
    this.#filter = parseMonitorFilter(monlist, intlist)
  }

  watches (monitorId: string): boolean {
    return watchesMonitor(this.#filter, monitorId)
  }

  /** Minimum seconds between two start notifications of this monitor; 0 = no throttle. */
  intervalFor (monitorId: string): number {
    return intervalOf(this.#filter, monitorId)
  }

  get open (): boolean {
    return this.ws.readyState === this.ws.OPEN && this.state !== 'closing'
  }

  send (reply: Reply): void {
    this.sendText(JSON.stringify(reply))
  }

  /** Sends prepared UTF-8 bytes as one text frame; shared buffers are not copied per connection. */
  sendText (data: string | Buffer): void {
    if (this.ws.readyState !== this.ws.OPEN) return
    this.ws.send(data, { binary: false })
  }

  /**
   * Writes a frame built by textFrame() to the socket, behind whatever `ws` wrote before: with
   * no compression `ws` writes each frame to the socket at once, so frames keep their order. The
   * bytes count in `ws.bufferedAmount` like those `ws` writes.
   */
  sendFrame (frame: Buffer): void {
    if (this.ws.readyState !== this.ws.OPEN) return
    this.socket.write(frame)
  }
}
