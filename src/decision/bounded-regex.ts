import { Script, createContext } from 'node:vm'

/**
 * A regular expression written by a user (`cause_regex` in webhook filters, `cause_has` in
 * es_rules) run against an alarm cause with a time limit.
 *
 * JavaScript's engine backtracks: `(a|a)*$` takes exponential time and `.*.*x` cubic time on a
 * crafted cause of a few thousand characters, and no static check tells every such pattern from a
 * safe one (the ones Herald refuses when a pattern is saved are only the obvious shapes). A
 * match that has used the limit in CPU time is stopped by V8 (vm's `timeout` interrupts the regex
 * engine) and counts as no match, so one alarm costs the limit at most.
 *
 * vm's watchdog counts wall time, and a busy machine can deschedule this thread for longer than
 * the limit in the middle of a match of microseconds: that is no reason to call a cause
 * unmatched. So a stopped match whose process used less CPU than the limit meanwhile is run
 * again, until the CPU it used reaches the limit or the wall time a cap (`WALL_CAP_FACTOR`).
 *
 * The timer thread vm starts costs ~80 µs per run on a small VM, so patterns that cannot
 * backtrack at all (no quantifier, no alternation: `truck`, `detected:`) skip it.
 */
export interface CauseMatcher {
  readonly source: string
  test (text: string): boolean
}

/** CPU time a match may use; what needed more counts as no match. */
export const REGEX_TIME_LIMIT_MS = 50
/** A match the machine keeps descheduling is given up after this many times the limit, in wall time. */
const WALL_CAP_FACTOR = 20

interface MatchSlot { regex: RegExp, text: string }

const slot: MatchSlot = { regex: /^$/, text: '' }
const context = createContext(slot)
const run = new Script('regex.test(text)')
const warned = new WeakSet<RegExp>()

/** `regex` must have no `g` or `y` flag: those keep lastIndex between calls and skip matches. */
export function boundedRegex (regex: RegExp, limitMs = REGEX_TIME_LIMIT_MS): CauseMatcher {
  if (!canBacktrack(regex.source)) return { source: regex.source, test: (text) => regex.test(text) }
  return {
    source: regex.source,
    test: (text) => {
      slot.regex = regex
      slot.text = text
      const startedCpu = process.cpuUsage()
      const startedWall = performance.now()
      try {
        for (;;) {
          try {
            return run.runInContext(context, { timeout: limitMs }) === true
          } catch (err) {
            if ((err as { code?: string }).code !== 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw err
            const cpu = process.cpuUsage(startedCpu)
            if ((cpu.user + cpu.system) / 1000 < limitMs && performance.now() - startedWall < limitMs * WALL_CAP_FACTOR) continue
          }
          if (!warned.has(regex)) {
            warned.add(regex)
            process.emitWarning(`/${regex.source}/ ran longer than ${limitMs} ms on a ${text.length}-character cause and was stopped; it counts as no match (shown once per pattern)`, { code: 'HERALD_REGEX_TIME_LIMIT' })
          }
          return false
        }
      } finally {
        slot.text = ''
      }
    }
  }
}

/** Quantifiers and alternation are what backtracking multiplies; without them a match is linear. */
function canBacktrack (source: string): boolean {
  for (let i = 0; i < source.length; i++) {
    const c = source[i]
    if (c === '\\') { i++; continue }
    if (c === '*' || c === '+' || c === '?' || c === '{' || c === '|') return true
  }
  return false
}
