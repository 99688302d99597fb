import { basename } from 'node:path'
import { ConfigError, type FieldProblem } from '../errors.js'
import type { IniDocument } from './ini-reader.js'

/*
 * zmES's value rules (`config_get_val`, spec §5.1) as separate steps, so Herald's own sections
 * can pick the ones that make sense for them and zmES sections can apply all of them in order.
 */

export type SecretResult =
  | { ok: true, value: string }
  | { ok: false, problem: FieldProblem }

/** How a problem names an INI value: `[http] port (herald.ini:12)`. */
export function iniField (file: string, section: string, key: string, line: number): string {
  const where = line > 0 ? ` (${basename(file)}:${line})` : ''
  return section === '' ? `${key}${where}` : `[${section}] ${key}${where}`
}

/**
 * §5.1 step 2: a value starting with `!` is replaced as a whole by `[secrets] NAME` of the secrets
 * file. zmES dies on a missing file, key or empty secret; here that is a problem named by `where`.
 */
export function resolveSecret (value: string, secrets: IniDocument | undefined, where: string): SecretResult {
  if (!value.startsWith('!')) return { ok: true, value }
  const name = value.slice(1)
  if (secrets === undefined) {
    return { ok: false, problem: { field: where, message: `refers to secret "${name}" but no secrets file is configured ([general] secrets)` } }
  }
  const secret = secrets.sections.get('secrets')?.get(name)
  if (secret === undefined) {
    return { ok: false, problem: { field: where, message: `secret "${name}" is not in [secrets] of ${secrets.file}` } }
  }
  if (secret.value === '') {
    return { ok: false, problem: { field: where, message: `secret "${name}" is empty in ${secrets.file}:${secret.line}` } }
  }
  return { ok: true, value: secret.value }
}

/** §5.1 step 4: only the words yes/no (any case) become `1`/`0`; other truthy words stay as they are. */
export function yesNo (value: string): string {
  const lower = value.toLowerCase()
  if (lower === 'yes') return '1'
  if (lower === 'no') return '0'
  return value
}

/**
 * §5.1 step 5: `{{name}}` becomes the raw value of `name` from `[general]`, else from `section`.
 * Substituted text is not expanded again. Like zmES, an undefined name becomes the empty string;
 * its name is pushed onto `missing` so callers can warn about it.
 */
export function expandTemplates (value: string, section: string, doc: IniDocument, missing?: string[]): string {
  return value.replace(/\{\{(.*?)\}\}/g, (_match, name: string) => {
    const general = doc.sections.get('general')?.get(name)?.value
    // zmES falls back to the own section when the [general] value is Perl-false ('' or '0').
    if (general !== undefined && general !== '' && general !== '0') return general
    const own = doc.sections.get(section)?.get(name)?.value ?? general
    if (own === undefined) {
      missing?.push(name)
      return ''
    }
    return own
  })
}

/** Herald's boolean words, case-insensitive; anything else is `undefined` so callers can report it. */
export function toBoolean (value: string): boolean | undefined {
  switch (value.trim().toLowerCase()) {
    case 'yes': case 'true': case '1': case 'on': return true
    case 'no': case 'false': case '0': case 'off': return false
    default: return undefined
  }
}

/**
 * Reads one value applying §5.1 in order: raw value, secret, override, yes/no, templates, trim.
 * `overrides` (the escontrol settings, §3.7) are keyed by key name only, so one override applies to
 * that key in every section, as in zmES; an override also supplies a key the file lacks (line 0).
 * Names of undefined templates are pushed onto `missingTemplates`. Returns `undefined` for a key
 * that is neither in the file nor overridden: the caller applies its built-in default.
 * @throws ConfigError when a secret cannot be resolved (fatal in zmES).
 */
export function readValue (
  doc: IniDocument,
  section: string,
  key: string,
  secrets?: IniDocument,
  overrides?: ReadonlyMap<string, string>,
  missingTemplates?: string[]
): { value: string, line: number } | undefined {
  const entry = doc.sections.get(section)?.get(key)
  const override = overrides?.get(key)
  if (entry === undefined && override === undefined) return undefined
  const line = entry?.line ?? 0
  let value = entry?.value ?? ''
  if (entry !== undefined) {
    const secret = resolveSecret(value, secrets, iniField(doc.file, section, key, line))
    if (!secret.ok) throw new ConfigError([secret.problem])
    value = secret.value
  }
  if (override !== undefined) value = override
  value = yesNo(value)
  value = expandTemplates(value, section, doc, missingTemplates)
  return { value: value.trim(), line }
}
