import type { Logger } from 'pino'
import { ConfigError, toError } from '../../errors.js'
import { laneOf } from '../../delivery/contract.js'
import type { Route } from '../../store/store.js'
import type { ServiceTarget } from './service.js'
import { parseTargetUrl } from './target-url.js'

export const TARGETS_CHANNEL = 'targets'
export const TARGETS_GROUP = 'alarms'
/** The store setting that holds the API's targets, as one JSON document. */
export const TARGETS_SETTING = 'targets'

export const TARGET_PHASES = ['start', 'end'] as const
export type TargetPhase = typeof TARGET_PHASES[number]
export const TARGET_NAME = /^[a-z0-9_-]{1,64}$/
/** More targets than anyone sends one alarm to; keeps the settings document small. */
export const MAX_TARGETS = 1000

/** What the API may set. */
export interface TargetSettings {
  readonly url: string
  readonly active: boolean
  /** Alarm phases that notify. */
  readonly phases: readonly TargetPhase[]
  /** Monitor ids; empty = every monitor. */
  readonly monitors: readonly number[]
}

export interface Target extends TargetSettings {
  readonly name: string
  /** `config`: a `[targets]` line of the settings file, read-only; `api`: made through /api/v1/targets. */
  readonly source: 'config' | 'api'
  /** The parsed URL; undefined when a stored URL no longer parses (`problem` says why): the target waits. */
  readonly service: ServiceTarget | undefined
  readonly problem: string | undefined
  /** Why Herald switched the target off (a deleted webhook, a revoked token); null otherwise. */
  readonly disabledReason: string | null
  readonly createdAt: number | null
  readonly updatedAt: number | null
  readonly route: Route
}

/** A `[targets]` line, already parsed. */
export interface ConfiguredTarget {
  readonly name: string
  readonly service: ServiceTarget
  readonly url: string
}

/** The part of the store the registry needs. */
export interface TargetSettingsStore {
  getSetting (key: string): Promise<string | undefined>
  setSetting (key: string, value: string): Promise<void>
}

export type TargetWrite =
  | { readonly ok: true, readonly target: Target }
  | { readonly ok: false, readonly reason: 'exists' | 'read-only' | 'not-found' | 'too-many' }

/** One API target as stored. */
interface StoredTarget {
  name: string
  url: string
  active: boolean
  phases: TargetPhase[]
  monitors: number[]
  disabled_reason: string | null
  created_at: number
  updated_at: number
}

interface StoredDocument {
  version: 1
  targets: StoredTarget[]
}

export interface TargetRegistryOptions {
  readonly store: TargetSettingsStore
  readonly configured?: readonly ConfiguredTarget[]
  readonly logger?: Logger
}

/**
 * Every push target, from the settings file and from the API, as the hot path needs them: the
 * channel's `routes()` runs inside the store transaction, so everything it reads is in memory.
 * API targets are written to the store before memory changes; writes run one at a time, so two
 * concurrent PATCHes cannot lose each other's change.
 */
export class TargetRegistry {
  readonly #store: TargetSettingsStore
  readonly #logger: Logger | undefined
  readonly #configured = new Map<string, Target>()
  /** Every stored API target, including one a `[targets]` line of the same name hides. */
  #stored = new Map<string, StoredTarget>()
  #apiTargets = new Map<string, Target>()
  #all: Target[] = []
  #active: Target[] = []
  #writing: Promise<unknown> = Promise.resolve()

  private constructor (o: TargetRegistryOptions) {
    this.#store = o.store
    this.#logger = o.logger
  }

