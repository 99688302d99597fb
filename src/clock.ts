import { timerDelay } from './timer-delay.js'

/**
 * Time as the engine sees it. Retry schedules are tested by injecting a manual clock instead of
 * sleeping; production uses the system clock.
 */
export interface TimerHandle { readonly id: unknown }

export interface Clock {
  now (): number
  setTimeout (fn: () => void, ms: number): TimerHandle
  clearTimeout (handle: TimerHandle): void
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout (fn, ms) {
    // Capped, not refused: past 2^31−1 ms Node would fire after 1 ms (timer-delay.ts).
    const t = setTimeout(fn, timerDelay(ms))
    // A pending retry must not keep a finished process alive.
    t.unref()
    return { id: t }
  },
  clearTimeout (handle) {
    clearTimeout(handle.id as NodeJS.Timeout)
  }
}
