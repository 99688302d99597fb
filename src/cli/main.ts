#!/usr/bin/env node
import { parseArgs } from 'node:util'
import { loadSettings, type LoadedSettings } from '../config/load.js'
import { ConfigError, HeraldError, toError, type FieldProblem } from '../errors.js'
import { readZmesConfig } from '../config/zmes/read-zmes.js'
import { ignoredOptionLines } from '../config/zmes/option-status.js'
import { describeEffective } from '../config/zmes/describe.js'
import { readEffectiveZmes, settleOverrides } from '../config/zmes/effective.js'
import { ZMES_DEFAULTS } from '../config/zmes/zmes-schema.js'
import { storedOverrides } from './open-store.js'
import { createLogger } from '../observability/logger.js'
import { HERALD_VERSION } from '../version.js'
import { runTokensCommand } from './tokens-command.js'
import { isParseError, usageError } from './usage.js'
import { runUserCommand } from './user-command.js'

const HELP = `herald ${HERALD_VERSION}: event notification server for video surveillance and analytics

Usage: herald <command> [options]

Commands:
  serve                        start the server (HTTP API, ingest, webhook delivery)
  check-config [FILE]          print the effective settings (secrets masked) and every problem with its line
  user add NAME --password PW  add an event server user (or give the password in HERALD_USER_PASSWORD)
  user list                    list the event server users
  user remove NAME             remove an event server user
  tokens import FILE           import a zmES tokens.txt (JSON or the old colon format) into the store
  tokens export [FILE]         write the push tokens as a zmES tokens.txt (stdout without FILE)
  version                      print the version

Options:
  -c, --config FILE   settings file (INI); also HERALD_CONFIG=FILE
  -h, --help          this text

Every setting can be overridden by an environment variable HERALD_<SECTION>_<KEY>,
e.g. HERALD_HTTP_PORT=8081, HERALD_DATA_DIR=/var/lib/herald, HERALD_ADMIN_TOKEN=….
The user and tokens commands open the same database as serve, running or not.
herald user --help and herald tokens --help say more.

Exit codes: 0 done, 1 failed, 2 wrong usage.
`

/** Command groups that parse their own options (herald user add NAME --password PW). */
const GROUPS: ReadonlyMap<string, (args: string[], env: NodeJS.ProcessEnv) => Promise<number>> = new Map([
  ['user', runUserCommand],
  ['tokens', runTokensCommand]
])

/** Where the command word stands, skipping the options that may come before it (-c FILE). */
function commandIndex (argv: readonly string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '-c' || arg === '--config') i++
    else if (arg === '--') return i + 1 < argv.length ? i + 1 : -1
    else if (!arg.startsWith('-')) return i
  }
  return -1
}


async function main (argv: string[]): Promise<number> {
  const at = commandIndex(argv)
  const group = at < 0 ? undefined : GROUPS.get(argv[at] as string)
  if (group !== undefined) return await group([...argv.slice(0, at), ...argv.slice(at + 1)], process.env)
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } }
    })
  } catch (err) {
    if (isParseError(err)) return usageError(err.message, HELP)
    throw err
  }
  const { values, positionals } = parsed
  const command = positionals[0] ?? (values.help === true ? 'help' : 'serve')
  if (values.help === true || command === 'help') {
    process.stdout.write(HELP)
    return 0
  }
  const options = values.config !== undefined ? { file: values.config } : {}
  // Words a command does not take are a mistake to point out, not to ignore (exit 2).
  const takes = command === 'check-config' ? 1 : 0
  const extra = positionals[1 + takes]
  if (extra !== undefined && ['version', 'check-config', 'serve'].includes(command)) return usageError(`unexpected argument "${extra}"`, HELP)
  if (command === 'check-config' && positionals[1] !== undefined && values.config !== undefined) {
    return usageError('give the settings file once: as FILE or as --config FILE', HELP)
  }
  switch (command) {
    case 'version':
      process.stdout.write(`${HERALD_VERSION}\n`)
      return 0
    case 'check-config':
      return await checkConfig(positionals[1] !== undefined ? { file: positionals[1] } : options)
    case 'serve':
      return await serve(options)
    default:
      return usageError(`unknown command "${command}"`, HELP)
  }
}

