import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Clock } from '../clock.js'
import { ConflictError, NotFoundError, ValidationError, type FieldProblem } from '../errors.js'
import { laneOf } from '../delivery/contract.js'
import {
  MASK,
  MAX_TARGETS,
  MAX_URL_LENGTH,
  TARGETS_CHANNEL,
  TARGET_NAME,
  TARGET_PHASES,
  parseTargetUrl,
  type ServiceTarget,
  type Target,
  type TargetPhase,
  type TargetRegistry,
  type TargetSettings,
  type TargetWrite
} from '../channels/targets/index.js'
import { TARGET_DOCS } from './openapi/target-docs.js'

/** What the routes need of the delivery engine (DeliveryEngine has it). */
export interface TargetLanes {
  wake (lane: string): void
  retryNow (lane: string): Promise<void>
  dropLane (lane: string): Promise<number>
}

export interface TargetRoutesOptions {
  readonly registry: TargetRegistry
  readonly lanes: TargetLanes
  readonly clock: Clock
  readonly preHandler: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
}

const WRITABLE = new Set(['name', 'url', 'active', 'phases', 'monitors'])
/* Fields of a GET a client may send back unchanged. */
const READ_ONLY = new Set(['service', 'source', 'disabled_reason', 'problem', 'created_date', 'modified_date'])
const MAX_MONITORS = 1000
const MAX_MONITOR_ID = 2_147_483_647

/** A target as the API shows it: the URL with its passwords and tokens masked. */
function targetView (t: Target): Record<string, unknown> {
  return {
    name: t.name,
    service: t.service?.service ?? null,
    // A stored URL that no longer parses cannot be masked reliably, so it is not shown at all.
    url: t.service?.masked ?? null,
    active: t.active,
    phases: [...t.phases],
    monitors: [...t.monitors],
    source: t.source,
    disabled_reason: t.disabledReason,
    ...(t.problem !== undefined ? { problem: `URL ${t.problem}` } : {}),
    created_date: t.createdAt === null ? null : new Date(t.createdAt).toISOString(),
    modified_date: t.updatedAt === null ? null : new Date(t.updatedAt).toISOString()
  }
}

interface ParsedInput {
  readonly name: string | undefined
  readonly settings: Partial<TargetSettings>
  readonly service: ServiceTarget | undefined
}

/**
 * Checks a target body; every problem is reported at once, by field. `current` is the target a
 * PATCH changes: its masked URL, echoed back from a GET, means "keep the URL".
 */
function parseInput (body: unknown, current: Target | undefined): ParsedInput {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError([{ field: 'body', message: 'must be a JSON object' }])
  }
  const input = body as Record<string, unknown>
  const problems: FieldProblem[] = []
  const settings: { -readonly [K in keyof TargetSettings]?: TargetSettings[K] } = {}
  let service: ServiceTarget | undefined
  for (const key of Object.keys(input)) {
    if (!WRITABLE.has(key) && !READ_ONLY.has(key)) problems.push({ field: key.slice(0, 64), message: 'unknown field' })
  }

  const name = input.name
  if (name !== undefined && (typeof name !== 'string' || !TARGET_NAME.test(name))) {
    problems.push({ field: 'name', message: 'must be 1 to 64 of a-z 0-9 _ -' })
  } else if (current !== undefined && name !== undefined && name !== current.name) {
    problems.push({ field: 'name', message: 'cannot be changed (it names the target\'s queue): create a new target and delete this one' })
  } else if (current === undefined && name === undefined) {
    problems.push({ field: 'name', message: 'required' })
  }

  const url = input.url
  if (url !== undefined) {
    if (typeof url !== 'string') problems.push({ field: 'url', message: 'must be a string' })
    else if (url.length > MAX_URL_LENGTH) problems.push({ field: 'url', message: `must be at most ${MAX_URL_LENGTH} characters` })
    else if (current?.service !== undefined && url === current.service.masked) {
      // The masked URL of a GET sent back: keep the URL.
    } else if (url.includes(MASK)) {
      // An edited copy of the masked URL would store **** as the password.
      problems.push({ field: 'url', message: `still holds ${MASK} where a secret was masked: give the whole URL with its secrets, or send the masked URL unchanged to keep the stored one` })
    } else {
      const parsed = parseTargetUrl(url)
      if (parsed.ok) {
        settings.url = url.trim()
        service = parsed.target
      } else problems.push({ field: 'url', message: `target URL ${parsed.message}` })
    }
  } else if (current === undefined) problems.push({ field: 'url', message: 'required' })

  if (input.active !== undefined) {
    if (typeof input.active !== 'boolean') problems.push({ field: 'active', message: 'must be a boolean' })
    else settings.active = input.active
  }

  if (input.phases !== undefined) {
    const phases = input.phases
    if (!Array.isArray(phases) || phases.length === 0 || phases.length > TARGET_PHASES.length ||
      !phases.every((p) => (TARGET_PHASES as readonly unknown[]).includes(p)) || new Set(phases).size !== phases.length) {
      problems.push({ field: 'phases', message: 'must be a non-empty list of distinct "start", "end"' })
    } else settings.phases = TARGET_PHASES.filter((p) => (phases as TargetPhase[]).includes(p))
  }

  if (input.monitors !== undefined) {
    const monitors = input.monitors
    if (!Array.isArray(monitors) || monitors.length > MAX_MONITORS) {
      problems.push({ field: 'monitors', message: `must be a list of at most ${MAX_MONITORS} monitor ids (empty: every monitor)` })
    } else {
      const bad = monitors.findIndex((m) => !Number.isSafeInteger(m) || (m as number) < 0 || (m as number) > MAX_MONITOR_ID)
      if (bad >= 0) problems.push({ field: `monitors.${bad}`, message: 'must be a monitor id (an integer of at least 0)' })
      else settings.monitors = [...new Set(monitors as number[])].sort((a, b) => a - b)
    }
  }

  if (problems.length > 0) throw new ValidationError(problems)
  return { name: typeof name === 'string' ? name : undefined, settings, service }
}

