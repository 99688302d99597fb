import { loadSettings, type LoadOptions } from '../config/load.js'
import { SqliteStore } from '../store/sqlite/sqlite-store.js'
import { storeFileOf } from '../store/store-file.js'
import type { Store } from '../store/store.js'

/**
 * Opens the store named by the same --config / HERALD_* settings as `herald serve`, for the
 * maintenance commands. They run beside a live server or without one: SQLite's WAL and busy
 * timeout let both write the same file.
 */
export function openStore (options: LoadOptions): Store {
  const { config } = loadSettings(options)
  return new SqliteStore({ file: storeFileOf(config), synchronous: config.store.synchronous })
}

/** Runs `fn` with the store open and closes it afterwards, whatever happens. */
export async function withStore<T> (options: LoadOptions, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = openStore(options)
  try {
    return await fn(store)
  } finally {
    await store.close()
  }
}
