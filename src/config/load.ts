import { readFileSync } from 'node:fs'
import { basename, dirname, isAbsolute, resolve } from 'node:path'
import type { TObject, TSchema } from '@sinclair/typebox'
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler'
import { ConfigError, type FieldProblem } from '../errors.js'
import { DEFAULTS } from './defaults.js'
import { parseIni, type IniDocument } from './ini-reader.js'
import { expandTemplates, iniField, readValue, resolveSecret, toBoolean } from './ini-values.js'
import { HeraldConfigSchema, type HeraldConfig } from './schema.js'
import { isZmesSection } from './zmes/zmes-schema.js'

export interface LoadOptions {
  /** INI file; falls back to env `HERALD_CONFIG`. Without either, defaults and env only. */
  file?: string
  /** Defaults to `process.env`. */
  env?: NodeJS.ProcessEnv | Record<string, string | undefined>
}

export interface LoadedSettings {
  /** Deeply frozen. */
  config: HeraldConfig
  /** Path of the INI file read, as given. */
  file: string | undefined
  /** The whole INI file, including the zmES sections ([general], [fcm], [hook], …) for later readers. */
  ini: IniDocument | undefined
  secrets: IniDocument | undefined
  /** Things worth logging that do not stop Herald (duplicate keys, undefined templates, …). */
  warnings: string[]
  /** Herald's keys set by the environment (`section.key`): they outrank the file's line. */
  fromEnvironment?: ReadonlySet<string>
}

const ENV_PREFIX = 'HERALD_'
const CONFIG_ENV = 'HERALD_CONFIG'

type Section = keyof HeraldConfig
type Source = { field: string, raw: string }

const SECTIONS = HeraldConfigSchema.properties as unknown as Record<Section, TObject>
/** One compiled checker per leaf, so each bad value is reported where it was written. */
const LEAF_CHECKS = new Map<string, TypeCheck<TSchema>>()
const CONFIG_CHECK = TypeCompiler.Compile(HeraldConfigSchema)

/**
 * Builds Herald's settings: DEFAULTS, then Herald's own INI sections, then `HERALD_<SECTION>_<KEY>`
 * environment variables. Every problem found is collected and thrown as one ConfigError, so a
 * misconfigured deployment is fixed in one round trip instead of one error per restart.
 */
export function loadSettings (options: LoadOptions = {}): LoadedSettings {
  const env = options.env ?? process.env
  const problems: FieldProblem[] = []
  const warnings: string[] = []
  const configEnv = env[CONFIG_ENV]
  const file = options.file ?? (configEnv !== undefined && configEnv !== '' ? configEnv : undefined)

  let ini: IniDocument | undefined
  let secrets: IniDocument | undefined
  if (file !== undefined) {
    const text = readText(file)
    if (typeof text !== 'string') {
      const source = options.file !== undefined ? 'config file' : `env ${CONFIG_ENV}`
      throw new ConfigError([{ field: source, message: `cannot read ${file}: ${describeFsError(text)}` }])
    }
    ini = parseIni(text, file)
    collectIniProblems(ini, problems, warnings)
    secrets = loadSecrets(ini, problems, warnings)
  }

  const config = structuredClone(DEFAULTS) as unknown as Record<Section, Record<string, unknown>>
  const sources = new Map<string, Source>()
  if (ini !== undefined) overlayIni(ini, secrets, config, sources, problems, warnings)
  overlayEnv(env, config, sources, problems, warnings)
  ini = overlayZmesEnv(env, ini)

  // Leaves were checked one by one; this catches anything that slipped past (e.g. broken DEFAULTS).
  if (problems.length === 0 && !CONFIG_CHECK.Check(config)) {
    const seen = new Set<string>()
    for (const error of CONFIG_CHECK.Errors(config)) {
      const path = error.path.slice(1).replace('/', '.')
      if (seen.has(path)) continue
      seen.add(path)
      const source = sources.get(path)
      problems.push({ field: source?.field ?? path, message: error.message })
    }
  }
  if (problems.length > 0) throw new ConfigError(problems)

  const fromEnvironment = new Set([...sources].filter(([, source]) => source.field.startsWith('env ')).map(([path]) => path))
  return { config: deepFreeze(config as unknown as HeraldConfig), file, ini, secrets, warnings, fromEnvironment }
}

function readText (file: string): string | NodeJS.ErrnoException {
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    return error as NodeJS.ErrnoException
  }
}

function describeFsError (error: NodeJS.ErrnoException): string {
  if (error.code === 'ENOENT') return 'file does not exist'
  if (error.code === 'EISDIR') return 'is a directory'
  if (error.code === 'EACCES') return 'permission denied'
  return error.message
}

