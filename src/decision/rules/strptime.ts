/**
 * strftime-style time formats for es_rules.json `from`/`to`, parsed the lenient way Perl's
 * `Time::Piece->strptime` does (its parser is FreeBSD's `strptime.c`): zmES users rely on
 * `"1 am"` parsing with the default `%I:%M %p`. docs/rules.md states the exact rules; in short:
 *
 * - A whitespace character in the format (also `%n`, `%t`) matches any amount of input
 *   whitespace, none included. Any other literal character must match exactly.
 * - When the input runs out, parsing stops and succeeds: fields not read stay 0.
 * - Numbers have 1 to N digits (N = 2; 3 for `%j`; 4 for `%Y`). `%M`, `%S`, `%y` and `%Y` facing
 *   whitespace are skipped (left 0).
 * - After a number, if the input goes on with whitespace, the rest of the current format word
 *   (up to the next whitespace in the format) is skipped: `"1 am"` against `%I:%M %p` reads `1`,
 *   skips `:%M`, and goes on with ` %p`.
 * - `%p`/`%P` read AM or PM in any case and are applied to the hour at the end (glibc's order,
 *   so a format may put `%p` first). Names (`%a %A %b %B %h`) are English, any case, full or
 *   abbreviated.
 * - Leading and trailing whitespace of the input is ignored; other input left over when the
 *   format ends is reported as `garbage` (Perl only warns about it, so this is a warning too).
 */

export interface TimeOfDay {
  readonly hour: number
  readonly minute: number
  readonly second: number
}

export type ParseTimeResult =
  | { readonly ok: true, readonly time: TimeOfDay, readonly garbage: string }
  | { readonly ok: false, readonly message: string }

export interface TimeFormat {
  readonly format: string
  /** The time-of-day fields the format contains: rules compare "now" on these alone (zmES re-parses now with the format). */
  readonly hasHour: boolean
  readonly hasMinute: boolean
  readonly hasSecond: boolean
  /** `%I`/`%l` without `%p`: "now" is read on a 12-hour clock (1–12), as zmES's strftime→strptime round trip does. */
  readonly twelveHour: boolean
  parse (input: string): ParseTimeResult
  /** Seconds since midnight of `t`, counting only the fields the format contains. */
  key (t: TimeOfDay): number
}

type Token =
  | { readonly kind: 'space' }
  | { readonly kind: 'literal', readonly ch: string }
  | { readonly kind: 'conv', readonly c: string }

/* Composite conversions, in the C locale. */
const COMPOSITES: Readonly<Record<string, string>> = {
  R: '%H:%M', T: '%H:%M:%S', r: '%I:%M:%S %p', D: '%m/%d/%y', c: '%a %b %e %H:%M:%S %Y', x: '%m/%d/%y', X: '%H:%M:%S'
}
/* Numeric conversions: [max digits, min, max]. */
const NUMBERS: Readonly<Record<string, readonly [number, number, number]>> = {
  H: [2, 0, 23], k: [2, 0, 23], I: [2, 0, 12], l: [2, 0, 12], M: [2, 0, 59], S: [2, 0, 60],
  d: [2, 1, 31], e: [2, 1, 31], m: [2, 1, 12], y: [2, 0, 99], Y: [4, 0, 9999], j: [3, 1, 366]
}
/* Perl: these conversions facing whitespace leave their field unset instead of failing. */
const OPTIONAL_AT_SPACE = new Set(['M', 'S', 'y', 'Y'])
/* glibc: these are space-padded, so leading blanks are fine. */
const SPACE_PADDED = new Set(['e', 'k', 'l'])
const NAMES = new Set(['a', 'A', 'b', 'B', 'h', 'p', 'P'])
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday']
const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december']
const SUPPORTED = '%H %I %k %l %M %S %p %P %a %A %b %B %h %d %e %m %y %Y %j %T %R %r %D %c %x %X %n %t %%'

export type CompileTimeFormatResult =
  | { readonly ok: true, readonly format: TimeFormat }
  | { readonly ok: false, readonly message: string }

export function compileTimeFormat (format: string): CompileTimeFormatResult {
  const tokens: Token[] = []
  const problem = tokenize(format, tokens)
  if (problem !== null) return { ok: false, message: problem }
  const has = (...cs: string[]): boolean => tokens.some((t) => t.kind === 'conv' && cs.includes(t.c))
  const hasHour = has('H', 'k', 'I', 'l')
  const hasMinute = has('M')
  const hasSecond = has('S')
  const twelveHour = has('I', 'l') && !has('H', 'k', 'p', 'P')
  return {
    ok: true,
    format: {
      format,
      hasHour,
      hasMinute,
      hasSecond,
      twelveHour,
      parse: (input) => parseWith(tokens, input),
      key (t) {
        const hour = !hasHour ? 0 : twelveHour ? (t.hour % 12 === 0 ? 12 : t.hour % 12) : t.hour
        return hour * 3600 + (hasMinute ? t.minute * 60 : 0) + (hasSecond ? t.second : 0)
      }
    }
  }
}