  static async load (o: TargetRegistryOptions): Promise<TargetRegistry> {
    const registry = new TargetRegistry(o)
    for (const c of o.configured ?? []) {
      registry.#configured.set(c.name, {
        name: c.name,
        url: c.url,
        active: true,
        phases: ['start'],
        monitors: [],
        source: 'config',
        service: c.service,
        problem: undefined,
        disabledReason: null,
        createdAt: null,
        updatedAt: null,
        route: routeOf(c.name)
      })
    }
    registry.#stored = readDocument(await o.store.getSetting(TARGETS_SETTING))
    for (const stored of registry.#stored.values()) {
      if (registry.#configured.has(stored.name)) {
        o.logger?.warn({ target: stored.name }, `target "${stored.name}" of the API is hidden by the [targets] line of the same name; rename or delete one of them`)
        continue
      }
      const target = fromStored(stored)
      if (target.problem !== undefined) o.logger?.error({ target: stored.name }, `target "${stored.name}": its stored URL ${target.problem}; it waits until the URL is fixed (PATCH /api/v1/targets/${stored.name})`)
      registry.#apiTargets.set(stored.name, target)
    }
    registry.#rebuild()
    return registry
  }

  /** Every target, by name. */
  list (): readonly Target[] {
    return this.#all
  }

  get (name: string): Target | undefined {
    return this.#configured.get(name) ?? this.#apiTargets.get(name)
  }

  /** Targets that take alarms now, by name. */
  active (): readonly Target[] {
    return this.#active
  }

  get size (): number {
    return this.#all.length
  }

  async create (name: string, settings: TargetSettings, service: ServiceTarget, now: number): Promise<TargetWrite> {
    return this.#serial(async () => {
      if (this.#configured.has(name)) return { ok: false, reason: 'read-only' } as const
      if (this.#stored.has(name)) return { ok: false, reason: 'exists' } as const
      if (this.#stored.size >= MAX_TARGETS) return { ok: false, reason: 'too-many' } as const
      const stored: StoredTarget = { name, ...copySettings(settings), disabled_reason: null, created_at: now, updated_at: now }
      return { ok: true, target: await this.#put(stored, service) } as const
    })
  }

  /** Changes an API target. Switching it on clears the reason Herald switched it off. */
  async update (name: string, patch: Partial<TargetSettings>, service: ServiceTarget | undefined, now: number): Promise<TargetWrite> {
    return this.#serial(async () => {
      if (this.#configured.has(name)) return { ok: false, reason: 'read-only' } as const
      const current = this.#stored.get(name)
      if (current === undefined) return { ok: false, reason: 'not-found' } as const
      const next: StoredTarget = {
        ...current,
        ...copySettings({ ...settingsOf(current), ...patch }),
        disabled_reason: patch.active === true || (patch.url !== undefined && patch.url !== current.url) ? null : current.disabled_reason,
        updated_at: now
      }
      const previous = this.#apiTargets.get(name)
      const target = await this.#put(next, service ?? previous?.service)
      if (previous?.service !== undefined && previous.service !== target.service) await closeQuietly(previous.service)
      return { ok: true, target } as const
    })
  }

  async remove (name: string): Promise<TargetWrite> {
    return this.#serial(async () => {
      if (this.#configured.has(name)) return { ok: false, reason: 'read-only' } as const
      const target = this.#apiTargets.get(name)
      if (target === undefined || !this.#stored.has(name)) return { ok: false, reason: 'not-found' } as const
      const stored = new Map(this.#stored)
      stored.delete(name)
      await this.#persist(stored)
      this.#stored = stored
      this.#apiTargets.delete(name)
      this.#rebuild()
      if (target.service !== undefined) await closeQuietly(target.service)
      return { ok: true, target } as const
    })
  }

  /**
   * Switches a target off after an answer that says it can never work as configured. An API
   * target stays off (stored) until someone switches it on; a `[targets]` line stays off until
   * Herald restarts. Returns false when the target is gone or already off.
   */
  async disable (name: string, reason: string, now: number): Promise<boolean> {
    return this.#serial(async () => {
      const configured = this.#configured.get(name)
      if (configured !== undefined) {
        if (!configured.active) return false
        this.#configured.set(name, { ...configured, active: false, disabledReason: reason })
        this.#rebuild()
        return true
      }
      const current = this.#stored.get(name)
      if (current === undefined || !current.active) return false
      await this.#put({ ...current, active: false, disabled_reason: reason, updated_at: now }, this.#apiTargets.get(name)?.service)
      return true
    })
  }

  /** Closes every service's connections (SMTP). */
  async close (): Promise<void> {
    await this.#writing.catch(() => {})
    for (const target of this.#all) if (target.service !== undefined) await closeQuietly(target.service)
  }

  async #put (stored: StoredTarget, service: ServiceTarget | undefined): Promise<Target> {
    const next = new Map(this.#stored)
    next.set(stored.name, stored)
    await this.#persist(next)
    this.#stored = next
    const target = fromStored(stored, service)
    this.#apiTargets.set(stored.name, target)
    this.#rebuild()
    return target
  }

  async #persist (stored: ReadonlyMap<string, StoredTarget>): Promise<void> {
    const doc: StoredDocument = { version: 1, targets: [...stored.values()].sort((a, b) => compare(a.name, b.name)) }
    await this.#store.setSetting(TARGETS_SETTING, JSON.stringify(doc))
  }

  #serial<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.#writing.then(fn, fn)
    this.#writing = run.catch(() => {})
    return run
  }

  #rebuild (): void {
    this.#all = [...this.#configured.values(), ...this.#apiTargets.values()].sort((a, b) => compare(a.name, b.name))
    this.#active = this.#all.filter((t) => t.active && t.service !== undefined)
  }
}