function collectIniProblems (doc: IniDocument, problems: FieldProblem[], warnings: string[]): void {
  for (const p of doc.problems) {
    const where = `${basename(p.file)}:${p.line}`
    if (p.severity === 'warning') warnings.push(`${where}: ${p.message}`)
    else problems.push({ field: where, message: p.message })
  }
}

/**
 * `[general] secrets` is read like zmES does (so `no` or an empty value means no secrets file), but
 * a relative path is taken from the config file's folder rather than the working directory, which
 * under a service manager is rarely what the author of the file had in mind.
 */
function loadSecrets (ini: IniDocument, problems: FieldProblem[], warnings: string[]): IniDocument | undefined {
  let setting: { value: string, line: number } | undefined
  try {
    setting = readValue(ini, 'general', 'secrets')
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    problems.push(...error.problems)
    return undefined
  }
  if (setting === undefined || setting.value === '' || setting.value === '0') return undefined
  const path = isAbsolute(setting.value) ? setting.value : resolve(dirname(ini.file), setting.value)
  const text = readText(path)
  if (typeof text !== 'string') {
    problems.push({
      field: iniField(ini.file, 'general', 'secrets', setting.line),
      message: `cannot read secrets file ${path}: ${describeFsError(text)}`
    })
    return undefined
  }
  const secrets = parseIni(text, path)
  collectIniProblems(secrets, problems, warnings)
  return secrets
}

function overlayIni (
  ini: IniDocument,
  secrets: IniDocument | undefined,
  config: Record<Section, Record<string, unknown>>,
  sources: Map<string, Source>,
  problems: FieldProblem[],
  warnings: string[]
): void {
  for (const [sectionName, entries] of ini.sections) {
    if (!isSection(sectionName)) {
      const lower = sectionName.toLowerCase()
      if (isSection(lower)) {
        const line = [...entries.values()][0]?.line ?? 0
        warnings.push(`${basename(ini.file)}: section [${sectionName}] is ignored by Herald (section names are case-sensitive; did you mean [${lower}]?)${line > 0 ? ` (first key at line ${line})` : ''}`)
      }
      continue
    }
    const schema = SECTIONS[sectionName]
    for (const [key, entry] of entries) {
      const field = iniField(ini.file, sectionName, key, entry.line)
      if (!Object.hasOwn(schema.properties, key)) {
        problems.push({ field, message: unknownKeyMessage(sectionName) })
        continue
      }
      // §5.1 minus yes/no: booleans accept yes/no anyway, and a string such as a token must stay literal.
      const secret = resolveSecret(entry.value, secrets, field)
      if (!secret.ok) {
        problems.push(secret.problem)
        continue
      }
      const missing: string[] = []
      const value = stripQuotes(expandTemplates(secret.value, sectionName, ini, missing).trim())
      for (const name of missing) {
        warnings.push(`${field}: template {{${name}}} is defined in neither [general] nor [${sectionName}]; replaced by ""`)
      }
      setLeaf(config, sectionName, key, { field, raw: value }, sources, problems)
    }
  }
}

/**
 * `HERALD_<ZMESSECTION>_<KEY>` (e.g. HERALD_NETWORK_PORT=9001) overrides a zmeventnotification.ini
 * option the way it overrides Herald's own: it is written into the INI document as if it were the
 * file's last line, so every reader of the zmES sections (and escontrol `restart`) sees it.
 */
function overlayZmesEnv (env: NodeJS.ProcessEnv | Record<string, string | undefined>, ini: IniDocument | undefined): IniDocument | undefined {
  let doc = ini
  for (const name of Object.keys(env).filter((n) => n.startsWith(ENV_PREFIX)).sort()) {
    const raw = env[name]
    if (raw === undefined) continue
    const rest = name.slice(ENV_PREFIX.length)
    const cut = rest.indexOf('_')
    if (cut < 0) continue
    const section = rest.slice(0, cut).toLowerCase()
    if (!isZmesSection(section)) continue
    doc ??= { file: '<environment>', sections: new Map(), problems: [] }
    let entries = doc.sections.get(section)
    if (entries === undefined) {
      entries = new Map()
      doc.sections.set(section, entries)
    }
    entries.set(rest.slice(cut + 1).toLowerCase(), { value: raw, line: 0 })
  }
  return doc
}