function tokenize (format: string, tokens: Token[]): string | null {
  for (let i = 0; i < format.length; i++) {
    const ch = format[i] as string
    if (ch !== '%') {
      tokens.push(isSpace(ch) ? { kind: 'space' } : { kind: 'literal', ch })
      continue
    }
    const c = format[++i]
    if (c === undefined) return 'ends with a lone %'
    const composite = Object.hasOwn(COMPOSITES, c) ? COMPOSITES[c] : undefined
    if (composite !== undefined) tokenize(composite, tokens)
    else if (c === '%') tokens.push({ kind: 'literal', ch: '%' })
    else if (c === 'n' || c === 't') tokens.push({ kind: 'space' })
    else if (Object.hasOwn(NUMBERS, c) || NAMES.has(c)) tokens.push({ kind: 'conv', c })
    else return `%${c} is not supported (supported: ${SUPPORTED})`
  }
  return null
}

function parseWith (tokens: readonly Token[], raw: string): ParseTimeResult {
  const input = raw.trim()
  let pos = 0
  let hour = 0
  let minute = 0
  let second = 0
  let meridiem: 'am' | 'pm' | undefined
  const fail = (what: string): ParseTimeResult => ({ ok: false, message: `${what} at character ${pos + 1}` })
  for (let k = 0; k < tokens.length; k++) {
    if (pos >= input.length) break
    const t = tokens[k] as Token
    if (t.kind === 'space') {
      while (pos < input.length && isSpace(input[pos] as string)) pos++
      continue
    }
    if (t.kind === 'literal') {
      if (input[pos] !== t.ch) return fail(`expected "${t.ch}"`)
      pos++
      continue
    }
    const c = t.c
    const numeric = NUMBERS[c]
    if (numeric !== undefined) {
      if (OPTIONAL_AT_SPACE.has(c) && isSpace(input[pos] as string)) continue
      if (SPACE_PADDED.has(c)) while (pos < input.length && isSpace(input[pos] as string)) pos++
      const [width, min, max] = numeric
      const start = pos
      while (pos < input.length && pos - start < width && isDigit(input[pos] as string)) pos++
      if (pos === start) return fail(`expected a number for %${c}`)
      const value = Number(input.slice(start, pos))
      if (value < min || value > max) {
        pos = start
        return fail(`%${c} must be ${min}–${max}, got ${value}`)
      }
      if (c === 'H' || c === 'k' || c === 'I' || c === 'l') hour = value
      else if (c === 'M') minute = value
      else if (c === 'S') second = value
      // Perl's leniency: a number followed by a blank ends the current format word.
      if (pos < input.length && isSpace(input[pos] as string)) {
        while (k + 1 < tokens.length && (tokens[k + 1] as Token).kind !== 'space') k++
      }
      continue
    }
    const rest = input.slice(pos).toLowerCase()
    if (c === 'p' || c === 'P') {
      if (rest.startsWith('am')) meridiem = 'am'
      else if (rest.startsWith('pm')) meridiem = 'pm'
      else return fail(`expected AM or PM for %${c}`)
      pos += 2
      continue
    }
    const names = c === 'a' || c === 'A' ? WEEKDAYS : MONTHS
    const length = matchName(names, rest)
    if (length === 0) return fail(`expected a ${names === WEEKDAYS ? 'weekday' : 'month'} name for %${c}`)
    pos += length
  }
  if (meridiem !== undefined) {
    if (hour > 12) return { ok: false, message: `hour ${hour} cannot take AM/PM` }
    if (meridiem === 'am' && hour === 12) hour = 0
    if (meridiem === 'pm' && hour !== 12) hour += 12
  }
  return { ok: true, time: { hour, minute, second }, garbage: input.slice(pos) }
}

/** Length of the full or three-letter name `rest` starts with, 0 when none. */
function matchName (names: readonly string[], rest: string): number {
  for (const name of names) {
    if (rest.startsWith(name)) return name.length
    if (rest.startsWith(name.slice(0, 3))) return 3
  }
  return 0
}

function isSpace (ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\f' || ch === '\v'
}

function isDigit (ch: string): boolean {
  return ch >= '0' && ch <= '9'
}

/** `21:30` (with `:SS` when the format reads seconds): how a parsed bound appears in log lines. */
export function formatTimeOfDay (t: TimeOfDay, withSeconds: boolean): string {
  const two = (n: number): string => String(n).padStart(2, '0')
  return `${two(t.hour)}:${two(t.minute)}${withSeconds ? `:${two(t.second)}` : ''}`
}
