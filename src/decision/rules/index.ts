export { evaluateRules, type RulesInput, type RulesVerdict } from './evaluate.js'
export { translatePerlRegex, type PerlRegexResult } from './perl-regex.js'
export {
  DEFAULT_TIME_FORMAT, MAX_RULES, MAX_RULES_BYTES, NO_RULES, WEEKDAYS, describeProblem, formatProblem, parseRules,
  type CompiledRule, type CompiledRules, type ParseRulesResult, type RuleAction, type RulesProblem, type Weekday
} from './rules-file.js'
export { RULES_SETTING, RulesSource, type ReloadStatus, type RulesLocation, type RulesSettingStore, type RulesSourceOptions } from './rules-source.js'
export { compileTimeFormat, type TimeFormat, type TimeOfDay } from './strptime.js'
export { RulesTimeZone, type LocalTime } from './time-zone.js'
