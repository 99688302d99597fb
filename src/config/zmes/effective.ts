import type { FieldProblem } from '../../errors.js'
import { yesNo } from '../ini-values.js'
import type { LoadedSettings } from '../load.js'
import { planOverrides, resolveOverrideName } from './overrides.js'
import { readZmesConfig } from './read-zmes.js'
import { ZMES_OPTIONS, type OptionParser, type ZmesConfig, type ZmesSection } from './zmes-schema.js'

/*
 * The one place that says which zmES settings are in force: the settings file (or a ZmesConfig
 * built in code) with the stored escontrol overrides on top, overrides winning (spec §5.1 step 3).
 * Every consumer — the event server, the decision, the hook pool, the rules, the channels, the
 * tokens.txt import — is given a config computed here; none reads the file-only config, or an
 * override `edit` would be reported by `get` and never be obeyed.
 */

/** The zmES settings as read with a given set of overrides. */
export interface ZmesReadout {
  readonly config: ZmesConfig
  /** `[ssl] enable` was written in the file or by an override, not just defaulted (see the listener). */
  readonly sslExplicit: boolean
  readonly problems: readonly FieldProblem[]
}

/** Marks a problem that an override caused, as readZmesConfig names it. */
const BY_OVERRIDE = '(escontrol override)'

/**
 * The settings with these escontrol overrides. With the loaded settings file, the zmES sections are
 * read again through readZmesConfig, so overrides get every §5.1 step (yes/no, templates) exactly
 * like values from the file. Without one (a ZmesConfig built in code), overrides are parsed onto
 * `base` with yes/no and trim, but no `{{template}}` expansion.
 */
export function readEffectiveZmes (base: ZmesConfig, settings: LoadedSettings | undefined, overrides: ReadonlyMap<string, string>): ZmesReadout {
  const plan = planOverrides(overrides)
  const sslByOverride = plan.byOption.has('ssl.enable')
  let readout: ZmesReadout
  if (settings !== undefined) {
    const read = readZmesConfig(settings, overrides)
    const written = settings.ini?.sections.get('ssl')?.has('enable') ?? false
    readout = { config: read.config, problems: read.problems, sslExplicit: written || sslByOverride }
  } else {
    const config = structuredClone(base) as unknown as Record<ZmesSection, Record<string, unknown>>
    const problems: FieldProblem[] = []
    for (const [id, value] of plan.byOption) {
      const [section, key] = id.split('.') as [ZmesSection, string]
      const parser = (ZMES_OPTIONS[section] as Record<string, OptionParser<unknown> | undefined>)[key]
      if (parser === undefined) continue
      const parsed = parser(yesNo(value).trim())
      if (parsed.ok) config[section][key] = parsed.value
      else problems.push({ field: `[${section}] ${key} ${BY_OVERRIDE}`, message: parsed.message })
    }
    // A ZmesConfig built in code says nothing about where its ssl value came from: count it as meant.
    readout = { config: config as unknown as ZmesConfig, problems, sslExplicit: true }
  }
  if (!plan.byOption.has('customize.timezone')) return readout
  // Checked here so that `edit` refuses the name (BADVALUE) instead of storing an override that
  // would stop the next start of Herald, when the rules and push clocks are built with it.
  const zone = readout.config.customize.timezone
  if (zone === undefined || zone === '' || knownTimeZone(zone)) return readout
  return {
    ...readout,
    problems: [...readout.problems, {
      field: `[customize] timezone ${BY_OVERRIDE}`,
      message: `"${zone}" is not a time zone this system knows; use an IANA name such as Europe/Berlin or America/New_York`
    }]
  }
}

export interface SettledReadout {
  /** Read without the overrides in `dropped`; its problems are the file's own. */
  readonly readout: ZmesReadout
  /** Stored override names that were refused, each with why. */
  readonly dropped: ReadonlyArray<{ readonly name: string, readonly problem: FieldProblem }>
}

/**
 * The settings with every stored override that reads cleanly. An override stored by an older
 * Herald that this one refuses (a stricter parser, a time zone the system no longer has) is left
 * out — the file's value stands — instead of stopping Herald or slipping in as a default value.
 */
export function settleOverrides (
  read: (overrides: ReadonlyMap<string, string>) => ZmesReadout,
  overrides: ReadonlyMap<string, string>
): SettledReadout {
  const kept = new Map(overrides)
  const dropped: Array<{ name: string, problem: FieldProblem }> = []
  for (;;) {
    const readout = read(kept)
    const bad: string[] = []
    for (const name of kept.keys()) {
      const target = resolveOverrideName(name)
      if (!target.ok) continue
      const field = `[${target.section}] ${target.key} `
      const problem = readout.problems.find((p) => p.field.startsWith(field) && p.field.endsWith(BY_OVERRIDE))
      if (problem !== undefined) {
        bad.push(name)
        dropped.push({ name, problem })
      }
    }
    if (bad.length === 0) return { readout, dropped }
    for (const name of bad) kept.delete(name)
  }
}

function knownTimeZone (zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone })
    return true
  } catch {
    return false
  }
}