function routeOf (name: string): Route {
  return Object.freeze({ channel: TARGETS_CHANNEL, target: name, lane: laneOf(TARGETS_CHANNEL, name), group: TARGETS_GROUP })
}

function compare (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function settingsOf (s: StoredTarget): TargetSettings {
  return { url: s.url, active: s.active, phases: s.phases, monitors: s.monitors }
}

function copySettings (s: TargetSettings): Pick<StoredTarget, 'url' | 'active' | 'phases' | 'monitors'> {
  return { url: s.url, active: s.active, phases: [...s.phases], monitors: [...s.monitors] }
}

function fromStored (s: StoredTarget, service?: ServiceTarget): Target {
  let parsed = service
  let problem: string | undefined
  if (parsed === undefined) {
    const result = parseTargetUrl(s.url)
    if (result.ok) parsed = result.target
    else problem = result.message
  }
  return {
    name: s.name,
    url: s.url,
    active: s.active,
    phases: Object.freeze([...s.phases]),
    monitors: Object.freeze([...s.monitors]),
    source: 'api',
    service: parsed,
    problem,
    disabledReason: s.disabled_reason,
    createdAt: s.created_at,
    updatedAt: s.updated_at,
    route: routeOf(s.name)
  }
}

const FIELD = `store setting "${TARGETS_SETTING}"`

/** The stored document, checked: only Herald writes it, so anything else is damage worth stopping for. */
function readDocument (text: string | undefined): Map<string, StoredTarget> {
  const out = new Map<string, StoredTarget>()
  if (text === undefined) return out
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (err) {
    throw new ConfigError([{ field: FIELD, message: `is not JSON (${toError(err).message})` }])
  }
  const targets = (doc as { targets?: unknown } | null)?.targets
  if ((doc as { version?: unknown } | null)?.version !== 1 || !Array.isArray(targets)) {
    throw new ConfigError([{ field: FIELD, message: 'is not a version 1 targets document' }])
  }
  targets.forEach((t: unknown, i) => {
    if (!isStoredTarget(t)) throw new ConfigError([{ field: `${FIELD} /targets/${i}`, message: 'is not a stored target' }])
    out.set(t.name, t)
  })
  return out
}

function isStoredTarget (t: unknown): t is StoredTarget {
  if (t === null || typeof t !== 'object') return false
  const s = t as Record<string, unknown>
  return typeof s.name === 'string' && TARGET_NAME.test(s.name) &&
    typeof s.url === 'string' && typeof s.active === 'boolean' &&
    Array.isArray(s.phases) && s.phases.every((p) => (TARGET_PHASES as readonly unknown[]).includes(p)) &&
    Array.isArray(s.monitors) && s.monitors.every((m) => Number.isSafeInteger(m)) &&
    (s.disabled_reason === null || typeof s.disabled_reason === 'string') &&
    typeof s.created_at === 'number' && typeof s.updated_at === 'number'
}

async function closeQuietly (service: ServiceTarget): Promise<void> {
  try {
    await service.close?.()
  } catch {
    // Closing an idle SMTP connection cannot fail in a way anyone could act on.
  }
}
