import { ConfigError, type FieldProblem } from '../../errors.js'
import { iniField, readValue } from '../../config/ini-values.js'
import type { LoadedSettings } from '../../config/load.js'
import { TARGET_NAME, type ConfiguredTarget } from './target-registry.js'
import { parseTargetUrl } from './target-url.js'

export const TARGETS_SECTION = 'targets'

/**
 * The `[targets]` section of the settings file: `name = <target URL>` per line. Values follow the
 * zmES value rules (a value `!NAME` comes from the secrets file, `{{var}}` templates), and
 * surrounding quotes are stripped as for Herald's own keys. Every bad line is reported at once.
 * @throws ConfigError naming each bad line, what is wrong, and never the secret itself
 */
export function readConfiguredTargets (settings: Pick<LoadedSettings, 'ini' | 'secrets'>): ConfiguredTarget[] {
  const ini = settings.ini
  const section = ini?.sections.get(TARGETS_SECTION)
  if (ini === undefined || section === undefined) return []
  const problems: FieldProblem[] = []
  const targets: ConfiguredTarget[] = []
  for (const [name, entry] of section) {
    const field = iniField(ini.file, TARGETS_SECTION, name, entry.line)
    if (!TARGET_NAME.test(name)) {
      problems.push({ field, message: 'a target name is 1 to 64 of a-z 0-9 _ - (lower case)' })
      continue
    }
    let value: string
    try {
      value = stripQuotes(readValue(ini, TARGETS_SECTION, name, settings.secrets)?.value ?? '')
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err
      problems.push(...err.problems)
      continue
    }
    if (value === '') {
      problems.push({ field, message: 'has no URL' })
      continue
    }
    const parsed = parseTargetUrl(value)
    if (!parsed.ok) {
      problems.push({ field, message: `target URL ${parsed.message}` })
      continue
    }
    targets.push({ name, url: value, service: parsed.target })
  }
  if (problems.length > 0) throw new ConfigError(problems)
  return targets
}

function stripQuotes (value: string): string {
  if (value.length >= 2) {
    const first = value[0]
    if ((first === '"' || first === "'") && value.endsWith(first)) return value.slice(1, -1)
  }
  return value
}
