/**
 * The longest delay a Node timer can hold: its count is a signed 32-bit number of milliseconds
 * (about 24.8 days).
 */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1

/**
 * A delay Node's setTimeout/setInterval will honour. Node does not refuse a longer one (or NaN):
 * it warns with TimeoutOverflowWarning and fires after 1 ms, so a huge configured duration turns
 * into the shortest possible one (an auth timeout that locks every client out, a retry timer that
 * fires every millisecond). A timer waiting for something further away than the maximum must wake
 * at the maximum and look again; an interval that long simply ticks less often than asked.
 */
export function timerDelay (ms: number): number {
  // NaN means a broken setting: waiting as long as possible is the harmless reading, not firing now.
  if (Number.isNaN(ms)) return MAX_TIMER_DELAY_MS
  return Math.min(MAX_TIMER_DELAY_MS, Math.max(0, ms))
}
