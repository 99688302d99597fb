import type { EntityKind } from '../../store/store.js'
import type { HeraldEvent, JsonObject, JsonValue } from '../../events/event.js'
import type { EntityCatalog } from '../../entities/catalog.js'

export interface RenderOptions {
  readonly verbose: boolean
  /** FindFace's EXTERNAL_ADDRESS; '' leaves links as they are. */
  readonly publicBaseUrl: string
  readonly catalog: EntityCatalog
}

/* Keys replaced in place by the embedded object in verbose mode (webhooks.md §A6, "inline"). */
const SCALAR_REFS: ReadonlyArray<readonly [string, EntityKind]> = [
  ['camera', 'camera'],
  ['camera_group', 'camera_group'],
  ['matched_card', 'card']
]
const LIST_REFS: ReadonlyArray<readonly [string, EntityKind]> = [
  ['matched_lists', 'watch_list'],
  ['cameras', 'camera'],
  ['camera_groups', 'camera_group']
]
const MEDIA_KEYS = ['thumbnail', 'fullframe'] as const
/* Episodes carry whole events; verbose mode and absolute links apply to them too. */
const NESTED_EVENT_KEYS = [
  'last_face_event', 'matched_face_event', 'best_face_event',
  'last_body_event', 'matched_body_event', 'best_body_event',
  'last_car_event', 'matched_car_event', 'best_car_event'
] as const

/**
 * The JSON array a webhook receives: the objects' REST representations, no envelope and no type
 * discriminator (webhooks.md §A7). In normal mode without a public base URL the stored bytes go
 * out untouched; only verbose mode or link rewriting parses and rebuilds an item.
 */
export function renderBatch (events: readonly HeraldEvent[], options: RenderOptions): string {
  const plain = !options.verbose && options.publicBaseUrl === ''
  let out = '['
  for (let i = 0; i < events.length; i++) {
    const event = events[i] as HeraldEvent
    if (i > 0) out += ','
    out += plain ? event.json : JSON.stringify(transform(event.data, options))
  }
  return out + ']'
}

function transform (data: Readonly<JsonObject>, options: RenderOptions): JsonObject {
  const out: JsonObject = { ...data }
  if (options.publicBaseUrl !== '') {
    for (const key of MEDIA_KEYS) {
      const v = out[key]
      if (typeof v === 'string') out[key] = absolutize(v, options.publicBaseUrl)
    }
  }
  if (options.verbose) {
    for (const [key, kind] of SCALAR_REFS) {
      if (key in out) out[key] = options.catalog.expand(kind, out[key]) ?? null
    }
    for (const [key, kind] of LIST_REFS) {
      const v = out[key]
      if (Array.isArray(v)) out[key] = v.map((id) => options.catalog.expand(kind, id) ?? null)
    }
  }
  for (const key of NESTED_EVENT_KEYS) {
    const v = out[key]
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) out[key] = transform(v, options)
  }
  return out
}

function absolutize (link: string, base: string): JsonValue {
  if (link === '' || /^[a-z][a-z0-9+.-]*:/i.test(link)) return link
  try {
    // The base is a prefix, path included: FindFace's links are `/uploads/…`, and behind a
    // reverse proxy on a sub-path (`https://host/ff`) they live under it, not at the host's root.
    const rooted = link.startsWith('/') && !link.startsWith('//')
    return new URL(rooted ? link.slice(1) : link, base.endsWith('/') ? base : `${base}/`).toString()
  } catch {
    return link
  }
}
