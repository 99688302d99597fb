import { ConfigError, type FieldProblem } from '../../errors.js'
import type { IniDocument } from '../ini-reader.js'
import { iniField, readValue } from '../ini-values.js'
import type { LoadedSettings } from '../load.js'
import { optionStatus } from './option-status.js'
import { planOverrides, type OverridePlan } from './overrides.js'
import {
  ZMES_DEFAULTS,
  ZMES_OPTIONS,
  ZMES_SECTIONS,
  isZmesOption,
  isZmesSection,
  sectionsHaving,
  zmesKeys,
  type OptionParser,
  type ZmesConfig,
  type ZmesSection
} from './zmes-schema.js'

export interface ZmesReadResult {
  /** Deeply frozen. */
  readonly config: ZmesConfig
  /** Values zmES would die on or Herald cannot use, each named `[section] key (file:line)`. */
  readonly problems: FieldProblem[]
  /** `unknown option [section] key (file:line)` and `ignored escontrol override NAME: <why>`. */
  readonly ignored: string[]
  /** Accepted values that probably do not mean what their author thinks (`enable = off`, …). */
  readonly warnings: string[]
}

/** A value read with the §5.1 rules, and how a message names it. */
interface RawValue {
  value: string
  field: string
}

/** Ends the warning about a bad value of an option Herald ignores; describe.ts looks for it. */
export const DEFAULT_STANDS = 'not used by Herald yet, so the built-in default stands'

const FAILED = Symbol('failed')
const NO_FILE: IniDocument = { file: '', sections: new Map(), problems: [] }

/*
 * Values that name files Herald opens itself. zmES keeps quotes around values (hook commands rely
 * on it, since /bin/sh strips them), but around a path they become part of the file name.
 */
const PATH_OPTIONS = new Set(['general.base_data_path', 'fcm.token_file', 'ssl.cert', 'ssl.key', 'customize.es_rules', 'mqtt.tls_ca', 'mqtt.tls_cert', 'mqtt.tls_key'])

/*
 * Keys zmES reads only when the option before them is on; reading them anyway would turn, e.g., a
 * `!SECRET` that only exists on machines with the escontrol interface into a fatal error.
 */
const READ_ONLY_IF: ReadonlyMap<string, (config: ZmesConfig) => boolean> = new Map([
  ['general.escontrol_interface_password', (c: ZmesConfig) => c.general.use_escontrol_interface],
  ['push.api_push_script', (c: ZmesConfig) => c.push.use_api_push]
])

/**
 * Reads the zmeventnotification.ini sections of the loaded file into a typed, frozen ZmesConfig,
 * applying spec §5.1 (secret, escontrol override, yes/no, templates, trim; quotes kept) through
 * readValue, then zmES's built-in defaults for absent keys. Never throws for bad input: everything
 * is collected so that `herald check-config` can print it all at once.
 * @param overrides escontrol `edit` settings, keyed `section.key` or, when unambiguous, `key`
 * (see overrides.ts for the quirk-7 decision).
 */
export function readZmesConfig (settings: LoadedSettings, overrides?: ReadonlyMap<string, string>): ZmesReadResult {
  const plan = planOverrides(overrides)
  const reader = new ZmesReader(settings.ini ?? NO_FILE, settings.secrets, plan)
  const config = structuredClone(ZMES_DEFAULTS) as unknown as Record<ZmesSection, Record<string, unknown>>
  const typed = config as unknown as ZmesConfig

  for (const section of ZMES_SECTIONS) {
    const parsers = ZMES_OPTIONS[section] as Record<string, OptionParser<unknown>>
    for (const key of zmesKeys(section)) {
      const id = `${section}.${key}`
      const condition = READ_ONLY_IF.get(id)
      if (condition !== undefined && !condition(typed)) continue
      const raw = id === 'hook.event_start_hook' ? reader.readStartHook() : reader.read(section, key)
      if (raw === undefined || raw === FAILED) continue
      const parser = parsers[key]
      if (parser === undefined) continue
      const parsed = parser(raw.value)
      if (parsed.ok) {
        config[section][key] = parsed.value
        if (parsed.warning !== undefined) reader.warnings.push(`${raw.field}: ${parsed.warning}`)
        if (PATH_OPTIONS.has(id) && isQuoted(raw.value)) {
          reader.warnings.push(`${raw.field}: the quotes are part of the path, as in zmES; remove them`)
        }
      } else if (optionStatus(section, key)?.status === 'implemented') {
        reader.problems.push({ field: raw.field, message: parsed.message })
      } else {
        // An option Herald does not use yet must not stop it from starting.
        reader.warnings.push(`${raw.field}: ${parsed.message}; ${DEFAULT_STANDS}`)
      }
    }
  }
  reader.collectUnknown()

  return {
    config: deepFreeze(typed),
    problems: reader.problems,
    ignored: [...reader.ignored, ...plan.ignored],
    warnings: reader.warnings
  }
}

