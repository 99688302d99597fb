import { createHash } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
import { TokensFileError } from '../errors.js'
import type { TokenRegistry } from './contract.js'
import { MAX_TOKEN_LENGTH, monthIndex, toPushState, type StoreTokenRegistry, type TokenImportResult, type TokenRecord } from './token-registry.js'

/*
 * zmES's tokens.txt (spec §6). Since 6.0.1 one JSON object:
 *   {"tokens":{"<token>":{"platform","monlist","intlist","pushstate","appversion","invocations":{"count","at"}}}}
 * (v7 adds "profile"); before that one `token:monlist:intlist:platform:pushstate` line per token.
 * A file is checked whole before anything is imported.
 */

/** ~300 bytes per token: 64 MiB is some 200,000 tokens, far more than any zmES install has. */
export const MAX_TOKENS_FILE_BYTES = 64 * 1024 * 1024

export interface ParsedTokensFile {
  readonly format: 'json' | 'legacy'
  /** In file order; a token listed twice appears once, with its last record. */
  readonly tokens: readonly TokenRecord[]
  /** Values Herald read differently from how they were written (an unknown pushstate, …). */
  readonly warnings: readonly string[]
}

/** A token in a message: enough to find it in the file, not the whole credential. */
function shown (token: string): string {
  return token.length <= 16 ? JSON.stringify(token) : `"${token.slice(0, 12)}…" (${token.length} characters)`
}

function fail (message: string): never {
  throw new TokensFileError(`tokens file: ${message}`)
}

function isObject (value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** How much of a wrong value a message shows: enough to recognise it, never the whole of it. */
const PREVIEW_DEPTH = 2
const PREVIEW_ITEMS = 3
const PREVIEW_CHARS = 40

function clip (text: string): string {
  return JSON.stringify(text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text)
}

/**
 * A wrong value as a message shows it. Not JSON.stringify: a file may nest arrays 200,000 levels
 * deep, and stringifying that overflows the stack, which would replace the message naming the
 * token and field with a bare RangeError. Depth, items and strings are cut short.
 */
function preview (value: unknown, depth = 0): string {
  if (typeof value === 'string') return clip(value)
  if (value === null || typeof value !== 'object') return String(value)
  const array = Array.isArray(value)
  if (depth >= PREVIEW_DEPTH) return array ? '[…]' : '{…}'
  const items: string[] = []
  let more = false
  if (array) {
    for (const item of value.slice(0, PREVIEW_ITEMS)) items.push(preview(item, depth + 1))
    more = value.length > PREVIEW_ITEMS
  } else {
    // for…in stops early; Object.entries would first copy every key of a huge object.
    for (const key in value) {
      if (items.length === PREVIEW_ITEMS) {
        more = true
        break
      }
      items.push(`${clip(key)}:${preview((value as Record<string, unknown>)[key], depth + 1)}`)
    }
  }
  const inner = `${items.join(',')}${more ? ',…' : ''}`
  return array ? `[${inner}]` : `{${inner}}`
}

/** A string field; Perl wrote numeric-looking values as numbers and undef as null. */
function text (value: unknown, where: string, absent: string): string {
  if (value === undefined || value === null) return absent
  if (typeof value === 'string') return value
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return fail(`${where} must be a string, not ${preview(value)}`)
}

/** A count or month index; older zmES versions wrote them as strings ("count":"2225"). */
function whole (value: unknown, where: string): number {
  const n = typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) return fail(`${where} must be a non-negative integer, not ${preview(value)}`)
  return n
}

function checkedToken (token: string, where: string): string {
  if (token === '') fail(`${where}: the token is empty`)
  if (token.length > MAX_TOKEN_LENGTH) fail(`${where}: token ${shown(token)} is longer than ${MAX_TOKEN_LENGTH} characters`)
  return token
}

function pushState (value: string, where: string, warnings: string[]): TokenRecord['pushstate'] {
  if (value !== '' && value !== 'enabled' && value !== 'disabled') warnings.push(`${where}: pushstate ${clip(value)} read as "enabled"`)
  return toPushState(value)
}

function parseJson (doc: unknown, now: Date): ParsedTokensFile {
  if (!isObject(doc) || !isObject(doc.tokens)) return fail('expected a JSON object {"tokens":{…}}')
  const warnings: string[] = []
  const tokens: TokenRecord[] = []
  for (const [token, record] of Object.entries(doc.tokens)) {
    const where = `token ${shown(token)}`
    checkedToken(token, where)
    if (!isObject(record)) fail(`${where} must be an object, not ${preview(record)}`)
    let invocations = { count: 0, at: monthIndex(now) }
    if (record.invocations !== undefined && record.invocations !== null) {
      if (!isObject(record.invocations)) fail(`${where}: invocations must be an object {"count","at"}`)
      const at = whole(record.invocations.at ?? 0, `${where}: invocations.at`)
      if (at > 11) fail(`${where}: invocations.at must be a month index 0–11, not ${at}`)
      invocations = { count: whole(record.invocations.count ?? 0, `${where}: invocations.count`), at }
    }
    const profile = record.profile === undefined || record.profile === null ? null : text(record.profile, `${where}: profile`, '')
    const platform = text(record.platform, `${where}: platform`, '')
    if (platform === '') warnings.push(`${where} has no platform`)
    tokens.push({
      token,
      platform,
      monlist: text(record.monlist, `${where}: monlist`, ''),
      intlist: text(record.intlist, `${where}: intlist`, ''),
      pushstate: pushState(text(record.pushstate, `${where}: pushstate`, ''), where, warnings),
      appversion: text(record.appversion, `${where}: appversion`, 'unknown'),
      invocations,
      profile
    })
  }
  return { format: 'json', tokens, warnings }
}

