import { compileFilters, type EventMatcher, type MatchInput } from '../../decision/filters/compile-filters.js'
import { SECTION_OF } from '../../events/event.js'
import { laneOf } from '../../delivery/contract.js'
import type { Route, Store, WebhookRow } from '../../store/store.js'

export const WEBHOOK_CHANNEL = 'webhook'

interface Entry {
  readonly row: WebhookRow
  readonly matches: EventMatcher
  readonly route: (section: string) => Route
}

/**
 * The webhooks as the hot path needs them: filters compiled once per edit, not per event. The API
 * updates it after every write, so an edit applies to the next event ingested.
 */
export class WebhookDirectory {
  readonly #entries = new Map<number, Entry>()
  #active: Entry[] = []

  static async load (store: Store): Promise<WebhookDirectory> {
    const directory = new WebhookDirectory()
    for (const row of await store.listWebhooks()) directory.put(row)
    return directory
  }

  put (row: WebhookRow): void {
    const target = String(row.id)
    const lane = laneOf(WEBHOOK_CHANNEL, target)
    const routes = new Map<string, Route>()
    this.#entries.set(row.id, {
      row,
      matches: compileFilters(row.filters),
      route: (group) => {
        let r = routes.get(group)
        if (r === undefined) {
          r = Object.freeze({ channel: WEBHOOK_CHANNEL, target, lane, group })
          routes.set(group, r)
        }
        return r
      }
    })
    this.#rebuild()
  }

  remove (id: number): void {
    this.#entries.delete(id)
    this.#rebuild()
  }

  get (id: number): WebhookRow | undefined {
    return this.#entries.get(id)?.row
  }

  /** Every active webhook whose filters match: inactive webhooks queue nothing. */
  routes (event: MatchInput): Route[] {
    const out: Route[] = []
    const section = SECTION_OF[event.type]
    for (const entry of this.#active) {
      if (entry.matches(event)) out.push(entry.route(section))
    }
    return out
  }

  #rebuild (): void {
    this.#active = [...this.#entries.values()].filter((e) => e.row.active).sort((a, b) => a.row.id - b.row.id)
  }
}
