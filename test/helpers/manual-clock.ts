import type { Clock, TimerHandle } from '../../src/clock.js'

interface Pending { id: number, at: number, fn: () => void }

/**
 * A clock that moves only when told. Timers fire in time order during advance(); awaiting
 * advance() also lets the promise jobs they start run, so a retry's HTTP request can begin.
 */
export class ManualClock implements Clock {
  #now: number
  #seq = 0
  #timers: Pending[] = []

  constructor (start = Date.parse('2026-01-01T00:00:00Z')) {
    this.#now = start
  }

  now (): number {
    return this.#now
  }

  setTimeout (fn: () => void, ms: number): TimerHandle {
    const timer = { id: ++this.#seq, at: this.#now + Math.max(0, ms), fn }
    this.#timers.push(timer)
    return { id: timer.id }
  }

  clearTimeout (handle: TimerHandle): void {
    this.#timers = this.#timers.filter((t) => t.id !== handle.id)
  }

  /** Milliseconds until the next timer fires, or undefined when none is pending. */
  nextTimerIn (): number | undefined {
    if (this.#timers.length === 0) return undefined
    return Math.min(...this.#timers.map((t) => t.at)) - this.#now
  }

  pendingTimers (): number {
    return this.#timers.length
  }

  async advance (ms: number): Promise<void> {
    const until = this.#now + ms
    for (;;) {
      this.#timers.sort((a, b) => a.at - b.at || a.id - b.id)
      const next = this.#timers[0]
      if (next === undefined || next.at > until) break
      this.#timers.shift()
      this.#now = next.at
      next.fn()
      await new Promise((resolve) => setImmediate(resolve))
    }
    this.#now = until
    await new Promise((resolve) => setImmediate(resolve))
  }
}
