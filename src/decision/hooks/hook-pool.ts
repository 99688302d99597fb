/**
 * `max_parallel_hooks` with a queue. zmES counted running hooks and, at the limit, dropped new
 * events altogether (spec §16 "Runaway hook processes"); Herald makes them wait in FIFO order up to
 * a bound, and only past the bound does a request fail — with one warn line naming the bound.
 */
import type { Logger } from 'pino'
import { setMaxListeners } from 'node:events'
import { performance } from 'node:perf_hooks'
import { toError } from '../../errors.js'
import { describeInvocation, type HookInvocation } from './hook-invocation.js'
import { DEFAULT_HOOK_TIMEOUT_MS, DEFAULT_KILL_GRACE_MS, runHook, skippedOrFailedRun, type HookRun } from './hook-run.js'

export interface HookPoolOptions {
  logger: Logger
  /** `[hook] max_parallel_hooks`: processes running at once; 0 = unlimited. @defaultValue 0 */
  maxParallel?: number
  /** Requests allowed to wait for a slot; past this a request fails with `skipped: 'queue full'`. @defaultValue 1000 */
  maxQueued?: number
  /** `[hook] hook_timeout` in ms, counted from spawn (queue wait excluded). @defaultValue 60000 */
  timeoutMs?: number
  /** SIGTERM → SIGKILL grace in ms. @defaultValue 2000 */
  killGraceMs?: number
  /** The hooks' environment; undefined = Herald's own. */
  env?: NodeJS.ProcessEnv
  maxStdoutBytes?: number
  maxStderrBytes?: number
  maxDetectionBytes?: number
}

export const DEFAULT_MAX_QUEUED_HOOKS = 1000

/** The pool settings escontrol `restart` can change on a running pool. */
export interface HookPoolLimits {
  readonly maxParallel: number
  readonly maxQueued: number
  readonly timeoutMs: number
}

interface Waiting {
  inv: HookInvocation
  enqueuedAt: number
  resolve: (run: HookRun) => void
}

export class HookPool {
  readonly #options: HookPoolOptions
  readonly #logger: Logger
  #maxParallel: number
  #maxQueued: number
  #timeoutMs: number | undefined
  readonly #queue: Waiting[] = []
  readonly #inFlight = new Set<Promise<void>>()
  readonly #closing = new AbortController()
  #running = 0
  #startedTotal = 0
  #timedOutTotal = 0
  #rejectedTotal = 0

