import { ValidationError } from '../errors.js'
import type { Store } from '../store/store.js'
import type { ControlState, MonitorNotifyState } from './contract.js'
import { WriteQueue } from './write-queue.js'

const STATES: ReadonlySet<number> = new Set([-1, 0, 1])

/**
 * escontrol's overrides and per-monitor notify states. zmES kept them in a Perl Storable file
 * that nothing else can read; Herald keeps them in the store, so they survive restarts, move with
 * the database and show up in backups. Cached in memory: the start filter reads a monitor's state
 * for every connection of every alarm.
 */
export class StoreControlState implements ControlState {
  readonly #store: Store
  readonly #overrides: Map<string, string>
  readonly #states: Map<string, MonitorNotifyState>
  readonly #writes = new WriteQueue()

  private constructor (store: Store, overrides: Map<string, string>, states: Map<string, MonitorNotifyState>) {
    this.#store = store
    this.#overrides = overrides
    this.#states = states
  }

  static async load (store: Store): Promise<StoreControlState> {
    return new StoreControlState(store, await store.listOverrides(), await store.listMonitorStates())
  }

  overrides (): ReadonlyMap<string, string> {
    return this.#overrides
  }

  async setOverride (key: string, value: string): Promise<void> {
    if (key === '') throw new ValidationError([{ field: 'key', message: 'must not be empty' }])
    this.#overrides.set(key, value)
    await this.#writes.run(async () => { await this.#store.putOverride(key, value) })
  }

  monitorStates (): ReadonlyMap<string, MonitorNotifyState> {
    return this.#states
  }

  async setMonitorStates (monitorIds: readonly string[], state: MonitorNotifyState): Promise<void> {
    if (!STATES.has(state)) throw new ValidationError([{ field: 'state', message: 'must be -1, 0 or 1' }])
    const ids = [...monitorIds]
    for (const id of ids) this.#states.set(id, state)
    await this.#writes.run(async () => { await this.#store.putMonitorStates(ids, state) })
  }

  async reset (): Promise<void> {
    this.#overrides.clear()
    for (const id of this.#states.keys()) this.#states.set(id, 0)
    await this.#writes.run(async () => { await this.#store.resetControl() })
  }
}
