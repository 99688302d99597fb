import { parseArgs, type ParseArgsConfig } from 'node:util'

/** Exit codes of every command: 0 done, 1 failed (the message says why), 2 wrong usage. */
export const EXIT_OK = 0
export const EXIT_FAILED = 1
export const EXIT_USAGE = 2

/** Options every command accepts, wherever they stand on the line. */
export const COMMON_OPTIONS = {
  config: { type: 'string', short: 'c' },
  help: { type: 'boolean', short: 'h' }
} as const satisfies NonNullable<ParseArgsConfig['options']>

export type Parsed<O extends NonNullable<ParseArgsConfig['options']>> =
  ReturnType<typeof parseArgs<{ args: string[], options: O, allowPositionals: true, strict: true }>>

/**
 * parseArgs, with an unknown option or a missing option value reported as a usage error
 * (exit 2) with the command's help, instead of an exception.
 */
export function parseCommandLine<O extends NonNullable<ParseArgsConfig['options']>> (args: string[], options: O, help: string): Parsed<O> | number {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true })
  } catch (err) {
    if (!isParseError(err)) throw err
    return usageError(err.message, help)
  }
}

export function isParseError (err: unknown): err is Error & { code: string } {
  const code = (err as { code?: unknown } | null)?.code
  return err instanceof Error && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')
}

export function usageError (message: string, help: string): number {
  process.stderr.write(`herald: ${message}\n\n${help}`)
  return EXIT_USAGE
}

export function failure (message: string): number {
  process.stderr.write(`herald: ${message}\n`)
  return EXIT_FAILED
}