function overlayEnv (
  env: NodeJS.ProcessEnv | Record<string, string | undefined>,
  config: Record<Section, Record<string, unknown>>,
  sources: Map<string, Source>,
  problems: FieldProblem[],
  warnings: string[]
): void {
  const names = Object.keys(env).filter((n) => n.startsWith(ENV_PREFIX) && n !== CONFIG_ENV).sort()
  for (const name of names) {
    const raw = env[name]
    if (raw === undefined) continue
    const rest = name.slice(ENV_PREFIX.length)
    const cut = rest.indexOf('_')
    const section = (cut < 0 ? rest : rest.slice(0, cut)).toLowerCase()
    const key = cut < 0 ? '' : rest.slice(cut + 1).toLowerCase()
    const field = `env ${name}`
    if (isZmesSection(section)) continue
    if (!isSection(section)) {
      // Not an error: HERALD_* names may belong to tooling around Herald, but a typo deserves a hint.
      warnings.push(`${field} is not a Herald setting (no section [${section}]); ignored`)
      continue
    }
    if (!Object.hasOwn(SECTIONS[section].properties, key)) {
      problems.push({ field, message: unknownKeyMessage(section) })
      continue
    }
    // Environment values are literal: no secrets, templates or quote stripping.
    setLeaf(config, section, key, { field, raw }, sources, problems)
  }
}

function setLeaf (
  config: Record<Section, Record<string, unknown>>,
  section: Section,
  key: string,
  source: Source,
  sources: Map<string, Source>,
  problems: FieldProblem[]
): void {
  const schema = SECTIONS[section].properties[key] as TSchema
  const value = convert(schema, source.raw)
  if (value === undefined || !leafCheck(`${section}.${key}`, schema).Check(value)) {
    problems.push({ field: source.field, message: `${expectation(schema)}, got ${JSON.stringify(source.raw)}` })
    return
  }
  config[section][key] = value
  sources.set(`${section}.${key}`, source)
}

const INTEGER = /^[+-]?\d+$/
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/

/** Strict conversion: `80x` is not 80. `undefined` means the text is not of the schema's type. */
function convert (schema: TSchema, raw: string): unknown {
  switch (schema.type) {
    case 'integer': return INTEGER.test(raw.trim()) ? Number(raw.trim()) : undefined
    case 'number': return NUMBER.test(raw.trim()) ? Number(raw.trim()) : undefined
    case 'boolean': return toBoolean(raw)
    default: return raw
  }
}

/** The rule a value breaks, in words an operator understands without reading the schema. */
function expectation (schema: TSchema): string {
  if (schema.type === 'integer' || schema.type === 'number') {
    const what = schema.type === 'integer' ? 'an integer' : 'a number'
    const min = schema.minimum as number | undefined
    const over = schema.exclusiveMinimum as number | undefined
    const max = schema.maximum as number | undefined
    if (min !== undefined && max !== undefined) return `must be ${what} from ${min} to ${max}`
    if (over !== undefined && max !== undefined) return `must be ${what} greater than ${over} and at most ${max}`
    if (min !== undefined) return `must be ${what} of at least ${min}`
    if (over !== undefined) return `must be ${what} greater than ${over}`
    if (max !== undefined) return `must be ${what} of at most ${max}`
    return `must be ${what}`
  }
  if (schema.type === 'boolean') return 'must be yes/no, true/false, on/off or 1/0'
  if (schema.const !== undefined) return `must be ${JSON.stringify(schema.const)}`
  if (Array.isArray(schema.anyOf)) {
    return `must be one of ${(schema.anyOf as TSchema[]).map((s) => String(s.const)).join(', ')}`
  }
  if (typeof schema.minLength === 'number' && schema.minLength > 0) return 'must not be empty'
  if (typeof schema.description === 'string' && schema.description.startsWith('must ')) return schema.description
  return 'is invalid'
}

function leafCheck (path: string, schema: TSchema): TypeCheck<TSchema> {
  let check = LEAF_CHECKS.get(path)
  if (check === undefined) {
    check = TypeCompiler.Compile(schema)
    LEAF_CHECKS.set(path, check)
  }
  return check
}

function unknownKeyMessage (section: Section): string {
  return `unknown key; [${section}] has ${Object.keys(SECTIONS[section].properties).join(', ')}`
}

function isSection (name: string): name is Section {
  return Object.hasOwn(SECTIONS, name)
}

/** Herald's own values are not passed to a shell, so quotes around them are syntax, not content. */
function stripQuotes (value: string): string {
  if (value.length >= 2) {
    const first = value[0]
    if ((first === '"' || first === "'") && value.endsWith(first)) return value.slice(1, -1)
  }
  return value
}

function deepFreeze<T> (value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
}
