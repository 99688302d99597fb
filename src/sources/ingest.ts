import type { Clock } from '../clock.js'
import type { IncomingEvent } from '../events/event.js'
import type { DeliveryEngine } from '../delivery/engine.js'
import type { IngestResult, Route, Store } from '../store/store.js'

export type Router = (event: IncomingEvent) => readonly Route[]

export interface IngestListener {
  (results: readonly IngestResult[], events: readonly IncomingEvent[]): void
}

/**
 * Where every source hands over events. Four steps and nothing else on this path: (validated
 * already) persist with their routes in one transaction, return, then signal the engine.
 */
export class Ingestor {
  readonly #store: Store
  readonly #router: Router
  readonly #engine: DeliveryEngine
  readonly #clock: Clock
  readonly #listeners: IngestListener[] = []

  constructor (store: Store, router: Router, engine: DeliveryEngine, clock: Clock) {
    this.#store = store
    this.#router = router
    this.#engine = engine
    this.#clock = clock
  }

  onIngested (listener: IngestListener): void {
    this.#listeners.push(listener)
  }

  async ingest (events: readonly IncomingEvent[]): Promise<IngestResult[]> {
    const results = await this.#store.ingest(events, this.#router, this.#clock.now())
    this.#engine.enqueued(results)
    for (const listener of this.#listeners) {
      try { listener(results, events) } catch { /* observers cannot fail an ingest */ }
    }
    return results
  }
}