// Tokens are printable ASCII; a control character means this is not a tokens file at all.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/

/** `token:monlist:intlist:platform:pushstate`, split from the right: tokens may contain ':'. */
function parseLegacy (text: string, now: Date): ParsedTokensFile {
  const warnings: string[] = []
  const byToken = new Map<string, TokenRecord>()
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).replace(/\r$/, '')
    if (line.trim() === '') continue
    const where = `line ${i + 1}`
    if (CONTROL.test(line)) fail(`${where} contains control characters: not a tokens file`)
    const parts = line.split(':')
    if (parts.length < 5) fail(`${where} is neither JSON nor token:monlist:intlist:platform:pushstate`)
    const [monlist, intlist, platform, state] = parts.slice(-4) as [string, string, string, string]
    const token = checkedToken(parts.slice(0, -4).join(':'), where)
    if (platform === '') warnings.push(`${where} has no platform`)
    // The last line for a token wins, as when zmES read the file into a hash.
    byToken.delete(token)
    byToken.set(token, {
      token,
      platform,
      monlist,
      intlist,
      pushstate: pushState(state, where, warnings),
      appversion: 'unknown',
      invocations: { count: 0, at: monthIndex(now) },
      profile: null
    })
  }
  return { format: 'legacy', tokens: [...byToken.values()], warnings }
}

/**
 * Reads a tokens.txt's text. Like zmES, a file that is not JSON is read as the legacy format,
 * except that one that begins like JSON (`{`) is reported as broken JSON: guessing further
 * would import garbage.
 */
export function parseTokensFile (text: string, now: Date = new Date()): ParsedTokensFile {
  if (text.length > MAX_TOKENS_FILE_BYTES) fail(`larger than ${MAX_TOKENS_FILE_BYTES} bytes`)
  const body = text.replace(/^\uFEFF/, '')
  let doc: unknown
  try {
    doc = JSON.parse(body)
  } catch (err) {
    if (/^\s*[[{"]/.test(body)) fail(`not valid JSON: ${(err as Error).message}`)
    return parseLegacy(body, now)
  }
  return parseJson(doc, now)
}

/**
 * The tokens.txt zmES 6.0.1+ reads: the fields it writes, in its order, `profile` only when set
 * (v7's field; older versions ignore it).
 */
export function serializeTokens (tokens: readonly TokenRecord[]): string {
  // No prototype: a token named "__proto__" is still just a key.
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>
  for (const t of tokens) {
    const record: Record<string, unknown> = {
      platform: t.platform,
      monlist: t.monlist,
      intlist: t.intlist,
      pushstate: t.pushstate,
      appversion: t.appversion,
      invocations: { count: t.invocations.count, at: t.invocations.at }
    }
    if (t.profile !== null) record.profile = t.profile
    out[t.token] = record
  }
  return `${JSON.stringify({ tokens: out })}\n`
}

export interface TokensFileContent {
  readonly text: string
  /** sha256 of the bytes, to tell whether a file changed since it was last imported. */
  readonly digest: string
}

/** Reads a tokens.txt as UTF-8 text, refusing an oversized or binary file before parsing it. */
export function readTokensFile (path: string): TokensFileContent {
  const size = statSync(path).size
  if (size > MAX_TOKENS_FILE_BYTES) fail(`${path} is ${size} bytes, larger than the ${MAX_TOKENS_FILE_BYTES} a tokens file can be`)
  const bytes = readFileSync(path)
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return fail(`${path} is not UTF-8 text`)
  }
  return { text, digest: createHash('sha256').update(bytes).digest('hex') }
}

export interface TokensFileImport extends TokenImportResult {
  readonly format: ParsedTokensFile['format']
  readonly warnings: readonly string[]
  readonly digest: string
}

/** `herald tokens import FILE`: the whole file into the registry, or nothing when it is invalid. */
export async function importTokensFile (path: string, registry: StoreTokenRegistry, now: Date = new Date()): Promise<TokensFileImport> {
  const { text, digest } = readTokensFile(path)
  const parsed = parseTokensFile(text, now)
  const result = await registry.importTokens(parsed.tokens)
  return { ...result, format: parsed.format, warnings: parsed.warnings, digest }
}

/** `herald tokens export`: every token of the registry as a tokens.txt. */
export function exportTokens (registry: TokenRegistry): string {
  return serializeTokens(registry.list())
}
