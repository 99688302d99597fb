import { watch, type FSWatcher } from 'node:fs'
import { open, readFile, rename, stat, unlink } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { basename, dirname, join } from 'node:path'
import type { Logger } from 'pino'
import { ConfigError, ValidationError, toError, type FieldProblem } from '../../errors.js'
import { evaluateRules, type RulesInput, type RulesVerdict } from './evaluate.js'
import { MAX_RULES_BYTES, NO_RULES, describeProblem, parseRules, type CompiledRules, type RulesProblem } from './rules-file.js'
import { RulesTimeZone } from './time-zone.js'

/** The two settings calls RulesSource needs (src/store/store.ts has them). */
export interface RulesSettingStore {
  getSetting (key: string): Promise<string | undefined>
  setSetting (key: string, value: string): Promise<void>
}

/** Settings key of the rules text when no file is configured. */
export const RULES_SETTING = 'es_rules'

export interface RulesSourceOptions {
  /** Path of es_rules.json (`[customize] es_rules`). When set, the file is the truth: read at start, watched, written by `replace`. @defaultValue undefined (rules live in the store) */
  readonly file?: string | undefined
  /** IANA zone the rules' times are read in (`[customize] timezone`). @defaultValue undefined (the server's zone) */
  readonly timeZone?: string | undefined
  readonly logger: Logger
  /** Where the rules live when `file` is unset; required then. @defaultValue undefined */
  readonly store?: RulesSettingStore | undefined
  /** Whether to watch `file` for changes. @defaultValue true */
  readonly watch?: boolean
  /** Milliseconds between the stat checks that back up fs.watch. @defaultValue 2000 */
  readonly pollIntervalMs?: number
  /** Milliseconds of quiet after a change before the file is read (editors write in several steps). @defaultValue 100 */
  readonly debounceMs?: number
  /** The configuration keys named by start-up errors. @defaultValue { file: 'customize.es_rules', timeZone: 'customize.timezone' } */
  readonly configKeys?: { readonly file: string, readonly timeZone: string }
}

/** What #load read: `valid` false for stored rules this Herald refuses (kept as text, not applied). */
interface LoadedRules {
  readonly rules: CompiledRules
  readonly text: string | undefined
  readonly signature: string
  readonly valid: boolean
}

/** Where the rules are read from and the zone their times are in: `[customize] es_rules` and `timezone`. */
export interface RulesLocation {
  /** undefined: the store. */
  readonly file?: string | undefined
  /** undefined or '': the server's zone. */
  readonly timeZone?: string | undefined
}

export type ReloadStatus = 'reloaded' | 'unchanged' | 'invalid' | 'missing' | 'closed'

/**
 * The live es_rules: compiled once, swapped whole. With a file, Herald follows the file: fs.watch
 * on its folder (so an editor that saves by writing a new file and renaming it is seen) plus a
 * cheap stat poll for file systems where fs.watch says nothing; an invalid file on reload keeps
 * the previous rules. Without a file, the rules text is a store setting that the API edits.
 */
export class RulesSource {
  readonly #logger: Logger
  readonly #store: RulesSettingStore | undefined
  readonly #options: RulesSourceOptions
  readonly #configKeys: { readonly file: string, readonly timeZone: string }
  #file: string | undefined
  #timeZone: RulesTimeZone
  /** The `[customize] timezone` text #timeZone was made from. */
  #timeZoneSetting: string
  /** Bumped by a switch of file or store, so that a read of the old place finishing late is dropped. */
  #generation = 0
  #rules: CompiledRules = NO_RULES
  #text: string | undefined
  #signature = ''
  #queue: Promise<unknown> = Promise.resolve()
  #watcher: FSWatcher | undefined
  #poll: NodeJS.Timeout | undefined
  #debounce: NodeJS.Timeout | undefined
  #closed = false

  /** Reads the rules and starts watching. @throws ConfigError on an unknown time zone or an invalid/unreadable file. */
  static async open (o: RulesSourceOptions): Promise<RulesSource> {
    const source = new RulesSource(o)
    await source.#start()
    return source
  }

  private constructor (o: RulesSourceOptions) {
    const keys = o.configKeys ?? { file: 'customize.es_rules', timeZone: 'customize.timezone' }
    this.#timeZone = new RulesTimeZone(o.timeZone, keys.timeZone)
    this.#timeZoneSetting = o.timeZone ?? ''
    if (o.file === undefined && o.store === undefined) throw new TypeError('RulesSource needs a file or a store')
    this.#file = o.file
    this.#store = o.store
    this.#logger = o.logger.child({ component: 'rules' })
    this.#options = o
    this.#configKeys = keys
  }

  /** Where the rules live now: `file` (es_rules set) or `store`. */
  get kind (): 'file' | 'store' {
    return this.#file === undefined ? 'store' : 'file'
  }

  get file (): string | undefined {
    return this.#file
  }

  get timeZone (): RulesTimeZone {
    return this.#timeZone
  }