  constructor (options: HookPoolOptions) {
    this.#maxParallel = checkCount('maxParallel', options.maxParallel ?? 0)
    this.#maxQueued = checkCount('maxQueued', options.maxQueued ?? DEFAULT_MAX_QUEUED_HOOKS)
    this.#timeoutMs = options.timeoutMs === undefined ? undefined : checkPositive('timeoutMs', options.timeoutMs)
    checkCount('killGraceMs', options.killGraceMs ?? DEFAULT_KILL_GRACE_MS)
    this.#options = options
    this.#logger = options.logger
    // Every running hook listens on this one signal; with max_parallel_hooks=0 or > 10 Node would
    // otherwise warn about a listener leak.
    setMaxListeners(0, this.#closing.signal)
  }

  /** Processes running now. */
  get running (): number { return this.#running }
  /** Requests waiting for a slot now. */
  get queued (): number { return this.#queue.length }
  /** Processes started since the pool was made. */
  get startedTotal (): number { return this.#startedTotal }
  /** Runs killed by the timeout. */
  get timedOutTotal (): number { return this.#timedOutTotal }
  /** Requests refused because the queue was full. */
  get rejectedTotal (): number { return this.#rejectedTotal }

  get maxParallel (): number { return this.#maxParallel }
  get maxQueued (): number { return this.#maxQueued }
  get timeoutMs (): number { return this.#timeoutMs ?? DEFAULT_HOOK_TIMEOUT_MS }

  /**
   * New limits for a running pool (escontrol `restart`, so that it obeys the settings a restart of
   * Herald would give it without killing the hooks that run now). Hooks already running keep
   * their slot and their timeout; a higher max_parallel_hooks starts waiting ones at once; a
   * lower max_queued_hooks only turns away requests that come after it.
   * @throws RangeError on a value the constructor would refuse; the pool is unchanged then.
   */
  configure (limits: HookPoolLimits): void {
    const maxParallel = checkCount('maxParallel', limits.maxParallel)
    const maxQueued = checkCount('maxQueued', limits.maxQueued)
    const timeoutMs = checkPositive('timeoutMs', limits.timeoutMs)
    const changed = maxParallel !== this.#maxParallel || maxQueued !== this.#maxQueued || timeoutMs !== this.timeoutMs
    this.#maxParallel = maxParallel
    this.#maxQueued = maxQueued
    this.#timeoutMs = timeoutMs
    if (!changed) return
    this.#logger.info({ maxParallel, maxQueued, timeoutMs }, `hook pool: max_parallel_hooks=${maxParallel}, max_queued_hooks=${maxQueued}, hook_timeout=${timeoutMs / 1000} s`)
    if (!this.#closing.signal.aborted) this.#next()
  }

  /** Runs the hook now, or when a slot frees up. Never rejects: every problem is a failed run (result 1). */
  async run (inv: HookInvocation): Promise<HookRun> {
    if (this.#closing.signal.aborted) {
      this.#logger.warn({ hook: inv.kind, eventId: inv.eventId }, `Herald is shutting down: ${describeInvocation(inv)} not run, treated as failure`)
      return skippedOrFailedRun(inv, { skipped: 'shutting down' })
    }
    if (this.#maxParallel === 0 || this.#running < this.#maxParallel) return await this.#start(inv, 0)
    if (this.#queue.length >= this.#maxQueued) {
      this.#rejectedTotal++
      this.#logger.warn(
        { hook: inv.kind, eventId: inv.eventId, monitorId: inv.monitorId },
        `hook queue full (${this.#queue.length} waiting, max_parallel_hooks=${this.#maxParallel}): ` +
          `${describeInvocation(inv)} not run, treated as failure`
      )
      return skippedOrFailedRun(inv, { skipped: 'queue full' })
    }
    return await new Promise((resolve) => {
      this.#queue.push({ inv, enqueuedAt: performance.now(), resolve })
    })
  }

  /**
   * Herald is closing: queued requests resolve at once as failures (`skipped: 'shutting down'`),
   * running hooks are killed (SIGTERM, grace, SIGKILL of their groups) and resolve as failures.
   * Resolves when every process is gone.
   */
  async close (): Promise<void> {
    if (!this.#closing.signal.aborted) {
      this.#closing.abort()
      const waiting = this.#queue.splice(0)
      if (waiting.length > 0) {
        this.#logger.warn(`Herald is shutting down: ${waiting.length} queued hook run(s) not started, treated as failures`)
      }
      for (const w of waiting) {
        w.resolve(skippedOrFailedRun(w.inv, { skipped: 'shutting down', queuedMs: Math.round(performance.now() - w.enqueuedAt) }))
      }
    }
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight])
  }

  async #start (inv: HookInvocation, queuedMs: number): Promise<HookRun> {
    this.#running++
    this.#startedTotal++
    let settle!: () => void
    const tracked = new Promise<void>((resolve) => { settle = resolve })
    this.#inFlight.add(tracked)
    try {
      const run = await runHook(inv, {
        logger: this.#logger,
        timeoutMs: this.#timeoutMs,
        killGraceMs: this.#options.killGraceMs,
        signal: this.#closing.signal,
        env: this.#options.env,
        maxStdoutBytes: this.#options.maxStdoutBytes,
        maxStderrBytes: this.#options.maxStderrBytes,
        maxDetectionBytes: this.#options.maxDetectionBytes
      })
      if (run.timedOut) this.#timedOutTotal++
      run.queuedMs = queuedMs
      return run
    } catch (e: unknown) {
      // runHook never rejects; a slot must be given back even if it did.
      const err = toError(e)
      this.#logger.error({ err }, `${describeInvocation(inv)} failed unexpectedly, treated as failure`)
      return skippedOrFailedRun(inv, { error: err.message, queuedMs })
    } finally {
      this.#running--
      this.#inFlight.delete(tracked)
      settle()
      this.#next()
    }
  }

  #next (): void {
    while (this.#queue.length > 0 && (this.#maxParallel === 0 || this.#running < this.#maxParallel)) {
      const w = this.#queue.shift() as Waiting
      this.#start(w.inv, Math.round(performance.now() - w.enqueuedAt)).then(w.resolve, () => {})
    }
  }
}

function checkCount (name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`invalid ${name}: ${value} (a whole number ≥ 0)`)
  return value
}

function checkPositive (name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`invalid ${name}: ${value} (a whole number > 0)`)
  return value
}
