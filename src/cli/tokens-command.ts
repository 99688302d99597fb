import { renameSync, rmSync, writeFileSync } from 'node:fs'
import { StoreTokenRegistry } from '../registry/token-registry.js'
import { exportTokens, importTokensFile } from '../registry/tokens-file.js'
import { withStore } from './open-store.js'
import { COMMON_OPTIONS, EXIT_OK, failure, parseCommandLine, usageError } from './usage.js'

export const TOKENS_HELP = `Usage:
  herald tokens import FILE     import a zmES tokens.txt (JSON, or the old token:monlist:… lines);
                                tokens in the file are created or overwritten, others are kept,
                                and an invalid file imports nothing
  herald tokens export [FILE]   write every push token as a zmES tokens.txt (to stdout without FILE)

Options:
  -c, --config FILE   settings file, as for serve (the tokens live in its database)

A running server reads its tokens at start: import while it is stopped, or restart it after.
`

const READ_ERRORS: Readonly<Record<string, string>> = { ENOENT: 'file does not exist', EISDIR: 'is a directory', EACCES: 'permission denied' }

/** `herald tokens …`: move push tokens between a zmES tokens.txt and Herald's store. */
export async function runTokensCommand (args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const parsed = parseCommandLine(args, COMMON_OPTIONS, TOKENS_HELP)
  if (typeof parsed === 'number') return parsed
  const { values, positionals } = parsed
  if (values.help === true) {
    process.stdout.write(TOKENS_HELP)
    return EXIT_OK
  }
  const [action, file, ...extra] = positionals
  const settings = { ...(values.config !== undefined ? { file: values.config } : {}), env }
  if (extra.length > 0) return usageError(`unexpected argument "${extra[0] as string}"`, TOKENS_HELP)
  switch (action) {
    case 'import': {
      if (file === undefined) return usageError('tokens import needs a FILE', TOKENS_HELP)
      const result = await withStore(settings, async (store) => {
        try {
          return await importTokensFile(file, await StoreTokenRegistry.load(store))
        } catch (err) {
          const why = READ_ERRORS[(err as NodeJS.ErrnoException).code ?? '']
          if (why !== undefined) return `cannot read ${file}: ${why}`
          throw err
        }
      })
      if (typeof result === 'string') return failure(result)
      for (const warning of result.warnings) process.stderr.write(`herald: warning: ${warning}\n`)
      process.stdout.write(`imported ${result.created + result.updated} tokens from ${file} (${result.created} new, ${result.updated} updated; ${result.format} format)\n`)
      return EXIT_OK
    }
    case 'export': {
      const { text, count } = await withStore(settings, async (store) => {
        const registry = await StoreTokenRegistry.load(store)
        return { text: exportTokens(registry), count: registry.list().length }
      })
      if (file === undefined) {
        process.stdout.write(text)
        return EXIT_OK
      }
      writeAtomically(file, text)
      process.stdout.write(`exported ${count} tokens to ${file}\n`)
      return EXIT_OK
    }
    case undefined:
      return usageError('tokens needs an action: import or export', TOKENS_HELP)
    default:
      return usageError(`unknown tokens action "${action}"`, TOKENS_HELP)
  }
}

/** A zmES reading the file at that moment sees the old or the new file, never half of one. */
function writeAtomically (file: string, text: string): void {
  const temporary = `${file}.herald-${process.pid}.tmp`
  try {
    writeFileSync(temporary, text)
    renameSync(temporary, file)
  } catch (err) {
    rmSync(temporary, { force: true })
    throw err
  }
}
