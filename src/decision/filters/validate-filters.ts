import type { TObject, TSchema } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { Value } from '@sinclair/typebox/value'
import type { FieldProblem } from '../../errors.js'
import { WebhookFiltersSchema, type WebhookFilters } from './filter-schema.js'

/** A hostile or badly generated filter must not produce a megabyte of errors. */
const MAX_PROBLEMS = 50

export type ValidateFiltersResult =
  | { ok: true, filters: WebhookFilters, warnings: string[] }
  | { ok: false, problems: FieldProblem[] }

const SECTION_SCHEMAS: ReadonlyMap<string, TObject> = new Map(
  Object.entries(WebhookFiltersSchema.properties) as Array<[string, TObject]>
)
const ALLOWED_SECTIONS = [...SECTION_SCHEMAS.keys()].join(', ')

/* FindFace Multi 1.0 names that old saved filters may still carry. */
const RENAMED_KEYS: Readonly<Record<string, string>> = { matched_dossier_in: 'matched_card_in' }

const FILTERS_CHECK = TypeCompiler.Compile(WebhookFiltersSchema)

/**
 * Checks a webhook's `filters` key by key rather than handing TypeBox's messages through: an
 * operator editing a filter by hand needs the dotted field name and the expected type, not a JSON
 * pointer and a schema keyword. Empty lists are legal but match nothing, which is almost never
 * what was meant (FindFace's own editor pre-fills them), so they come back as warnings.
 */
export function validateFilters (value: unknown, path = 'filters'): ValidateFiltersResult {
  if (!isPlainObject(value)) return { ok: false, problems: [{ field: path, message: 'must be an object' }] }
  const problems: FieldProblem[] = []
  const warnings: string[] = []
  for (const [section, body] of Object.entries(value)) {
    if (problems.length >= MAX_PROBLEMS) break
    if (body === undefined) continue
    const sectionField = `${path}.${section}`
    const schema = SECTION_SCHEMAS.get(section)
    if (schema === undefined) {
      problems.push({ field: sectionField, message: `unknown section (allowed: ${ALLOWED_SECTIONS})` })
      continue
    }
    if (!isPlainObject(body)) {
      problems.push({ field: sectionField, message: 'must be an object' })
      continue
    }
    for (const [key, keyValue] of Object.entries(body)) {
      if (problems.length >= MAX_PROBLEMS) break
      if (keyValue === undefined) continue
      const field = `${sectionField}.${key}`
      const keySchema = Object.hasOwn(schema.properties, key) ? schema.properties[key] : undefined
      if (keySchema === undefined) {
        const renamed = Object.hasOwn(RENAMED_KEYS, key) ? RENAMED_KEYS[key] : undefined
        problems.push({ field, message: renamed === undefined ? 'unknown key' : `unknown key (renamed to ${renamed})` })
        continue
      }
      const message = checkValue(keySchema, keyValue)
      if (message !== null) {
        problems.push({ field, message })
      } else if (Array.isArray(keyValue) && keyValue.length === 0) {
        warnings.push(`${field} is an empty list: it matches nothing`)
      } else if (section === 'alarms' && key === 'cause_regex') {
        const regexProblem = checkRegex(keyValue as string)
        if (regexProblem !== null) problems.push({ field, message: regexProblem })
      }
    }
  }
  if (problems.length > 0) return { ok: false, problems: problems.slice(0, MAX_PROBLEMS) }
  // The walk above covers every schema rule; this guards the type claim if the two ever drift.
  if (!FILTERS_CHECK.Check(value)) {
    for (const error of FILTERS_CHECK.Errors(value)) {
      problems.push({ field: `${path}${error.path.replaceAll('/', '.')}`, message: error.message })
      if (problems.length >= MAX_PROBLEMS) break
    }
    return { ok: false, problems }
  }
  return { ok: true, filters: value, warnings }
}

function checkValue (schema: TSchema, value: unknown): string | null {
  if (passes(schema, value)) return null
  if (schema.type === 'array' && Array.isArray(value) && typeof schema.maxItems === 'number' &&
    value.length > schema.maxItems) {
    return `must have at most ${schema.maxItems} items`
  }
  return `must be ${describe(schema)}`
}

/* Value.Check narrows `value` to `unknown`, which would make the failure branch `never`. */
function passes (schema: TSchema, value: unknown): boolean {
  return Value.Check(schema, value)
}

function checkRegex (source: string): string | null {
  try {
    // Same flags as the matcher, so what validates here is exactly what runs there.
    new RegExp(source, 'i')
  } catch (error) {
    return `is not a valid regular expression: ${error instanceof Error ? error.message : String(error)}`
  }
  if (hasNestedQuantifier(source)) {
    return 'has a quantified group that contains a quantifier (like (a+)+): it can take exponential time on the ingest path'
  }
  if (/\\[1-9]|\\k</.test(source)) return 'must not use backreferences: they can take exponential time on the ingest path'
  return null
}

/**
 * JavaScript regexes backtrack, and the matcher runs on every ingested alarm: a pattern of "star
 * height" above one, such as `(a+)+$`, can block Herald on a crafted cause. Rejecting a quantified
 * group that itself contains a quantifier rules those out; lookaheads and ordinary patterns pass.
 */
function hasNestedQuantifier (source: string): boolean {
  const stack: boolean[] = []
  let inClass = false
  for (let i = 0; i < source.length; i++) {
    const c = source[i]
    if (c === '\\') { i++; continue }
    if (inClass) { if (c === ']') inClass = false; continue }
    if (c === '[') { inClass = true; continue }
    if (c === '(') { stack.push(false); continue }
    const quantifier = c === '*' || c === '+' || (c === '{' && /^\{\d+(,\d*)?\}/.test(source.slice(i)))
    if (c === ')') {
      const inner = stack.pop() ?? false
      const next = source[i + 1]
      const quantified = next === '*' || next === '+' || (next === '{' && /^\{\d+(,\d*)?\}/.test(source.slice(i + 1)))
      if (inner && quantified) return true
      if (inner && stack.length > 0) stack[stack.length - 1] = true
      continue
    }
    if (quantifier && stack.length > 0) stack[stack.length - 1] = true
  }
  return false
}

/** Renders the expected shape in words, e.g. `array of integer`, `number between 0 and 1`. */
function describe (schema: TSchema): string {
  if (Array.isArray(schema.anyOf)) {
    const options = schema.anyOf as TSchema[]
    return options.map((option) => describe(option)).join(' or ')
  }
  if (schema.const !== undefined) return JSON.stringify(schema.const)
  switch (schema.type) {
    case 'array':
      return `array of ${describe(schema.items as TSchema)}`
    case 'integer':
    case 'number':
      return `${schema.type as string}${describeBounds(schema)}`
    case 'string':
      return typeof schema.maxLength === 'number'
        ? `string of at most ${schema.maxLength} characters`
        : 'string'
    case 'boolean':
      return 'boolean'
    case 'object':
      return 'an object'
    default:
      return 'a valid value'
  }
}

function describeBounds (schema: TSchema): string {
  const min = typeof schema.minimum === 'number' ? schema.minimum : undefined
  const max = typeof schema.maximum === 'number' ? schema.maximum : undefined
  if (min !== undefined && max !== undefined) return ` between ${min} and ${max}`
  if (min !== undefined) return ` >= ${min}`
  if (max !== undefined) return ` <= ${max}`
  return ''
}

function isPlainObject (value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}