class ZmesReader {
  readonly problems: FieldProblem[] = []
  readonly ignored: string[] = []
  readonly warnings: string[] = []
  readonly #doc: IniDocument
  readonly #secrets: IniDocument | undefined
  readonly #plan: OverridePlan

  constructor (doc: IniDocument, secrets: IniDocument | undefined, plan: OverridePlan) {
    this.#doc = doc
    this.#secrets = secrets
    this.#plan = plan
  }

  /** One value through readValue; `undefined` when absent, FAILED when its secret cannot be resolved. */
  read (section: ZmesSection, key: string): RawValue | undefined | typeof FAILED {
    const override = this.#plan.byOption.get(`${section}.${key}`)
    // readValue matches overrides by bare key name (zmES's rule); the plan has already decided
    // which section this one belongs to, so hand it over for this read only.
    const only = override === undefined ? undefined : new Map([[key, override]])
    const missing: string[] = []
    let got: { value: string, line: number } | undefined
    try {
      got = readValue(this.#doc, section, key, this.#secrets, only, missing)
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error
      this.problems.push(...error.problems)
      return FAILED
    }
    if (got === undefined) return undefined
    // An overridden value did not come from the file, so its line would point at the wrong text.
    const field = override === undefined
      ? iniField(this.#doc.file, section, key, got.line)
      : `${iniField(this.#doc.file, section, key, 0)} (escontrol override)`
    for (const name of missing) {
      this.warnings.push(`${field}: template {{${name}}} is defined in neither [general] nor [${section}]; replaced by ""`)
    }
    return { value: got.value, field }
  }

  /** zmES falls back to the legacy `hook_script` when `event_start_hook` is absent or Perl-false. */
  readStartHook (): RawValue | undefined | typeof FAILED {
    const primary = this.read('hook', 'event_start_hook')
    if (primary === FAILED) return FAILED
    const set = primary !== undefined && primary.value !== '' && primary.value !== '0'
    if (!set) return this.read('hook', 'hook_script') ?? primary
    const legacy = this.#doc.sections.get('hook')?.get('hook_script')
    if (legacy !== undefined) {
      this.warnings.push(`${iniField(this.#doc.file, 'hook', 'hook_script', legacy.line)}: not used because [hook] event_start_hook is set`)
    }
    return primary
  }

  /** Unknown keys in zmES sections, and zmES sections spelt with the wrong case. */
  collectUnknown (): void {
    for (const [section, entries] of this.#doc.sections) {
      if (!isZmesSection(section)) {
        const lower = section.toLowerCase()
        if (lower !== section && isZmesSection(lower)) {
          const line = [...entries.values()][0]?.line ?? 0
          this.warnings.push(`${iniField(this.#doc.file, '', `section [${section}]`, line)}: ignored; section names are case-sensitive, did you mean [${lower}]?`)
        }
        continue
      }
      for (const [key, entry] of entries) {
        if (isZmesOption(section, key) || optionStatus(section, key) !== undefined) continue
        const elsewhere = sectionsHaving(key)
        const hint = elsewhere.length > 0 ? `; zmES reads ${key} from ${elsewhere.map((s) => `[${s}]`).join(', ')}` : ''
        this.ignored.push(`unknown option ${iniField(this.#doc.file, section, key, entry.line)}${hint}`)
      }
    }
  }
}

function isQuoted (value: string): boolean {
  const first = value[0]
  return value.length >= 2 && (first === '"' || first === '\'') && value.endsWith(first)
}

function deepFreeze<T> (value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
}
