import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { NotFoundError, ValidationError, type FieldProblem } from '../errors.js'
import type { JsonObject } from '../events/event.js'
import { MAX_JSON_DEPTH, tooDeepAt } from '../events/json-depth.js'
import type { EntityCatalog } from '../entities/catalog.js'
import type { Clock } from '../clock.js'
import type { EntityKind, Store } from '../store/store.js'
import { parseId } from './views.js'
import { entityDocs } from './openapi/entity-docs.js'

export interface EntityRoutesOptions {
  readonly store: Store
  readonly catalog: EntityCatalog
  readonly clock: Clock
  readonly preHandler: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
}

type FieldKind = 'string' | 'boolean' | 'number' | 'id' | 'id-list' | 'object'

interface EntitySpec {
  readonly path: string
  readonly kind: EntityKind
  /** Fields beyond id, name, comment, meta: the links verbose payloads embed. */
  readonly fields: Readonly<Record<string, FieldKind>>
}

/* The trimmed FindFace REST objects verbose webhooks embed (webhooks.md §A6). */
const SPECS: readonly EntitySpec[] = [
  { path: 'cameras', kind: 'camera', fields: { group: 'id', active: 'boolean', latitude: 'number', longitude: 'number', azimuth: 'number' } },
  { path: 'camera-groups', kind: 'camera_group', fields: { active: 'boolean' } },
  { path: 'watch-lists', kind: 'watch_list', fields: { color: 'string', active: 'boolean', notify: 'boolean', acknowledge: 'boolean' } },
  { path: 'cards', kind: 'card', fields: { watch_lists: 'id-list', active: 'boolean' } }
]
const COMMON: Readonly<Record<string, FieldKind>> = { name: 'string', comment: 'string', meta: 'object' }

function check (value: unknown, kind: FieldKind): string | undefined {
  switch (kind) {
    case 'string': return typeof value === 'string' && value.length <= 1000 ? undefined : 'must be a string of at most 1000 characters'
    case 'boolean': return typeof value === 'boolean' ? undefined : 'must be a boolean'
    case 'number': return typeof value === 'number' && Number.isFinite(value) ? undefined : 'must be a number'
    case 'id': return value === null || (Number.isSafeInteger(value) && (value as number) > 0) ? undefined : 'must be a positive integer id or null'
    case 'id-list': return Array.isArray(value) && value.length <= 10_000 && value.every((v) => Number.isSafeInteger(v) && v > 0) ? undefined : 'must be a list of positive integer ids'
    case 'object':
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'must be a JSON object'
      // Depth first: stringifying a hostile `{"a":{"a":…` would overflow the stack.
      if (tooDeepAt(value) !== undefined) return `must not nest more than ${MAX_JSON_DEPTH} levels deep`
      return JSON.stringify(value).length <= 65_536 ? undefined : 'must be a JSON object of at most 64 KiB'
    default: {
      const never: never = kind
      return String(never)
    }
  }
}

function parseBody (spec: EntitySpec, body: unknown, mode: 'create' | 'replace' | 'patch'): { id?: number, fields: JsonObject } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ValidationError([{ field: 'body', message: 'must be a JSON object' }])
  const input = body as Record<string, unknown>
  const problems: FieldProblem[] = []
  const fields: JsonObject = {}
  const all = { ...COMMON, ...spec.fields }
  for (const [key, value] of Object.entries(input)) {
    if (key === 'id' || key === 'created_date' || key === 'modified_date') continue
    const kind = all[key]
    if (kind === undefined) {
      problems.push({ field: key, message: 'unknown field' })
      continue
    }
    const problem = check(value, kind)
    if (problem !== undefined) problems.push({ field: key, message: problem })
    else fields[key] = value as JsonObject[string]
  }
  let id: number | undefined
  if (mode === 'create' && input.id !== undefined) {
    if (!Number.isSafeInteger(input.id) || (input.id as number) < 1) problems.push({ field: 'id', message: 'must be a positive integer (the id your events use)' })
    else id = input.id as number
  }
  if (input.name === undefined) {
    if (mode !== 'patch') problems.push({ field: 'name', message: 'required' })
  } else if (input.name === '') problems.push({ field: 'name', message: 'must not be empty' })
  if (problems.length > 0) throw new ValidationError(problems)
  if (mode !== 'patch') {
    fields.comment ??= ''
    fields.meta ??= {}
  }
  return id === undefined ? { fields } : { id, fields }
}

/** CRUD for the objects events refer to by id, so verbose webhooks can embed them. */
export async function entityRoutes (app: FastifyInstance, o: EntityRoutesOptions): Promise<void> {
  for (const spec of SPECS) {
    const base = `/api/v1/${spec.path}`
    const tags = ['entities']
    const docs = entityDocs(spec.kind, { ...COMMON, ...spec.fields })
    const view = (row: { body: Readonly<JsonObject>, created_date: string, modified_date: string }) =>
      ({ ...row.body, created_date: row.created_date, modified_date: row.modified_date })
    const mustGet = async (id: number) => {
      const row = await o.store.getEntity(spec.kind, id)
      if (row === undefined) throw new NotFoundError(`${spec.kind} ${id} not found`)
      return row
    }

    app.get(base, { preHandler: o.preHandler, schema: { tags, summary: `List ${spec.path}` }, config: { docs: docs.list } }, async () => {
      return { results: (await o.store.listEntities(spec.kind)).map(view) }
    })
    app.post(base, { preHandler: o.preHandler, schema: { tags, summary: `Create a ${spec.kind}; give id to match the ids your events carry` }, config: { docs: docs.create } }, async (request, reply) => {
      const { id, fields } = parseBody(spec, request.body, 'create')
      const row = await o.store.createEntity(spec.kind, id, fields, new Date(o.clock.now()))
      if (row === undefined) throw new ValidationError([{ field: 'id', message: `${spec.kind} ${String(id)} already exists` }])
      o.catalog.put(row)
      return reply.code(201).send(view(row))
    })
    app.get(`${base}/:id`, { preHandler: o.preHandler, schema: { tags, summary: `Read a ${spec.kind}` }, config: { docs: docs.read } }, async (request) => view(await mustGet(parseId(request.params))))
    const update = (mode: 'replace' | 'patch') => async (request: FastifyRequest) => {
      const id = parseId(request.params)
      const current = await mustGet(id)
      const { fields } = parseBody(spec, request.body, mode)
      const body = mode === 'patch' ? { ...current.body, ...fields } : fields
      const row = await o.store.updateEntity(spec.kind, id, body as JsonObject, new Date(o.clock.now()))
      if (row === undefined) throw new NotFoundError(`${spec.kind} ${id} not found`)
      o.catalog.put(row)
      return view(row)
    }
    app.patch(`${base}/:id`, { preHandler: o.preHandler, schema: { tags, summary: `Change some fields of a ${spec.kind}` }, config: { docs: docs.patch } }, update('patch'))
    app.put(`${base}/:id`, { preHandler: o.preHandler, schema: { tags, summary: `Replace a ${spec.kind}` }, config: { docs: docs.replace } }, update('replace'))
    app.delete(`${base}/:id`, { preHandler: o.preHandler, schema: { tags, summary: `Delete a ${spec.kind}` }, config: { docs: docs.remove } }, async (request, reply) => {
      const id = parseId(request.params)
      if (!(await o.store.deleteEntity(spec.kind, id))) throw new NotFoundError(`${spec.kind} ${id} not found`)
      o.catalog.remove(spec.kind, id)
      return reply.code(204).send()
    })
  }
}
