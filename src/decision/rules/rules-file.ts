import { tooDeepAt } from '../../events/json-depth.js'
import { boundedRegex, type CauseMatcher } from '../bounded-regex.js'
import { jsonSyntaxProblem } from './json-position.js'
import { translatePerlRegex } from './perl-regex.js'
import { compileTimeFormat, formatTimeOfDay, type TimeFormat, type TimeOfDay } from './strptime.js'

/**
 * es_rules.json (zmES §7) read once into plain values, so that evaluating an alarm does no
 * parsing. Every problem is found here, with the JSON path of the value at fault (or the line and
 * column of a JSON syntax error); what zmES accepts but is almost certainly a mistake comes back
 * as a warning.
 */

/** The file size zmES users never come near (the sample is 1 KB); it keeps a reload cheap. */
export const MAX_RULES_BYTES = 1024 * 1024
export const MAX_RULES = 10_000
/** zmES's default `time_format`. */
export const DEFAULT_TIME_FORMAT = '%I:%M %p'
/** The abbreviations zmES looks for in `daysofweek` (Perl's `wdayname`), Sunday first. */
export const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const
export type Weekday = typeof WEEKDAYS[number]

/* Rules nest six levels deep; anything much deeper hides in an ignored key and would only hurt re-serialisation. */
const MAX_DEPTH = 32
/* A hostile file must not produce a megabyte of errors. */
const MAX_PROBLEMS = 50

/** An error or a warning about one place of the rules text. */
export interface RulesProblem {
  /** JSON path of the value at fault, e.g. `notifications.monitors.999.rules[1].cause_has`; '' for the whole text. */
  readonly path: string
  /** 1-based line and column, for JSON syntax errors. */
  readonly line?: number
  readonly column?: number
  readonly message: string
}

export type RuleAction = 'mute' | 'critical_notify' | 'unknown'

export interface CompiledRule {
  /** Position in the monitor's list, from 0 (as in the path `rules[0]`). */
  readonly index: number
  readonly action: RuleAction
  /** The `action` as written (undefined when missing), for the log line of an unknown action. */
  readonly actionText: string | undefined
  readonly timeFormat: TimeFormat
  readonly from: TimeOfDay
  readonly to: TimeOfDay
  /** `from`/`to` as seconds since midnight at the format's resolution (`TimeFormat.key`). */
  readonly fromKey: number
  readonly toKey: number
  readonly daysofweek: string | undefined
  readonly causeHas: CauseMatcher | undefined
  /** e.g. `mute 21:30–01:00 Mon,Tue cause~/person/`, for log lines. */
  readonly summary: string
}

export interface CompiledRules {
  /** Monitor id (the JSON key, compared as a string) → its rules in file order. */
  readonly monitors: ReadonlyMap<string, readonly CompiledRule[]>
  readonly monitorCount: number
  readonly ruleCount: number
  /** The parsed JSON, as written (extra keys included). */
  readonly document: unknown
  readonly warnings: readonly RulesProblem[]
}

export type ParseRulesResult =
  | { readonly ok: true, readonly rules: CompiledRules }
  | { readonly ok: false, readonly problems: readonly RulesProblem[], readonly message: string }

export const NO_RULES: CompiledRules = Object.freeze({
  monitors: new Map<string, readonly CompiledRule[]>(),
  monitorCount: 0,
  ruleCount: 0,
  document: {},
  warnings: []
})

/** `source` names the text in messages: a file path, `request body`, `stored rules`. */
export function parseRules (text: string, source: string): ParseRulesResult {
  const bytes = Buffer.byteLength(text)
  if (bytes > MAX_RULES_BYTES) {
    return failed(source, [{ path: '', message: `is ${bytes} bytes; the limit is ${MAX_RULES_BYTES} (1 MiB)` }])
  }
  // Windows editors may save a byte order mark, which JSON.parse refuses.
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text
  let document: unknown
  try {
    document = JSON.parse(body)
  } catch (error) {
    const p = jsonSyntaxProblem(body, error)
    return failed(source, [{ path: '', line: p.line, column: p.column, message: p.message }])
  }
  const deep = tooDeepAt(document, '', MAX_DEPTH)
  if (deep !== undefined) {
    return failed(source, [{ path: pointerToPath(deep), message: `is nested deeper than ${MAX_DEPTH} levels` }])
  }
  return compileDocument(document, source)
}

