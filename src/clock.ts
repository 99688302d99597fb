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
    const t = setTimeout(fn, ms)
    // A pending retry must not keep a finished process alive.
    t.unref()
    return { id: t }
  },
  clearTimeout (handle) {
    clearTimeout(handle.id as NodeJS.Timeout)
  }
}
