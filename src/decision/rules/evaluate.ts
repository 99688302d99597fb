import type { CompiledRule, CompiledRules } from './rules-file.js'
import type { LocalTime, RulesTimeZone } from './time-zone.js'

export interface RulesInput {
  /** The monitor (camera) id as the rules file keys it, e.g. `"3"`. */
  readonly monitorId: string
  /** The alarm cause the rules match `cause_has` against (zmES: the start cause, or the end cause when only that one has `detected:`). */
  readonly cause: string
  /** The instant to judge, epoch ms. */
  readonly at: number
}

export interface RulesVerdict {
  readonly allowed: boolean
  /** zmES RulesObject: {} or { notification_type: 'critical' } — carried in the websocket alarm. */
  readonly rulesObject: Readonly<Record<string, string>>
  /** Index of the rule that decided (first full match), or null when none matched / no rules for the monitor. */
  readonly rule: number | null
  /** One human sentence for the decision log line, e.g. "monitor 3 rule 1 (mute 21:30–01:00 Mon,Tue) matched: muted". */
  readonly reason: string
}

const NONE: Readonly<Record<string, string>> = Object.freeze({})
const CRITICAL: Readonly<Record<string, string>> = Object.freeze({ notification_type: 'critical' })

/**
 * zmES `isAllowedInRules` (§7), with the midnight quirk fixed: the first rule whose conditions all
 * hold decides; when none does, the "not matched" value of the last rule applies. A rule with an
 * unknown action allows the event as soon as it is reached, before its conditions are looked at.
 */
export function evaluateRules (rules: CompiledRules, input: RulesInput, zone: RulesTimeZone): RulesVerdict {
  const monitor = `monitor ${input.monitorId}`
  const list = rules.monitors.get(input.monitorId)
  if (list === undefined) return { allowed: true, rulesObject: NONE, rule: null, reason: `${monitor} has no rules: allowed` }
  const last = list[list.length - 1]
  if (last === undefined) return { allowed: true, rulesObject: NONE, rule: null, reason: `${monitor} has an empty rule list: allowed` }
  const now = zone.localTime(input.at)
  const cause = input.cause.toLowerCase()
  for (const rule of list) {
    const described = `${monitor} rule ${rule.index} (${rule.summary})`
    if (rule.action === 'unknown') {
      const action = rule.actionText === undefined ? 'no action' : `unknown action "${rule.actionText}"`
      return { allowed: true, rulesObject: NONE, rule: rule.index, reason: `${described} has ${action}: allowed, as zmES does` }
    }
    if (!matches(rule, now, cause)) continue
    return rule.action === 'mute'
      ? { allowed: false, rulesObject: NONE, rule: rule.index, reason: `${described} matched: muted` }
      : { allowed: true, rulesObject: CRITICAL, rule: rule.index, reason: `${described} matched: allowed as critical` }
  }
  return { allowed: true, rulesObject: NONE, rule: null, reason: `${monitor}: no rule matched, the last one is ${last.action}: allowed` }
}

function matches (rule: CompiledRule, now: LocalTime, cause: string): boolean {
  const t = rule.timeFormat.key(now)
  // Inclusive bounds; a window whose end is before its start crosses midnight (zmES quirk 2 fixed).
  const inWindow = rule.fromKey <= rule.toKey ? t >= rule.fromKey && t <= rule.toKey : t >= rule.fromKey || t <= rule.toKey
  if (!inWindow) return false
  // zmES's test: a case-sensitive substring, so "Monday" works and "mon" does not.
  if (rule.daysofweek !== undefined && !rule.daysofweek.includes(now.weekday)) return false
  return rule.causeHas === undefined || rule.causeHas.test(cause)
}