function nameParam (params: unknown): string {
  const name = (params as { name?: string }).name
  if (name === undefined || !TARGET_NAME.test(name)) throw new ValidationError([{ field: 'name', message: 'must be 1 to 64 of a-z 0-9 _ -' }])
  return name
}

function conflict (message: string): ConflictError {
  return new ConflictError(message)
}

function readOnly (name: string): ConflictError {
  return conflict(`target "${name}" comes from the [targets] section of the settings file and cannot be changed here: edit the file and restart Herald`)
}

/** Unwraps a registry write, or throws the answer for what went wrong. */
function written (result: TargetWrite, name: string): Target {
  if (result.ok) return result.target
  switch (result.reason) {
    case 'read-only': throw readOnly(name)
    case 'exists': throw conflict(`target "${name}" exists; change it with PATCH /api/v1/targets/${name}`)
    case 'not-found': throw new NotFoundError(`target "${name}" not found`)
    case 'too-many': throw new ValidationError([{ field: 'name', message: `at most ${MAX_TARGETS} targets can be made through the API` }])
    default: {
      const never: never = result.reason
      throw new Error(`unknown registry answer ${String(never)}`)
    }
  }
}

/**
 * `/api/v1/targets`: the built-in push targets (ntfy, Pushover, Gotify, Telegram, Slack, Discord,
 * e-mail). Targets of the settings file's `[targets]` section are listed with `source: "config"`
 * and are read-only here.
 */
export async function targetRoutes (app: FastifyInstance, o: TargetRoutesOptions): Promise<void> {
  const tags = ['push targets']
  const lane = (name: string): string => laneOf(TARGETS_CHANNEL, name)

  app.get('/api/v1/targets', { preHandler: o.preHandler, schema: { tags, summary: 'List push targets (URLs masked)' }, config: { docs: TARGET_DOCS.list } }, async () => {
    return { results: o.registry.list().map(targetView) }
  })

  app.get('/api/v1/targets/:name', { preHandler: o.preHandler, schema: { tags, summary: 'Read a push target' }, config: { docs: TARGET_DOCS.read } }, async (request) => {
    const name = nameParam(request.params)
    const t = o.registry.get(name)
    if (t === undefined) throw new NotFoundError(`target "${name}" not found`)
    return targetView(t)
  })

  app.post('/api/v1/targets', { preHandler: o.preHandler, schema: { tags, summary: 'Create a push target' }, config: { docs: TARGET_DOCS.create } }, async (request, reply) => {
    const input = parseInput(request.body, undefined)
    const name = input.name as string
    if (o.registry.get(name)?.source === 'config') throw readOnly(name)
    const settings: TargetSettings = {
      url: input.settings.url as string,
      active: input.settings.active ?? true,
      phases: input.settings.phases ?? ['start'],
      monitors: input.settings.monitors ?? []
    }
    const target = written(await o.registry.create(name, settings, input.service as ServiceTarget, o.clock.now()), name)
    return reply.code(201).send(targetView(target))
  })

  app.patch('/api/v1/targets/:name', { preHandler: o.preHandler, schema: { tags, summary: 'Change some fields of a push target' }, config: { docs: TARGET_DOCS.patch } }, async (request) => {
    const name = nameParam(request.params)
    const current = o.registry.get(name)
    if (current === undefined) throw new NotFoundError(`target "${name}" not found`)
    if (current.source === 'config') throw readOnly(name)
    const input = parseInput(request.body, current)
    const target = written(await o.registry.update(name, input.settings, input.service, o.clock.now()), name)
    // Switched back on or pointed elsewhere: what waits should not sit out a backoff of up to 100 s.
    if (target.active && (!current.active || target.url !== current.url)) await o.lanes.retryNow(lane(name))
    else o.lanes.wake(lane(name))
    return targetView(target)
  })

  app.delete('/api/v1/targets/:name', { preHandler: o.preHandler, schema: { tags, summary: 'Delete a push target and drop its queue' }, config: { docs: TARGET_DOCS.remove } }, async (request, reply) => {
    const name = nameParam(request.params)
    const current = o.registry.get(name)
    if (current === undefined) throw new NotFoundError(`target "${name}" not found`)
    if (current.source === 'config') throw readOnly(name)
    written(await o.registry.remove(name), name)
    await o.lanes.dropLane(lane(name))
    return reply.code(204).send()
  })
}
