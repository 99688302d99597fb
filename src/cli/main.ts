#!/usr/bin/env node
import { parseArgs } from 'node:util'
import { loadSettings } from '../config/load.js'
import { createHerald } from '../herald.js'
import { ConfigError, HeraldError, toError } from '../errors.js'
import { readZmesConfig } from '../config/zmes/read-zmes.js'
import { ignoredOptionLines } from '../config/zmes/option-status.js'
import { describeEffective } from '../config/zmes/describe.js'
import { createLogger } from '../observability/logger.js'
import { HERALD_VERSION } from '../version.js'

const HELP = `herald ${HERALD_VERSION}: event notification server for video surveillance and analytics

Usage: herald <command> [options]

Commands:
  serve                start the server (HTTP API, ingest, webhook delivery)
  check-config [FILE]  print the effective settings (secrets masked) and every problem with its line
  version              print the version

Options:
  -c, --config FILE   settings file (INI); also HERALD_CONFIG=FILE
  -h, --help          this text

Every setting can be overridden by an environment variable HERALD_<SECTION>_<KEY>,
e.g. HERALD_HTTP_PORT=8081, HERALD_DATA_DIR=/var/lib/herald, HERALD_ADMIN_TOKEN=….
`


async function main (argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } }
  })
  const command = positionals[0] ?? (values.help === true ? 'help' : 'serve')
  if (values.help === true || command === 'help') {
    process.stdout.write(HELP)
    return 0
  }
  const options = values.config !== undefined ? { file: values.config } : {}
  switch (command) {
    case 'version':
      process.stdout.write(`${HERALD_VERSION}\n`)
      return 0
    case 'check-config':
      return checkConfig(positionals[1] !== undefined ? { file: positionals[1] } : options)
    case 'serve':
      return await serve(options)
    default:
      process.stderr.write(`herald: unknown command "${command}"\n\n${HELP}`)
      return 2
  }
}

/** `herald check-config [FILE]`: effective settings, secrets masked, every problem with its line. */
function checkConfig (options: { file?: string }): number {
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
  process.stdout.write(describeEffective(settings, zmes.config, zmes.problems, ignored, { warnings: zmes.warnings }))
  return zmes.problems.length > 0 ? 1 : 0
}

async function serve (options: { file?: string }): Promise<number> {
  const settings = loadSettings(options)
  const logger = createLogger(settings.config.log.level)
  for (const w of settings.warnings) logger.warn(w)
  const herald = await createHerald(settings.config, { logger })
  if (herald.generatedAdminToken !== undefined) {
    // Printed once, on the first start; only a hash is stored.
    process.stdout.write(`\nHerald admin token (shown once, keep it): ${herald.generatedAdminToken}\n\n`)
  }
  const address = await herald.start()
  logger.info({ address, version: HERALD_VERSION }, `Herald ${HERALD_VERSION} listening on ${address}`)
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
})
