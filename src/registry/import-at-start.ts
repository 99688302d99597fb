import { resolve } from 'node:path'
import { toError } from '../errors.js'
import type { Logger } from '../observability/logger.js'
import type { StoreTokenRegistry } from './token-registry.js'
import { parseTokensFile, readTokensFile } from './tokens-file.js'

export type StartImportOutcome =
  | { readonly kind: 'imported', readonly created: number, readonly updated: number }
  /** This content of this file was imported by an earlier start. */
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'missing' }
  | { readonly kind: 'failed', readonly error: Error }

/**
 * `[fcm] token_file`: a zmES tokens.txt found at start is imported into the store. Only when its
 * content differs from what an earlier start imported: Herald never writes the file back, so
 * re-reading an unchanged copy at every start would undo every filter change since and bring
 * back every token removed as invalid (quirk 10 again). A file that changed (zmES still running
 * beside Herald, or a restored copy) is imported again, and what it says wins.
 *
 * Never throws: a broken tokens.txt is logged and Herald starts with the tokens it has; nothing
 * of the file is imported, and the next start tries again.
 */
export async function importTokensAtStart (path: string, registry: StoreTokenRegistry, log: Logger): Promise<StartImportOutcome> {
  const file = resolve(path)
  try {
    let content
    try {
      content = readTokensFile(file)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        log.info({ file }, 'no tokens.txt to import')
        return { kind: 'missing' }
      }
      throw err
    }
    if (await registry.importedDigest(file) === content.digest) {
      log.debug({ file }, 'tokens.txt unchanged since it was imported')
      return { kind: 'unchanged' }
    }
    const parsed = parseTokensFile(content.text)
    for (const warning of parsed.warnings) log.warn({ file }, `tokens.txt: ${warning}`)
    const { created, updated } = await registry.importTokens(parsed.tokens, { file: { path: file, digest: content.digest } })
    log.info({ file, format: parsed.format, created, updated }, `imported ${created + updated} push tokens from ${file}`)
    return { kind: 'imported', created, updated }
  } catch (err) {
    const error = toError(err)
    log.error({ file, err: error }, `tokens.txt not imported: ${error.message}`)
    return { kind: 'failed', error }
  }
}
