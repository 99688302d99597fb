import { HERALD_EXTENSIONS, ZMES_ALIASES, isZmesOption, isZmesSection, sectionsHaving, type ZmesSection } from './zmes-schema.js'

/*
 * escontrol `edit` overrides (spec §3.7, §5.1 step 3) and the decision on quirk 7.
 *
 * zmES looks an override up by key name only, so `edit key=enable` flips [auth], [fcm], [mqtt] and
 * [ssl] `enable` at once: an admin who meant to switch off MQTT also switches off authentication
 * and TLS. Herald namespaces instead:
 *   - `section.key` (e.g. `mqtt.enable`) applies to that one option;
 *   - a bare `key` is still accepted, for zmNinja's escontrol screen and existing scripts, but only
 *     when exactly one zmES section has an option of that name (`timeout`, `picture_url`, …);
 *   - an ambiguous bare key (today only `enable`) applies nowhere and is reported, never guessed;
 *     a key zmES has once and Herald adds elsewhere (`port`) means zmES's option;
 *   - when both forms name the same option, the namespaced one wins.
 * Options zmES reads before it loads its overrides (the secrets file and the escontrol settings
 * themselves) cannot be overridden there either, so Herald refuses them rather than letting an
 * override change, say, the admin password it is authenticated with.
 */

export type OverrideTarget =
  | { readonly ok: true, readonly section: ZmesSection, readonly key: string }
  | { readonly ok: false, readonly reason: string }

/** Read before zmES loads its escontrol settings, so an override never reaches them. */
const NOT_OVERRIDABLE = new Set(['general.secrets', 'general.use_escontrol_interface', 'general.escontrol_interface_file', 'general.escontrol_interface_password'])

function splitId (name: string): [string | undefined, string] {
  const dot = name.indexOf('.')
  return dot < 0 ? [undefined, name] : [name.slice(0, dot), name.slice(dot + 1)]
}

/**
 * Where an override name applies, or why it applies nowhere. The escontrol `edit` handler should
 * call this to refuse a bad key at once instead of storing an override that never takes effect.
 */
export function resolveOverrideName (name: string): OverrideTarget {
  const [section, key] = splitId(name)
  if (section !== undefined) {
    const known = isZmesSection(section) && (isZmesOption(section, key) || ZMES_ALIASES.has(name))
    if (!known) return { ok: false, reason: `no zmES option [${section}] ${key}` }
    if (NOT_OVERRIDABLE.has(name)) return { ok: false, reason: `[${section}] ${key} is read before escontrol overrides, as in zmES` }
    return { ok: true, section: section as ZmesSection, key }
  }
  const all = sectionsHaving(key)
  // zmES's own option wins over a Herald extension of the same name (`port`: [network], not [mqtt]).
  const zmesOwn = all.filter((s) => !HERALD_EXTENSIONS.has(`${s}.${key}`))
  const sections = zmesOwn.length > 0 ? zmesOwn : all
  if (sections.length === 0) return { ok: false, reason: `no zmES option is named ${key}` }
  if (sections.length > 1) {
    const where = sections.map((s) => `[${s}]`).join(', ')
    return { ok: false, reason: `ambiguous: ${where} all have ${key}; write section.key, e.g. ${sections[0] ?? ''}.${key}` }
  }
  const only = sections[0] as ZmesSection
  if (NOT_OVERRIDABLE.has(`${only}.${key}`)) return { ok: false, reason: `[${only}] ${key} is read before escontrol overrides, as in zmES` }
  return { ok: true, section: only, key }
}

export interface OverridePlan {
  /** `section.key` (aliases under their own name) → override value. */
  readonly byOption: ReadonlyMap<string, string>
  /** One line per override that applies nowhere: `ignored escontrol override NAME: <why>`. */
  readonly ignored: readonly string[]
}

/** Resolves every override name once, bare names first so that namespaced ones win. */
export function planOverrides (overrides: ReadonlyMap<string, string> | undefined): OverridePlan {
  const byOption = new Map<string, string>()
  const ignored: string[] = []
  if (overrides === undefined) return { byOption, ignored }
  const names = [...overrides.keys()].sort((a, b) => Number(a.includes('.')) - Number(b.includes('.')))
  for (const name of names) {
    const target = resolveOverrideName(name)
    if (!target.ok) {
      ignored.push(`ignored escontrol override ${name}: ${target.reason}`)
      continue
    }
    byOption.set(`${target.section}.${target.key}`, overrides.get(name) ?? '')
  }
  return { byOption, ignored }
}
