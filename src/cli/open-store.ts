import { existsSync } from 'node:fs'
import type { HeraldConfig } from '../config/schema.js'
import { loadSettings, type LoadOptions } from '../config/load.js'
import { HeraldError } from '../errors.js'
import { SqliteStore } from '../store/sqlite/sqlite-store.js'
import { storeFileOf } from '../store/store-file.js'
import type { Store } from '../store/store.js'

/**
 * Opens the store named by the same --config / HERALD_* settings as `herald serve`, for the
 * maintenance commands. They run beside a live server or without one: SQLite's WAL and busy
 * timeout let both write the same file.
 */
export function openStore (options: LoadOptions): Store {
  return storeOf(loadSettings(options).config)
}

function storeOf (config: HeraldConfig): Store {
  return new SqliteStore({ file: storeFileOf(config), synchronous: config.store.synchronous })
}

export interface StoredOverrides {
  readonly file: string
  readonly overrides: ReadonlyMap<string, string>
  /** Why none could be read: no database yet (none is created to find out), or it cannot be opened. */
  readonly note?: string
}

/** The escontrol overrides kept in the store these settings name, for `herald check-config`. */
export async function storedOverrides (config: HeraldConfig): Promise<StoredOverrides> {
  const file = storeFileOf(config)
  if (!existsSync(file)) return { file, overrides: new Map(), note: 'none (no database yet)' }
  let store: Store
  try {
    store = storeOf(config)
  } catch (err) {
    if (err instanceof HeraldError) return { file, overrides: new Map(), note: `not read: ${err.message}` }
    throw err
  }
  return { file, overrides: await closing(store, async (s) => await s.listOverrides()) }
}

/** Runs `fn` with the store open and closes it afterwards, whatever happens. */
export async function withStore<T> (options: LoadOptions, fn: (store: Store) => Promise<T>): Promise<T> {
  return await closing(openStore(options), fn)
}

async function closing<T> (store: Store, fn: (store: Store) => Promise<T>): Promise<T> {
  try {
    return await fn(store)
  } finally {
    await store.close()
  }
}