/* The shape walk of `parseRules`, on the parsed (and depth-checked) document. */
function compileDocument (document: unknown, source: string): ParseRulesResult {
  const problems: RulesProblem[] = []
  const warnings: RulesProblem[] = []
  const monitors = new Map<string, readonly CompiledRule[]>()
  let ruleCount = 0
  const c: Collect = { problems, warnings, formats: new Map() }
  if (!isObject(document)) return failed(source, [{ path: '', message: 'must be a JSON object ({"notifications":{"monitors":{…}}})' }])
  const notifications = document.notifications
  const monitorsValue = isObject(notifications) ? notifications.monitors : undefined
  if (notifications !== undefined && !isObject(notifications)) {
    problems.push({ path: 'notifications', message: 'must be an object' })
  } else if (monitorsValue !== undefined && !isObject(monitorsValue)) {
    problems.push({ path: 'notifications.monitors', message: 'must be an object keyed by monitor id' })
  } else if (monitorsValue === undefined) {
    warnings.push({ path: 'notifications.monitors', message: 'is missing: there are no rules, every event is allowed' })
  } else {
    for (const [id, entry] of Object.entries(monitorsValue)) {
      if (problems.length >= MAX_PROBLEMS) break
      const path = `notifications.monitors${key(id)}`
      if (!isObject(entry)) { problems.push({ path, message: 'must be an object with a "rules" list' }); continue }
      const list = entry.rules
      if (!Array.isArray(list)) { problems.push({ path: `${path}.rules`, message: 'must be an array of rules' }); continue }
      ruleCount += list.length
      if (ruleCount > MAX_RULES) return failed(source, [{ path: `${path}.rules`, message: `brings the number of rules above the limit of ${MAX_RULES}` }])
      if (list.length === 0) {
        warnings.push({ path: `${path}.rules`, message: 'is empty: Herald allows every event of this monitor (zmES 6.1.29 muted them all)' })
      }
      const rules: CompiledRule[] = []
      list.forEach((rule: unknown, index) => {
        const compiled = compileRule(rule, index, `${path}.rules[${index}]`, c)
        if (compiled !== undefined) rules.push(compiled)
      })
      monitors.set(id, rules)
    }
  }
  if (problems.length > 0) return failed(source, problems.slice(0, MAX_PROBLEMS))
  return { ok: true, rules: { monitors, monitorCount: monitors.size, ruleCount, document, warnings } }
}

interface Collect {
  problems: RulesProblem[]
  warnings: RulesProblem[]
  /* A file repeats one or two formats; compiling each once keeps 10,000 rules cheap. */
  formats: Map<string, ReturnType<typeof compileTimeFormat>>
}

const STRING_KEYS = ['time_format', 'from', 'to', 'daysofweek', 'cause_has', 'action'] as const

