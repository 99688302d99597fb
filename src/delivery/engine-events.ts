import { EventEmitter } from 'node:events'
import type { ClaimedBatch } from '../store/store.js'
import type { BatchDescription, Outcome } from './contract.js'

interface AttemptContext {
  readonly batch: ClaimedBatch
  readonly describe: BatchDescription
  /** Deliveries still open in the lane after this attempt. */
  readonly queue: number
  readonly outcome: Outcome
  /** When this attempt finished. */
  readonly at: number
}

/** Typed engine events, `subject:verb`. Logs and metrics subscribe; they never reach inside. */
export interface EngineEventMap {
  'delivery:sent': AttemptContext
  /** The attempt failed and will be retried after `delayMs`. */
  'delivery:retry': AttemptContext & { readonly delayMs: number, readonly maxAttempts: number }
  /** The attempt failed for good: attempts exhausted or a permanent error. */
  'delivery:failed': AttemptContext & { readonly maxAttempts: number }
  'lane:dropped': { readonly lane: string, readonly deliveries: number }
  /** The engine itself failed on a lane (a store error); it tries again after `retryInMs`. */
  'lane:error': { readonly lane: string, readonly error: Error, readonly retryInMs: number }
}

export class EngineEvents {
  readonly #emitter = new EventEmitter()
  readonly #onListenerError: (err: unknown) => void

  constructor (onListenerError: (err: unknown) => void = () => {}) {
    this.#onListenerError = onListenerError
    this.#emitter.setMaxListeners(50)
  }

  on<K extends keyof EngineEventMap> (name: K, listener: (payload: EngineEventMap[K]) => void): void {
    this.#emitter.on(name, listener)
  }

  /** A listener that throws is reported and ignored: observers cannot break delivery. */
  emit<K extends keyof EngineEventMap> (name: K, payload: EngineEventMap[K]): void {
    for (const listener of this.#emitter.listeners(name)) {
      try {
        (listener as (p: EngineEventMap[K]) => void)(payload)
      } catch (err) {
        this.#onListenerError(err)
      }
    }
  }
}
