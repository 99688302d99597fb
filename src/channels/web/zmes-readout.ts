import type { FieldProblem } from '../../errors.js'
import type { LoadedSettings } from '../../config/load.js'
import { yesNo } from '../../config/ini-values.js'
import { planOverrides } from '../../config/zmes/overrides.js'
import { readZmesConfig } from '../../config/zmes/read-zmes.js'
import { ZMES_OPTIONS, type OptionParser, type ZmesConfig, type ZmesSection } from '../../config/zmes/zmes-schema.js'
import type { ZmesReadout } from './escontrol.js'

/**
 * The event server's settings with a given set of escontrol overrides. With the loaded settings
 * file, the zmES sections are read again through readZmesConfig, so overrides get every §5.1 step
 * (yes/no, templates) exactly like values from the file. Without one (a ZmesConfig built in
 * code), overrides are parsed onto `base` with yes/no and trim, but no `{{template}}` expansion.
 */
export function readZmesWithOverrides (base: ZmesConfig, settings: LoadedSettings | undefined, overrides: ReadonlyMap<string, string>): ZmesReadout {
  const plan = planOverrides(overrides)
  const sslByOverride = plan.byOption.has('ssl.enable')
  if (settings !== undefined) {
    const read = readZmesConfig(settings, overrides)
    const written = settings.ini?.sections.get('ssl')?.has('enable') ?? false
    return { config: read.config, problems: read.problems, sslExplicit: written || sslByOverride }
  }
  const config = structuredClone(base) as unknown as Record<ZmesSection, Record<string, unknown>>
  const problems: FieldProblem[] = []
  for (const [id, value] of plan.byOption) {
    const [section, key] = id.split('.') as [ZmesSection, string]
    const parser = (ZMES_OPTIONS[section] as Record<string, OptionParser<unknown> | undefined>)[key]
    if (parser === undefined) continue
    const parsed = parser(yesNo(value).trim())
    if (parsed.ok) config[section][key] = parsed.value
    else problems.push({ field: `[${section}] ${key} (escontrol override)`, message: parsed.message })
  }
  // A ZmesConfig built in code says nothing about where its ssl value came from: count it as meant.
  return { config: config as unknown as ZmesConfig, problems, sslExplicit: true }
}
