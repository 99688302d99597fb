import { ValidationError } from '../errors.js'
import { queryParam } from './views.js'

/**
 * FindFace's relative filters of a list by creation date (`webhooks.md` §A2), as the window of
 * time each keeps: from `since` (inclusive) to `until` (exclusive). FindFace documents the names
 * only; Herald reads them as follows, in UTC (docs/compatibility.md):
 *   created_date_last_n_days=N    the last N × 24 hours, up to now (N ≥ 1)
 *   created_date_nth_full_week=N  Monday 00:00 to the next Monday 00:00 of the week N weeks
 *                                 before the current one (0 = this week, 1 = last week)
 *   created_date_nth_work_week=N  Monday 00:00 to Saturday 00:00 of that same week
 */
export interface CreatedDateWindow {
  readonly key: string
  readonly value: string
  readonly since: string
  /** undefined: no upper bound. */
  readonly until: string | undefined
}

const DAY_MS = 24 * 60 * 60 * 1000
/** Far enough back for any real list, near enough that every bound is a valid date. */
const MAX_DAYS = 36_500
const MAX_WEEKS = 5_200

export function createdDateWindows (query: unknown, nowMs: number): CreatedDateWindow[] {
  const windows: CreatedDateWindow[] = []
  const days = count(query, 'created_date_last_n_days', 1, MAX_DAYS)
  if (days !== undefined) {
    windows.push({ key: 'created_date_last_n_days', value: String(days), since: iso(nowMs - days * DAY_MS), until: undefined })
  }
  for (const [key, length] of [['created_date_nth_full_week', 7], ['created_date_nth_work_week', 5]] as const) {
    const weeks = count(query, key, 0, MAX_WEEKS)
    if (weeks === undefined) continue
    const monday = startOfWeek(nowMs) - weeks * 7 * DAY_MS
    windows.push({ key, value: String(weeks), since: iso(monday), until: iso(monday + length * DAY_MS) })
  }
  return windows
}

function count (query: unknown, key: string, min: number, max: number): number | undefined {
  const raw = queryParam(query, key)
  if (raw === undefined) return undefined
  const n = Number(raw)
  if (!/^\d{1,6}$/.test(raw) || n < min || n > max) throw new ValidationError([{ field: key, message: `must be an integer from ${min} to ${max}` }])
  return n
}

/** Monday 00:00 UTC of the week that holds `ms`. */
function startOfWeek (ms: number): number {
  const midnight = Math.floor(ms / DAY_MS) * DAY_MS
  const weekday = (new Date(midnight).getUTCDay() + 6) % 7 // Monday 0 … Sunday 6
  return midnight - weekday * DAY_MS
}

function iso (ms: number): string {
  return new Date(ms).toISOString()
}
