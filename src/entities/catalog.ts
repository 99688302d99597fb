import type { JsonObject, JsonValue } from '../events/event.js'
import type { EntityKind, EntityRow, Store } from '../store/store.js'
import { ENTITY_KINDS } from '../store/store.js'

/**
 * Cameras, camera groups, watch lists and cards, held in memory for verbose payloads. These are
 * small, change rarely, and would otherwise be read once per delivered item.
 */
export class EntityCatalog {
  readonly #byKind = new Map<EntityKind, Map<number, Readonly<JsonObject>>>()

  static async load (store: Store): Promise<EntityCatalog> {
    const catalog = new EntityCatalog()
    for (const kind of ENTITY_KINDS) {
      for (const row of await store.listEntities(kind)) catalog.put(row)
    }
    return catalog
  }

  put (row: EntityRow): void {
    let kind = this.#byKind.get(row.kind)
    if (kind === undefined) {
      kind = new Map()
      this.#byKind.set(row.kind, kind)
    }
    kind.set(row.id, row.body)
  }

  remove (kind: EntityKind, id: number): void {
    this.#byKind.get(kind)?.delete(id)
  }

  /** The embedded object for an id, or the id itself when unknown (FindFace keeps unknown ids). */
  expand (kind: EntityKind, id: JsonValue | undefined): JsonValue | undefined {
    if (typeof id !== 'number' && typeof id !== 'string') return id
    const found = this.#byKind.get(kind)?.get(Number(id))
    return found ?? id
  }
}
