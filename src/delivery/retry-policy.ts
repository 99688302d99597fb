/**
 * FindFace's schedule. The seed's log shows 0.270, 0.729, 1.968, 5.314, 14.349 s after attempts
 * 1..5: that is 0.1 s × 2.7^n, capped at 100 s. A little jitter keeps many failing webhooks from
 * retrying in lockstep.
 */
export interface RetryPolicyOptions {
  /** @defaultValue 100 */
  readonly base?: number
  /** @defaultValue 2.7 */
  readonly factor?: number
  /** @defaultValue 100_000 */
  readonly maxDelayMs?: number
  /** Relative jitter, 0.05 = ±5 %. @defaultValue 0.05 */
  readonly jitter?: number
  /** Uniform [0, 1). Injected in tests. @defaultValue Math.random */
  readonly random?: () => number
}

export class RetryPolicy {
  readonly #base: number
  readonly #factor: number
  readonly #max: number
  readonly #jitter: number
  readonly #random: () => number

  constructor (options: RetryPolicyOptions = {}) {
    this.#base = options.base ?? 100
    this.#factor = options.factor ?? 2.7
    this.#max = options.maxDelayMs ?? 100_000
    this.#jitter = options.jitter ?? 0.05
    this.#random = options.random ?? Math.random
    if (!(this.#max > 0) || !Number.isFinite(this.#max)) throw new RangeError('maxDelayMs must be a positive finite number')
  }

  /**
   * Milliseconds to wait after failed attempt `attempt` (1-based). A receiver's Retry-After
   * replaces the backoff, capped at the maximum and floored at the schedule's first step (0.270 s):
   * "Retry-After: 0" or a date in the past must not turn into a retry loop at network speed.
   */
  delayAfter (attempt: number, retryAfterMs?: number): number {
    if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs >= 0) {
      return Math.min(this.#max, Math.max(this.minDelayMs, Math.round(retryAfterMs)))
    }
    const raw = Math.min(this.#max, this.#base * this.#factor ** attempt)
    const jittered = raw * (1 + this.#jitter * (2 * this.#random() - 1))
    return Math.min(this.#max, Math.round(jittered))
  }

  /** The shortest delay this policy ever schedules: the first step of the backoff, without jitter. */
  get minDelayMs (): number {
    return Math.min(this.#max, Math.round(this.#base * this.#factor))
  }

  /** `maxAttempts` 0 means unlimited (FindFace `send_attempts: 0`). */
  exhausted (attempt: number, maxAttempts: number): boolean {
    return maxAttempts > 0 && attempt >= maxAttempts
  }
}