function compileRule (rule: unknown, index: number, path: string, c: Collect): CompiledRule | undefined {
  if (!isObject(rule)) {
    c.problems.push({ path, message: 'must be an object' })
    return undefined
  }
  let typed = true
  for (const k of STRING_KEYS) {
    if (rule[k] !== undefined && typeof rule[k] !== 'string') {
      c.problems.push({ path: `${path}.${k}`, message: 'must be a string' })
      typed = false
    }
  }
  if (!typed) return undefined
  const r = rule as Partial<Record<typeof STRING_KEYS[number], string>>

  const actionText = r.action
  const action: RuleAction = actionText === 'mute' || actionText === 'critical_notify' ? actionText : 'unknown'
  if (action === 'unknown') {
    c.warnings.push({
      path: `${path}.action`,
      message: `${actionText === undefined ? 'is missing' : `"${actionText}" is not mute or critical_notify`}: when this rule is reached the event is allowed and the rules after it are never looked at (as zmES does)`
    })
  }

  const formatText = r.time_format ?? DEFAULT_TIME_FORMAT
  const compiledFormat = c.formats.get(formatText) ?? compileTimeFormat(formatText)
  c.formats.set(formatText, compiledFormat)
  if (!compiledFormat.ok) {
    c.problems.push({ path: `${path}.time_format`, message: `"${formatText}": ${compiledFormat.message}` })
    return undefined
  }
  const format = compiledFormat.format
  const from = bound(r.from, 'from', format, path, c)
  const to = bound(r.to, 'to', format, path, c)

  let causeHas: CauseMatcher | undefined
  if (r.cause_has !== undefined) {
    const translated = translatePerlRegex(r.cause_has)
    if (translated.ok) causeHas = boundedRegex(translated.regex)
    else c.problems.push({ path: `${path}.cause_has`, message: translated.message })
  }

  const days = r.daysofweek
  if (days !== undefined) {
    const miscased = WEEKDAYS.filter((d) => !days.includes(d) && days.toLowerCase().includes(d.toLowerCase()))
    if (miscased.length > 0) {
      c.warnings.push({ path: `${path}.daysofweek`, message: `days are matched case-sensitively: write ${miscased.join(', ')} (as zmES, "${days}" does not match them)` })
    } else if (!WEEKDAYS.some((d) => days.includes(d))) {
      c.warnings.push({ path: `${path}.daysofweek`, message: `contains none of ${WEEKDAYS.join(' ')}: the rule never matches` })
    }
  }

  if (from === undefined || to === undefined || (r.cause_has !== undefined && causeHas === undefined)) return undefined
  const clock = (t: TimeOfDay): string => formatTimeOfDay(t, format.hasSecond)
  const summary = [
    actionText ?? '(no action)',
    `${clock(from)}–${clock(to)}`,
    days ?? '',
    r.cause_has === undefined ? '' : `cause~/${r.cause_has.length > 40 ? `${r.cause_has.slice(0, 40)}…` : r.cause_has}/`
  ].filter((s) => s !== '').join(' ')
  return {
    index,
    action,
    actionText,
    timeFormat: format,
    from,
    to,
    fromKey: format.key(from),
    toKey: format.key(to),
    daysofweek: days,
    causeHas,
    summary
  }
}

function bound (text: string | undefined, name: 'from' | 'to', format: TimeFormat, path: string, c: Collect): TimeOfDay | undefined {
  if (text === undefined) {
    c.warnings.push({
      path: `${path}.${name}`,
      message: name === 'to'
        ? 'is missing and counts as 00:00 (as in zmES): the window runs from "from" to midnight'
        : 'is missing and counts as 00:00 (as in zmES): the window starts at midnight'
    })
    return { hour: 0, minute: 0, second: 0 }
  }
  const parsed = format.parse(text)
  if (!parsed.ok) {
    c.problems.push({ path: `${path}.${name}`, message: `cannot read "${text}" with time_format "${format.format}": ${parsed.message}` })
    return undefined
  }
  if (parsed.garbage.trim() !== '') {
    c.warnings.push({ path: `${path}.${name}`, message: `"${parsed.garbage}" at the end of "${text}" is ignored (time_format "${format.format}")` })
  }
  return parsed.time
}

/** One problem without its source: `line 3, column 5: …`, `notifications.monitors.3.rules[0].from: …`. */
export function describeProblem (p: RulesProblem): string {
  if (p.line !== undefined) return `line ${p.line}, column ${p.column ?? 1}: ${p.message}`
  return p.path === '' ? p.message : `${p.path}: ${p.message}`
}

/** One line for a log or an exception: `es_rules.json: line 3, column 5: …`. */
export function formatProblem (source: string, p: RulesProblem): string {
  return `${source}: ${describeProblem(p)}`
}

function failed (source: string, problems: RulesProblem[]): ParseRulesResult {
  return { ok: false, problems, message: `${source}: ${problems.map(describeProblem).join('; ')}` }
}

function key (id: string): string {
  return /^[A-Za-z0-9_-]+$/.test(id) ? `.${id}` : `[${JSON.stringify(id)}]`
}

/** `/notifications/monitors/3/comment/0` → `notifications.monitors.3.comment.0`. */
function pointerToPath (pointer: string): string {
  return pointer.slice(1).replaceAll('/', '.')
}

function isObject (value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}
