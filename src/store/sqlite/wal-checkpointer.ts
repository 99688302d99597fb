import { extname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'

export interface CheckpointWorkerData {
  readonly file: string
  readonly synchronous: 'normal' | 'full'
  readonly busyTimeoutMs: number
  /** Pause between checkpoints when nothing was written. */
  readonly idleMs: number
  /** Pause between checkpoints while the writer is active. */
  readonly activeMs: number
  /** WAL length (frames) from which the writer is asked to let it start over. */
  readonly restartFrames: number
  /** The writer is asked only when at most this many frames are left to copy (its stall stays short). */
  readonly finishWithinFrames: number
}

export type ToCheckpointer = { readonly kind: 'finished' } | { readonly kind: 'close' }
export type FromCheckpointer =
  | { readonly kind: 'finish', readonly frames: number }
  | { readonly kind: 'error', readonly message: string }

export interface WalCheckpointerOptions {
  readonly file: string
  readonly synchronous: 'normal' | 'full'
  readonly busyTimeoutMs: number
  /** Runs the writer's own PASSIVE checkpoint, which copies the few frames the thread has not. */
  readonly finish: () => void
  readonly onError: (err: Error) => void
  /** The thread is gone (it failed, or close()): the writer must checkpoint on its own again. */
  readonly onExit: () => void
}

/**
 * The WAL of 4 MB that SQLite checkpoints inside a commit (wal_autocheckpoint) costs that commit
 * 20–25 ms on the bench disk, nearly all of it two fsyncs; at 1,000 events/s about 2 % of events
 * waited behind one, which was most of phase (c)'s p99. So the writer's automatic checkpoint is
 * turned down to a backstop and a worker thread with its own connection checkpoints instead: a
 * PASSIVE checkpoint never waits for the writer nor blocks it. `node bench/store-ops.mjs paced`
 * (ingest, claim and outcome of one event, ~750 events/s): event-loop time per event 245–253 →
 * 158–173 µs, p99.9 14–16 → 0.7–0.8 ms; the process's CPU stays about the same (the fsync waits
 * moved off the event loop).
 * The thread looks every 50 ms while the WAL grows (every 5 ms cost 10 % more CPU at 1,000
 * events/s in fsyncs of a few pages each) and every 200 ms when idle.
 *
 * The one thing the thread cannot do alone: SQLite starts the WAL over only when the writer begins
 * a transaction and finds every frame copied, and under steady writes the writer has always added
 * a frame or two by the time the thread is done. So once the WAL is long enough, the thread asks
 * the writer (finish) to checkpoint the last few frames itself between two transactions: a few
 * ms, once per restartFrames (16 MB) of WAL, instead of 20 ms per 4 MB.
 */
export class WalCheckpointer {
  readonly #worker: Worker
  readonly #exited: Promise<void>

  constructor (options: WalCheckpointerOptions) {
    // Compiled, this module is .js next to checkpoint-worker.js. Run from the sources under tsx
    // (the tests, `npm run herald`) both are .ts, and a worker thread does not inherit tsx's
    // loader: it registers it first.
    const fromSources = extname(fileURLToPath(import.meta.url)) === '.ts'
    const entry = new URL(`./checkpoint-worker.${fromSources ? 'ts' : 'js'}`, import.meta.url)
    const data: CheckpointWorkerData = {
      file: options.file,
      synchronous: options.synchronous,
      busyTimeoutMs: options.busyTimeoutMs,
      idleMs: 200,
      activeMs: 50,
      restartFrames: 4000,
      finishWithinFrames: 256
    }
    this.#worker = fromSources
      ? new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}) })`, { eval: true, workerData: data })
      : new Worker(entry, { workerData: data })
    this.#worker.on('message', (message: FromCheckpointer) => {
      if (message.kind === 'error') {
        options.onError(new Error(`WAL checkpoint failed: ${message.message}`))
        return
      }
      try {
        options.finish()
      } catch (err) {
        options.onError(err instanceof Error ? err : new Error(String(err)))
      }
      this.#post({ kind: 'finished' })
    })
    this.#worker.on('error', (err) => { options.onError(err) })
    this.#exited = new Promise<void>((resolve) => {
      this.#worker.once('exit', () => {
        options.onExit()
        resolve()
      })
    })
    // After the listeners: attaching one refs the thread again. It must never keep Herald alive.
    this.#worker.unref()
  }

  #post (message: ToCheckpointer): void {
    this.#worker.postMessage(message)
  }

  /** Stops the thread after its current checkpoint; it closes its connection first. */
  async close (): Promise<void> {
    this.#post({ kind: 'close' })
    const timer = setTimeout(() => { void this.#worker.terminate() }, 5000)
    await this.#exited
    clearTimeout(timer)
  }
}
