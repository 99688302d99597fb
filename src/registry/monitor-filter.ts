/*
 * A recipient's monitor filter (zmES `monlist` / `intlist`, spec §3.5, §9.4) and the throttle
 * rule, shared by every channel that notifies per connection or per push token.
 */

export interface MonitorFilter {
  /** null = every monitor. */
  readonly monitors: ReadonlySet<string> | null
  /** Seconds between two start notifications of a monitor; absent = no throttle. */
  readonly intervals: ReadonlyMap<string, number>
}

export const EVERY_MONITOR: MonitorFilter = Object.freeze({ monitors: null, intervals: new Map<string, number>() })

/**
 * `monlist` '' or '-1' is every monitor; `intlist` holds seconds positionally matching `monlist`
 * (the lookup zmES 6.1.29 lost, quirk 1). Without a monitor list there is no position to match,
 * so no interval applies.
 */
export function parseMonitorFilter (monlist: string, intlist: string): MonitorFilter {
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

export function watchesMonitor (filter: MonitorFilter, monitorId: string): boolean {
  return filter.monitors === null || filter.monitors.has(monitorId)
}

export function intervalOf (filter: MonitorFilter, monitorId: string): number {
  return filter.intervals.get(monitorId) ?? 0
}

/**
 * The throttle rule, at the alarm's decision time. A mark equal to this decision's time is this
 * same alarm's (the other channel of the token already sent it), so the FCM push and the
 * websocket alarm of one alarm count as one notification.
 */
export function throttled (intervalSeconds: number, lastSent: number | undefined, decidedAt: number): boolean {
  return intervalSeconds > 0 && lastSent !== undefined && lastSent !== decidedAt && decidedAt - lastSent < intervalSeconds * 1000
}

function splitList (list: string): string[] {
  return list.split(',').map((s) => s.trim()).filter((s) => s !== '')
}