/** `herald check-config [FILE]`: effective settings, secrets masked, every problem with its line. */
async function checkConfig (options: { file?: string }): Promise<number> {
  let settings
  try {
    settings = loadSettings(options)
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stdout.write(`${err.message}\n`)
      return 1
    }
    throw err
  }
  const zmes = readZmesConfig(settings)
  const ignored = [...zmes.ignored, ...ignoredOptionLines(settings, zmes.config)]
  const targets = await configuredTargets(settings)
  const problems = [...zmes.problems, ...targets.problems]
  // What `herald serve` would run with: the escontrol overrides in its store win over the file.
  const stored = await storedOverrides(settings.config)
  const { readout, dropped } = settleOverrides((o) => readEffectiveZmes(ZMES_DEFAULTS, settings, o), stored.overrides)
  const applied = new Map([...stored.overrides].filter(([name]) => !dropped.some((d) => d.name === name)))
  const warnings = [...zmes.warnings, ...dropped.map((d) => `${d.problem.field}: ${d.problem.message}; the stored escontrol override ${d.name} is not applied`)]
  process.stdout.write(describeEffective(settings, readout.config, problems, ignored, { warnings, overrides: applied }))
  process.stdout.write(`\nescontrol overrides (${stored.file}): ${stored.note ?? (applied.size === 0 ? 'none' : `${applied.size} applied, marked "escontrol override" above`)}\n`)
  if (targets.lines.length > 0) process.stdout.write(`\nPush targets ([targets], secrets masked):\n${targets.lines.join('\n')}\n`)
  return problems.length > 0 ? 1 : 0
}

/** The `[targets]` lines as `herald serve` would read them (masked), or the problems it would refuse them for. */
async function configuredTargets (settings: LoadedSettings): Promise<{ lines: string[], problems: readonly FieldProblem[] }> {
  // Loaded on demand, like the server: `herald user`, `tokens` and `version` start without the channels.
  const { readConfiguredTargets } = await import('../channels/targets/ini-targets.js')
  try {
    return { lines: readConfiguredTargets(settings).map((t) => `  ${t.name} = ${t.service.masked}`), problems: [] }
  } catch (err) {
    if (err instanceof ConfigError) return { lines: [], problems: err.problems }
    throw err
  }
}

async function serve (options: { file?: string }): Promise<number> {
  const settings = loadSettings(options)
  const logger = createLogger(settings.config.log.level)
  for (const w of settings.warnings) logger.warn(w)
  const zmes = readZmesConfig(settings)
  for (const line of [...zmes.warnings, ...zmes.ignored, ...ignoredOptionLines(settings, zmes.config)]) logger.warn(line)
  if (zmes.problems.length > 0) throw new ConfigError(zmes.problems)
  const { createHerald } = await import('../herald.js')
  // The file's own settings: Herald puts the escontrol overrides kept in its store on top of them.
  const herald = await createHerald(settings.config, { logger, zmes: zmes.config, settings })
  if (herald.generatedAdminToken !== undefined) {
    // Printed once, on the first start; only a hash is stored.
    process.stdout.write(`\nHerald admin token (shown once, keep it): ${herald.generatedAdminToken}\n\n`)
  }
  const address = await herald.start()
  logger.info({ address, eventServer: herald.eventServerAddress, version: HERALD_VERSION },
    `Herald ${HERALD_VERSION} listening on ${address}; zmNinja event server on ${herald.eventServerAddress ?? '(off)'}`)
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'shutting down')
    herald.close().then(() => process.exit(0), (err: unknown) => {
      logger.error({ err }, 'shutdown failed')
      process.exit(1)
    })
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
  return await new Promise<number>(() => {})
}

main(process.argv.slice(2)).then((code) => {
  if (code !== 0 || process.argv[2] !== 'serve') process.exitCode = code
}, (err: unknown) => {
  const e = toError(err)
  process.stderr.write(`herald: ${e instanceof HeraldError ? `${e.code}: ` : ''}${e.message}\n`)
  process.exitCode = 1
  // A failed start closes what it opened, so the process should end by itself; should anything
  // still hold it open, a failure must not look like a running server to a service manager.
  setTimeout(() => process.exit(1), 5000).unref()
})
