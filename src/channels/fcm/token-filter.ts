import type { MonitorNotifyState, PushToken } from '../../registry/contract.js'

/*
 * The per-token rules of a push (spec §6 delivery conditions, §9.4), as plain functions of the
 * token, the alarm and the throttle state: no I/O, so they run inside the decision's store
 * transaction.
 */

/** zmES DEFAULT_MAX_FCM_PER_MONTH_PER_TOKEN: more pushes than this in a month and the token gets none. */
export const MAX_PUSHES_PER_MONTH = 8000

interface MonitorFilter {
  /** null = every monitor. */
  readonly monitors: ReadonlySet<string> | null
  /** Seconds between two start pushes of a monitor; absent = no throttle. */
  readonly intervals: ReadonlyMap<string, number>
}

/* Token records are replaced, never changed, on every update: the parsed lists are kept per record. */
const parsed = new WeakMap<PushToken, MonitorFilter>()

function filterOf (token: PushToken): MonitorFilter {
  let f = parsed.get(token)
  if (f === undefined) {
    f = parseFilter(token.monlist, token.intlist)
    parsed.set(token, f)
  }
  return f
}

/**
 * §3.5: monlist '' or '-1' is every monitor; intlist is positional with monlist (the lookup zmES
 * 6.1.29 lost, quirk 1). Without a monitor list there is no position, so no interval applies —
 * the same reading as the websocket channel's (channels/web/connection.ts).
 */
export function parseFilter (monlist: string, intlist: string): MonitorFilter {
  const mids = splitList(monlist)
  const all = mids.length === 0 || (mids.length === 1 && mids[0] === '-1')
  const intervals = new Map<string, number>()
  if (!all) {
    const seconds = splitList(intlist)
    mids.forEach((mid, i) => {
      const s = Number(seconds[i])
      if (Number.isFinite(s) && s > 0 && !intervals.has(mid)) intervals.set(mid, s)
    })
  }
  return { monitors: all ? null : new Set(mids), intervals }
}

export function watches (token: PushToken, monitorId: string): boolean {
  const { monitors } = filterOf(token)
  return monitors === null || monitors.has(monitorId)
}

export function intervalSeconds (token: PushToken, monitorId: string): number {
  return filterOf(token).intervals.get(monitorId) ?? 0
}

/**
 * The throttle rule every token-based channel shares, at the alarm's decision time. A mark equal to
 * this decision's time is this same alarm's (the other channel of the token already sent it), so
 * the FCM push and the websocket alarm of one alarm count as one notification.
 */
export function throttled (intervalS: number, lastSent: number | undefined, decidedAt: number): boolean {
  return intervalS > 0 && lastSent !== undefined && lastSent !== decidedAt && decidedAt - lastSent < intervalS * 1000
}

/** Over the monthly cap: the count is of `month` (0–11) and above the limit. A count of another month has reset. */
export function overMonthlyCap (token: PushToken, month: number): boolean {
  return token.invocations.at === month && token.invocations.count > MAX_PUSHES_PER_MONTH
}

export interface AlarmForTokens {
  readonly monitorId: string
  readonly phase: 'start' | 'end'
  readonly decidedAt: number
  /** escontrol state of the monitor (0 when escontrol is off or the monitor has none). */
  readonly state: MonitorNotifyState
}

export type TokenVerdict = 'send' | 'disabled' | 'muted' | 'not-watched' | 'throttled'

/**
 * Whether one token gets a push for the alarm, before the monthly cap. escontrol force-notify (1)
 * goes past monlist and interval, mute (-1) stops everything, for ends too (as the websocket
 * channel does; zmES consulted escontrol for starts only). Ends have no interval check (§9.4 is the
 * start filter).
 */
export function tokenVerdict (token: PushToken, alarm: AlarmForTokens, lastSent: (token: string, monitorId: string) => number | undefined): TokenVerdict {
  if (token.pushstate === 'disabled') return 'disabled'
  if (alarm.state === -1) return 'muted'
  if (alarm.state === 1) return 'send'
  if (!watches(token, alarm.monitorId)) return 'not-watched'
  if (alarm.phase === 'start' && throttled(intervalSeconds(token, alarm.monitorId), lastSent(token.token, alarm.monitorId), alarm.decidedAt)) return 'throttled'
  return 'send'
}

function splitList (list: string): string[] {
  return list.split(',').map((s) => s.trim()).filter((s) => s !== '')
}
