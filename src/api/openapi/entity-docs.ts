import { Type, type TSchema } from '@sinclair/typebox'
import { MAX_JSON_DEPTH } from '../../events/json-depth.js'
import { DateTime } from './doc-types.js'
import { ADMIN_ERRORS, BODY_ERRORS, errorAnswer, errorAnswers } from './error-docs.js'
import { ListOf } from './page-docs.js'
import type { RouteDocs } from './route-docs.js'

/* The objects verbose webhooks embed (src/api/entities.ts): cameras, camera groups, watch lists, cards. */

/** The kinds of field src/api/entities.ts checks, by the name it gives them. */
export type EntityFieldKind = 'string' | 'boolean' | 'number' | 'id' | 'id-list' | 'object'

function fieldSchema (kind: EntityFieldKind): TSchema {
  switch (kind) {
    case 'string': return Type.String({ maxLength: 1000 })
    case 'boolean': return Type.Boolean()
    case 'number': return Type.Number()
    case 'id': return Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { description: 'An id, or null.' })
    case 'id-list': return Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 10_000, description: 'Ids.' })
    case 'object': return Type.Object({}, { additionalProperties: true, description: `Any JSON object, at most 64 KiB and ${MAX_JSON_DEPTH} levels deep.` })
    default: {
      const never: never = kind
      return never
    }
  }
}

export interface EntityDocs {
  readonly list: RouteDocs
  readonly create: RouteDocs
  readonly read: RouteDocs
  readonly replace: RouteDocs
  readonly patch: RouteDocs
  readonly remove: RouteDocs
}

/**
 * The documentation of one kind's routes. `fields` is the table the handler checks bodies
 * against (name, comment, meta and the kind's own), so the two cannot drift apart.
 */
export function entityDocs (kind: string, fields: Readonly<Record<string, EntityFieldKind>>): EntityDocs {
  const noun = kind.replaceAll('_', ' ')
  const typed = (optional: boolean) => Object.fromEntries(Object.entries(fields).map(([key, fieldKind]) => {
    // name is the one required field, and may not be empty.
    const schema = key === 'name' ? Type.String({ minLength: 1, maxLength: 1000 }) : fieldSchema(fieldKind)
    return [key, optional || key !== 'name' ? Type.Optional(schema) : schema]
  }))
  const ignored = (description: string) => Type.Optional(Type.Unknown({ readOnly: true, description }))
  const body = (mode: 'create' | 'replace' | 'patch'): TSchema => Type.Object({
    ...(mode === 'create'
      ? { id: Type.Optional(Type.Integer({ minimum: 1, description: 'The id your events use for it; default: the next free id.' })) }
      : { id: ignored('Ignored: the path says which one.') }),
    ...typed(mode === 'patch'),
    created_date: ignored('Ignored: accepted so that a GET answer can be sent back.'),
    modified_date: ignored('Ignored: accepted so that a GET answer can be sent back.')
  }, {
    additionalProperties: false,
    description: mode === 'patch'
      ? 'Only the fields to change; the others are kept. Unknown fields are refused.'
      : `A ${noun}. comment defaults to "" and meta to {}; other omitted fields are ${mode === 'replace' ? 'removed' : 'absent'}. Unknown fields are refused.`
  })
  const view = Type.Object({
    id: Type.Integer(),
    ...typed(true),
    name: Type.String(),
    comment: Type.String(),
    meta: fieldSchema('object'),
    created_date: DateTime(),
    modified_date: DateTime()
  }, { description: `A ${noun}: the fields it was given, with its id and dates.` })
  const params = Type.Object({ id: Type.Integer({ minimum: 1, description: `The ${noun}'s id.` }) })
  const notFound = errorAnswer(`HRD_ERR_NOT_FOUND: no ${noun} with this id.`)
  return {
    list: { response: { 200: ListOf(view, `Every ${noun}, by id.`), ...ADMIN_ERRORS } },
    create: {
      body: body('create'),
      response: { 201: view, ...BODY_ERRORS, 400: errorAnswer(`HRD_ERR_VALIDATION: a field is wrong, or a ${noun} with this id exists (\`fields\` names each); HRD_ERR_API_BAD_JSON: the body is not JSON.`), ...ADMIN_ERRORS }
    },
    read: { params, response: { 200: view, ...errorAnswers(400), ...ADMIN_ERRORS, 404: notFound } },
    replace: { params, body: body('replace'), response: { 200: view, ...BODY_ERRORS, ...ADMIN_ERRORS, 404: notFound } },
    patch: { params, body: body('patch'), response: { 200: view, ...BODY_ERRORS, ...ADMIN_ERRORS, 404: notFound } },
    remove: { params, response: { 204: Type.Null({ description: 'Deleted.' }), ...errorAnswers(400), ...ADMIN_ERRORS, 404: notFound } }
  }
}