  /**
   * Reads and checks the rules of another `es_rules` file (or of the store) and another time zone,
   * without switching to them yet: escontrol `restart` checks every new setting before it applies
   * any, so that a refused one leaves all the previous ones in force.
   * @returns the switch (synchronous, cannot fail), or undefined when neither setting changed.
   * @throws ConfigError naming the option, as at start (an unknown zone, an unreadable or invalid
   *   file); nothing has changed then.
   */
  async prepareSwitch (next: RulesLocation): Promise<(() => void) | undefined> {
    const zoneSetting = next.timeZone ?? ''
    const sameFile = next.file === this.#file
    const sameZone = zoneSetting === this.#timeZoneSetting
    if (sameFile && sameZone) return undefined
    const zone = sameZone ? this.#timeZone : new RulesTimeZone(next.timeZone, this.#configKeys.timeZone)
    const loaded = sameFile ? undefined : await this.#load(next.file)
    return () => {
      if (this.#closed) return
      this.#timeZone = zone
      this.#timeZoneSetting = zoneSetting
      if (!sameZone) this.#logger.info({ timeZone: zone.name }, `rules: times are now read in ${zone.name}`)
      if (loaded === undefined) return
      this.#stopWatching()
      this.#generation++
      this.#file = next.file
      this.#use(loaded)
    }
  }

  current (): CompiledRules {
    return this.#rules
  }

  /** The text the current rules were read from; undefined when there are none (no file, nothing stored). */
  text (): string | undefined {
    return this.#text
  }

  evaluate (input: RulesInput): RulesVerdict {
    return evaluateRules(this.#rules, input, this.timeZone)
  }

  /**
   * Reads the file (or the store setting) again and swaps the rules in when they are valid and
   * changed. The watcher calls this; tests call it instead of waiting for the watcher.
   */
  async reload (): Promise<ReloadStatus> {
    return await this.#serial(async () => {
      if (this.#closed) return 'closed'
      const where = this.file ?? 'stored rules'
      const generation = this.#generation
      let text: string | undefined
      try {
        text = await this.#read()
      } catch (error) {
        this.#logger.error({ file: this.file }, `rules not reloaded, keeping the previous ones: cannot read ${where}: ${toError(error).message}`)
        return 'invalid'
      }
      // The rules moved elsewhere while this read the old place: what it read is stale.
      if (generation !== this.#generation) return 'unchanged'
      if (text === this.#text) return 'unchanged'
      if (text === undefined) {
        this.#swap(NO_RULES, undefined)
        this.#logger.warn({ file: this.file }, `rules: ${where} is gone: no rules, every event is allowed`)
        return 'missing'
      }
      const result = parseRules(text, where)
      if (!result.ok) {
        this.#logger.error({ file: this.file }, `rules not reloaded, keeping the previous ones: ${result.message}`)
        return 'invalid'
      }
      this.#swap(result.rules, text)
      this.#announce('reloaded', result.rules, where)
      return 'reloaded'
    })
  }

  /**
   * Validates `text` and makes it the rules: written to the file (temp file + rename, so a reader
   * never sees half a file) or to the store, then swapped in.
   * @throws ValidationError naming the path (or line and column) of every problem; nothing is written then.
   */
  async replace (text: string): Promise<CompiledRules> {
    return await this.#serial(async () => {
      const result = parseRules(text, 'rules')
      if (!result.ok) throw new ValidationError(result.problems.map(toFieldProblem), `invalid rules: ${result.message}`)
      const generation = this.#generation
      if (this.file !== undefined) await writeAtomically(this.file, text)
      else await (this.#store as RulesSettingStore).setSetting(RULES_SETTING, text)
      if (generation !== this.#generation) return result.rules
      this.#swap(result.rules, text)
      this.#announce('replaced', result.rules, this.file ?? 'stored rules')
      return result.rules
    })
  }

  /** Stops watching. Safe to call twice. */
  close (): void {
    this.#closed = true
    this.#stopWatching()
  }

  #stopWatching (): void {
    this.#watcher?.close()
    this.#watcher = undefined
    clearInterval(this.#poll)
    this.#poll = undefined
    clearTimeout(this.#debounce)
    this.#debounce = undefined
  }

  /**
   * The rules of `file` (or of the store), checked: at start and for prepareSwitch. An invalid
   * file throws (running without the mutes someone wrote is worse than not running); invalid
   * stored rules were valid when saved, so a stricter Herald runs without them and the API can fix them.
   */
  async #load (file: string | undefined): Promise<LoadedRules> {
    if (file === undefined && this.#store === undefined) throw new TypeError('RulesSource needs a file or a store')
    const where = file ?? 'stored rules'
    let read: { text: string | undefined, signature: string }
    try {
      read = file === undefined
        ? { text: await (this.#store as RulesSettingStore).getSetting(RULES_SETTING), signature: '' }
        : await readRulesFile(file)
    } catch (error) {
      throw new ConfigError([{ field: this.#configKeys.file, message: `cannot read ${where}: ${toError(error).message}` }])
    }
    if (read.text === undefined) return { rules: NO_RULES, text: undefined, signature: read.signature, valid: true }
    const result = parseRules(read.text, where)
    if (result.ok) return { rules: result.rules, text: read.text, signature: read.signature, valid: true }
    if (file !== undefined) throw new ConfigError([{ field: this.#configKeys.file, message: result.message }])
    this.#logger.error(`rules: the stored rules are invalid, running without rules until they are replaced: ${result.message}`)
    return { rules: NO_RULES, text: read.text, signature: '', valid: false }
  }

  /** Makes what #load read the rules, says so, and watches the file. */
  #use (loaded: LoadedRules): void {
    const where = this.#file ?? 'stored rules'
    this.#signature = loaded.signature
    this.#swap(loaded.rules, loaded.text)
    if (loaded.text === undefined) {
      if (this.#file !== undefined) this.#logger.warn({ file: this.#file }, `rules: ${where} does not exist: no rules, every event is allowed`)
    } else if (loaded.valid) this.#announce('loaded', loaded.rules, where)
    if (this.#file !== undefined && this.#options.watch !== false) this.#watch(this.#file)
  }

  async #start (): Promise<void> {
    this.#use(await this.#load(this.#file))
  }

  /** The rules text, or undefined when there is none. Records the file's signature first, so the poll does not re-trigger. */
  async #read (): Promise<string | undefined> {
    if (this.file === undefined) return await (this.#store as RulesSettingStore).getSetting(RULES_SETTING)
    // The signature is taken before reading even when the read fails, so the poll does not spin on it.
    const read = await readRulesFile(this.file, (signature) => { this.#signature = signature })
    return read.text
  }

  #swap (rules: CompiledRules, text: string | undefined): void {
    this.#rules = rules
    this.#text = text
  }

  #announce (what: string, rules: CompiledRules, where: string): void {
    this.#logger.info({ file: this.file, monitors: rules.monitorCount, rules: rules.ruleCount },
      `rules ${what}: ${rules.monitorCount} monitors, ${rules.ruleCount} rules`)
    if (rules.warnings.length > 0) {
      this.#logger.warn({ file: this.file }, `rules: ${where}: ${rules.warnings.length} warning(s): ${rules.warnings.map(describeProblem).join('; ')}`)
    }
  }

  #watch (file: string): void {
    const base = basename(file)
    try {
      // The folder, not the file: an editor that saves by rename replaces the inode a file watch follows.
      this.#watcher = watch(dirname(file), { persistent: false }, (_event, name) => {
        if (name === null || name === base) this.#schedule()
      })
      this.#watcher.on('error', () => {
        this.#watcher?.close()
        this.#watcher = undefined
      })
    } catch (error) {
      this.#logger.warn({ file }, `rules: cannot watch the folder of ${file} (${toError(error).message}); checking it every few seconds instead`)
    }
    this.#poll = setInterval(() => { void this.#checkSignature(file) }, this.#options.pollIntervalMs ?? 2000)
    this.#poll.unref()
  }

  async #checkSignature (file: string): Promise<void> {
    let signature = 'missing'
    try {
      signature = signatureOf(await stat(file))
    } catch { /* missing or unreadable: reload() says which */ }
    if (signature !== this.#signature) this.#schedule()
  }

  #schedule (): void {
    if (this.#closed) return
    clearTimeout(this.#debounce)
    this.#debounce = setTimeout(() => { void this.reload() }, this.#options.debounceMs ?? 100)
    this.#debounce.unref()
  }

  async #serial<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn)
    this.#queue = run.catch(() => undefined)
    return await run
  }
}

function signatureOf (s: { ino: number, size: number, mtimeMs: number }): string {
  return `${s.ino}:${s.size}:${s.mtimeMs}`
}

/** The file's text (undefined when it does not exist) and signature; too big or unreadable throws. */
async function readRulesFile (file: string, onSignature?: (signature: string) => void): Promise<{ text: string | undefined, signature: string }> {
  try {
    const s = await stat(file)
    const signature = signatureOf(s)
    onSignature?.(signature)
    if (s.size > MAX_RULES_BYTES) throw new Error(`it is ${s.size} bytes; the limit is ${MAX_RULES_BYTES} (1 MiB)`)
    return { text: await readFile(file, 'utf8'), signature }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      onSignature?.('missing')
      return { text: undefined, signature: 'missing' }
    }
    throw error
  }
}

function toFieldProblem (p: RulesProblem): FieldProblem {
  return {
    field: p.path === '' ? 'body' : p.path,
    message: p.line === undefined ? p.message : `line ${p.line}, column ${p.column ?? 1}: ${p.message}`
  }
}

/** Temp file in the same folder, flushed, then renamed over the target; keeps the old file's mode. */
async function writeAtomically (file: string, text: string): Promise<void> {
  let mode = 0o644
  try {
    mode = (await stat(file)).mode & 0o777
  } catch { /* a new file */ }
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  try {
    const handle = await open(temp, 'wx', mode)
    try {
      await handle.writeFile(text, 'utf8')
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temp, file)
  } catch (error) {
    await unlink(temp).catch(() => undefined)
    throw error
  }
}
