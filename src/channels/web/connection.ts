import type { WebSocket } from 'ws'
import type { TimerHandle } from '../../clock.js'
import type { Reply } from './replies.js'

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
  /** `address:port`, for log lines (and the X-Forwarded-For value when a proxy sent one). */
  readonly remote: string
  readonly openedAt: number
  state: ConnectionState = 'pending'
  category: Category = 'normal'
  appversion = 'unknown'
  /** '' until the app registers a push token on this connection (reset by every auth, as in zmES). */
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
  #monitors: ReadonlySet<string> | null = null
  #intervals: ReadonlyMap<string, number> = new Map()

  constructor (id: string, ws: WebSocket, remote: string, openedAt: number) {
    this.id = id
    this.ws = ws
    this.remote = remote
    this.openedAt = openedAt
  }

  get monlist (): string { return this.#monlist }
  get intlist (): string { return this.#intlist }

  /**
   * §3.5: `monlist` '' or '-1' means every monitor; `intlist` holds seconds positionally matching
   * `monlist` (the lookup zmES 6.1.29 lost, quirk 1). Without a monitor list there is no position to
   * match, so no interval applies.
   */
  setFilter (monlist: string, intlist: string): void {
    this.#monlist = monlist
    this.#intlist = intlist
    const mids = splitList(monlist)
    const all = mids.length === 0 || (mids.length === 1 && mids[0] === '-1')
    this.#monitors = all ? null : new Set(mids)
    const seconds = splitList(intlist)
    const intervals = new Map<string, number>()
    if (!all) {
      mids.forEach((mid, i) => {
        const s = Number(seconds[i])
        if (Number.isFinite(s) && s > 0 && !intervals.has(mid)) intervals.set(mid, s)
      })
    }
    this.#intervals = intervals
  }

  watches (monitorId: string): boolean {
    return this.#monitors === null || this.#monitors.has(monitorId)
  }

  /** Minimum seconds between two start notifications of this monitor; 0 = no throttle. */
  intervalFor (monitorId: string): number {
    return this.#intervals.get(monitorId) ?? 0
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
}

function splitList (list: string): string[] {
  return list.split(',').map((s) => s.trim()).filter((s) => s !== '')
}
