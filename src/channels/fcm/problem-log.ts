import type { Logger } from 'pino'
import type { Clock } from '../../clock.js'

/**
 * Error lines about a setting the operator must fix (a refused proxy key, APNs credentials missing
 * in the Firebase project). Every push of a fan-out hits the same problem; the log says it once
 * per problem and interval, and the attempt log of each delivery still says why it failed.
 */
export class ProblemLog {
  readonly #logger: Logger
  readonly #clock: Clock
  readonly #intervalMs: number
  readonly #said = new Map<string, number>()

  constructor (logger: Logger, clock: Clock, intervalMs = 10 * 60 * 1000) {
    this.#logger = logger
    this.#clock = clock
    this.#intervalMs = intervalMs
  }

  error (key: string, fields: Record<string, unknown>, message: string): void {
    const now = this.#clock.now()
    const last = this.#said.get(key)
    if (last !== undefined && now - last < this.#intervalMs) return
    this.#said.set(key, now)
    this.#logger.error(fields, message)
  }
}
