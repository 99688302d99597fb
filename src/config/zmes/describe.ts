import { basename } from 'node:path'
import type { FieldProblem } from '../../errors.js'
import { DEFAULTS } from '../defaults.js'
import type { IniDocument } from '../ini-reader.js'
import type { LoadedSettings } from '../load.js'
import { optionStatus } from './option-status.js'
import { planOverrides } from './overrides.js'
import { DEFAULT_STANDS } from './read-zmes.js'
import { ZMES_SECTIONS, zmesKeys, type ZmesConfig } from './zmes-schema.js'

export interface DescribeExtras {
  /** Warnings of readZmesConfig; the loader's own warnings are always printed. */
  readonly warnings?: readonly string[]
  /** The escontrol overrides given to readZmesConfig, so values they set are labelled as such. */
  readonly overrides?: ReadonlyMap<string, string>
}

const MASK = '********'

/*
 * Masked by name because such keys hold credentials whatever their origin: password, key, token,
 * secret, and the `*_password`, `*_key`, … forms (fcm_v1_key, escontrol_interface_password,
 * picture_portal_password, [http] ingest_token). `[ssl] key` and `[mqtt] tls_key` are paths, but
 * masking a path costs less than guessing wrong about a credential.
 */
const SECRET_NAME = /(?:^|_)(?:password|key|token|secret)$/

/**
 * The text of `herald check-config`: Herald's own sections, then the zmES sections, every value
 * with where it came from, secrets masked (by key name, and any value that came from `!NAME`);
 * then every problem with its place, every ignored option and every warning.
 * @param ignored readZmesConfig's `ignored` followed by ignoredOptionLines().
 */
export function describeEffective (
  settings: LoadedSettings,
  zmes: ZmesConfig,
  problems: readonly FieldProblem[],
  ignored: readonly string[],
  extras: DescribeExtras = {}
): string {
  const ini = settings.ini
  const out: string[] = []
  out.push(`Effective settings${settings.file === undefined ? ' (no config file: built-in defaults)' : ` of ${settings.file}`}; secrets are masked`)
  if (settings.secrets !== undefined) out.push(`Secrets file: ${settings.secrets.file}`)

  out.push('', '# Herald')
  const herald = settings.config as unknown as Record<string, Record<string, unknown>>
  const heraldDefaults = DEFAULTS as unknown as Record<string, Record<string, unknown>>
  for (const [section, values] of Object.entries(herald)) {
    const rows = Object.entries(values).map(([key, value]): Row => {
      const entry = ini?.sections.get(section)?.get(key)
      const origin = settings.fromEnvironment?.has(`${section}.${key}`) === true
        ? 'environment'
        : entry !== undefined
          ? place(ini, entry.line) + secretName(entry.value)
          : Object.is(value, heraldDefaults[section]?.[key]) ? 'default' : 'environment'
      return { key, value: show(value, isMasked(key, entry?.value)), origin }
    })
    out.push(...block(section, rows))
  }

  out.push('', '# zmeventnotification')
  const overridden = planOverrides(extras.overrides).byOption
  const config = zmes as unknown as Record<string, Record<string, unknown>>
  for (const section of ZMES_SECTIONS) {
    const rows = zmesKeys(section).map((key): Row => {
      const value = config[section]?.[key]
      const entry = ini?.sections.get(section)?.get(key) ??
        (section === 'hook' && key === 'event_start_hook' ? ini?.sections.get('hook')?.get('hook_script') : undefined)
      const named = `[${section}] ${key} (`
      const rejected = problems.some((p) => p.field.startsWith(named)) ||
        (extras.warnings ?? []).some((w) => w.startsWith(named) && w.endsWith(DEFAULT_STANDS))
      const origin = rejected
        ? 'default: the value given is rejected, see below'
        : overridden.has(`${section}.${key}`)
          ? 'escontrol override'
          // Line 0: put in by HERALD_<SECTION>_<KEY>, which outranks the file.
          : entry !== undefined ? (entry.line === 0 ? 'environment' : place(ini, entry.line)) : 'default'
      const ignoredNote = optionStatus(section, key)?.status === 'ignored' ? '; ignored' : ''
      const secret = rejected ? '' : secretName(entry?.value)
      return { key, value: show(value, isMasked(key, entry?.value)), origin: origin + secret + ignoredNote }
    })
    out.push(...block(section, rows))
  }

  out.push('', list('Problems', problems.map((p) => `${p.field}: ${p.message}`)))
  out.push(list('Ignored', ignored))
  out.push(list('Warnings', [...settings.warnings, ...(extras.warnings ?? [])]))
  return out.join('\n') + '\n'
}

interface Row {
  key: string
  value: string
  origin: string
}

function block (section: string, rows: readonly Row[]): string[] {
  const width = Math.max(...rows.map((r) => r.key.length))
  const valueWidth = Math.min(48, Math.max(...rows.map((r) => r.value.length)))
  return [
    `[${section}]`,
    ...rows.map((r) => `  ${r.key.padEnd(width)} = ${r.value.padEnd(valueWidth)}  (${r.origin})`.trimEnd())
  ]
}

function list (title: string, lines: readonly string[]): string {
  if (lines.length === 0) return `${title}: none`
  return [`${title} (${lines.length}):`, ...lines.map((l) => `  ${l}`)].join('\n')
}

function place (ini: IniDocument | undefined, line: number): string {
  return `${basename(ini?.file ?? '')}:${line}`
}

/** Masked when the name says credential or the file took the value from the secrets file. */
function isMasked (key: string, raw: string | undefined): boolean {
  return SECRET_NAME.test(key) || raw?.startsWith('!') === true
}

/** The secret's name is no secret, and tells the operator where to look. */
function secretName (raw: string | undefined): string {
  return raw?.startsWith('!') === true ? `, ${raw}` : ''
}

/** Unset and empty values are shown as such even when masked: their absence is no secret. */
function show (value: unknown, masked: boolean): string {
  if (value === undefined) return '(not set)'
  if (value === '') return '(empty)'
  if (masked) return MASK
  if (typeof value === 'boolean') return value ? 'yes' : 'no'
  if (Array.isArray(value)) return value.length === 0 ? '(none)' : value.join(', ')
  return String(value)
}
