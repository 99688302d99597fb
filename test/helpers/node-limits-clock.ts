import type { TimerHandle } from '../../src/clock.js'
import { ManualClock } from './manual-clock.js'

/** Node's own bound: a setTimeout delay above it (or below 1, or NaN) becomes 1 ms. */
const NODE_TIMEOUT_MAX = 2 ** 31 - 1

/**
 * A ManualClock that keeps Node's timer limits, which ManualClock alone forgives: a delay Node
 * cannot hold fires after 1 ms, as the system clock's setTimeout would. A test can then show
 * that a huge configured duration does not turn into a timer that fires at once, without
 * sleeping. `timersSet` counts every timer started, so a storm of rescheduling shows.
 */
export class NodeLimitsClock extends ManualClock {
  timersSet = 0

  override setTimeout (fn: () => void, ms: number): TimerHandle {
    this.timersSet++
    return super.setTimeout(fn, ms >= 1 && ms <= NODE_TIMEOUT_MAX ? ms : 1)
  }
}
