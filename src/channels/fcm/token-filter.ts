import type { MonitorNotifyState, PushToken } from '../../registry/contract.js'
import { intervalOf, parseMonitorFilter, throttled, watchesMonitor, type MonitorFilter } from '../../registry/monitor-filter.js'

/*
 * The per-token rules of a push (spec §6 delivery conditions, §9.4), as plain functions of the
 * token, the alarm and the throttle state: no I/O, so they run inside the decision's store
 * transaction.
 */

/** zmES DEFAULT_MAX_FCM_PER_MONTH_PER_TOKEN: more pushes than this in a month and the token gets none. */
export const MAX_PUSHES_PER_MONTH = 8000

/* Token records are replaced, never changed, on every update: the parsed lists are kept per record. */
const parsed = new WeakMap<PushToken, MonitorFilter>()

function filterOf (token: PushToken): MonitorFilter {
  let f = parsed.get(token)
  if (f === undefined) {
    f = parseMonitorFilter(token.monlist, token.intlist)
    parsed.set(token, f)
  }
  return f
}

export function watches (token: PushToken, monitorId: string): boolean {
  return watchesMonitor(filterOf(token), monitorId)
}

export function intervalSeconds (token: PushToken, monitorId: string): number {
  return intervalOf(filterOf(token), monitorId)
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
