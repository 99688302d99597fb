import { resolve } from 'node:path'
import type { HeraldConfig } from '../config/schema.js'

/** The database file for these settings: `[store] file`, else `herald.db` in `[data] dir`. */
export function storeFileOf (config: HeraldConfig): string {
  return config.store.file !== '' ? config.store.file : resolve(config.data.dir, 'herald.db')
}
