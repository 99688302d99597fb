import { Type, type TSchema } from '@sinclair/typebox'
import { MAX_URL_LENGTH, SERVICES, TARGET_NAME, TARGET_PHASES } from '../../channels/targets/index.js'
import { DateTime, Nullable, StringEnum } from './doc-types.js'
import { ADMIN_ERRORS, BODY_ERRORS, errorAnswer, errorAnswers } from './error-docs.js'
import { ListOf } from './page-docs.js'
import type { RouteDocs } from './route-docs.js'

/* The built-in push targets (src/api/targets.ts, docs/targets.md). */

const NAME = Type.String({ pattern: TARGET_NAME.source, description: '1 to 64 of a-z 0-9 _ -; names the target\'s queue, so it cannot change.' })

const TARGET = Type.Object({
  name: Type.String(),
  service: Nullable(StringEnum(SERVICES), { description: 'The service the URL is for; null when the stored URL no longer parses.' }),
  url: Nullable(Type.String(), { description: 'The Apprise-style URL with its passwords and tokens replaced by ****; null when it no longer parses.' }),
  active: Type.Boolean(),
  phases: Type.Array(StringEnum(TARGET_PHASES), { description: 'The alarm phases that notify.' }),
  monitors: Type.Array(Type.Integer({ minimum: 0 }), { description: 'Monitor ids; empty = every monitor.' }),
  source: StringEnum(['config', 'api'], { description: 'config: a line of the settings file\'s [targets] section, read-only here; api: made through this API.' }),
  disabled_reason: Nullable(Type.String(), { description: 'Why Herald switched the target off; null otherwise.' }),
  problem: Type.Optional(Type.String({ description: 'Why the stored URL no longer parses: the target waits until it is fixed.' })),
  created_date: Nullable(DateTime(), { description: 'null for targets of the settings file.' }),
  modified_date: Nullable(DateTime(), { description: 'null for targets of the settings file.' })
}, { description: 'A push target, its URL masked.' })

/* Fields of a GET answer a client may send back: accepted and ignored. */
const ECHOED = ['service', 'source', 'disabled_reason', 'problem', 'created_date', 'modified_date'] as const

function targetInput (mode: 'create' | 'patch'): TSchema {
  const create = mode === 'create'
  const echoed = Object.fromEntries(ECHOED.map((key) => [key, Type.Optional(Type.Unknown({ readOnly: true, description: 'Ignored: accepted so that a GET answer can be sent back.' }))]))
  const url = Type.String({
    maxLength: MAX_URL_LENGTH,
    description: create
      ? 'Apprise-style URL of the service (ntfy://, pover://, tgram://, mailto://, a Slack or Discord webhook URL, …; docs/targets.md).'
      : 'A new URL, or the masked URL of a GET answer unchanged to keep the stored one.'
  })
  return Type.Object({
    name: create ? NAME : Type.Optional(Type.String({ description: 'Must be the target\'s own name if given: a name cannot change.' })),
    url: create ? url : Type.Optional(url),
    active: Type.Optional(Type.Boolean(create ? { default: true } : {})),
    phases: Type.Optional(Type.Array(StringEnum(TARGET_PHASES), { minItems: 1, maxItems: TARGET_PHASES.length, uniqueItems: true, ...(create ? { default: ['start'] } : {}), description: 'The alarm phases that notify.' })),
    monitors: Type.Optional(Type.Array(Type.Integer({ minimum: 0, maximum: 2_147_483_647 }), { maxItems: 1000, ...(create ? { default: [] } : {}), description: 'Monitor ids; empty = every monitor.' })),
    ...echoed
  }, {
    additionalProperties: false,
    description: create ? 'A push target. Unknown fields are refused.' : 'Only the fields to change; the others are kept. Unknown fields are refused.'
  })
}

const NAME_PARAMS = Type.Object({ name: Type.String({ pattern: TARGET_NAME.source, description: 'The target\'s name.' }) })
const NOT_FOUND = errorAnswer('HRD_ERR_NOT_FOUND: no target with this name.')
const READ_ONLY = 'the target comes from the settings file\'s [targets] section: change it there and restart Herald.'

export const TARGET_DOCS = {
  list: { response: { 200: ListOf(TARGET, 'Every push target, those of the settings file included.'), ...ADMIN_ERRORS } },
  read: { params: NAME_PARAMS, response: { 200: TARGET, ...errorAnswers(400), ...ADMIN_ERRORS, 404: NOT_FOUND } },
  create: {
    body: targetInput('create'),
    response: {
      201: TARGET,
      ...BODY_ERRORS,
      ...ADMIN_ERRORS,
      409: errorAnswer(`HRD_ERR_CONFLICT: a target of this name exists (change it with PATCH), or ${READ_ONLY}`)
    }
  },
  patch: {
    params: NAME_PARAMS,
    body: targetInput('patch'),
    response: { 200: TARGET, ...BODY_ERRORS, ...ADMIN_ERRORS, 404: NOT_FOUND, 409: errorAnswer(`HRD_ERR_CONFLICT: ${READ_ONLY}`) }
  },
  remove: {
    params: NAME_PARAMS,
    response: { 204: Type.Null({ description: 'Deleted, with its queue.' }), ...errorAnswers(400), ...ADMIN_ERRORS, 404: NOT_FOUND, 409: errorAnswer(`HRD_ERR_CONFLICT: ${READ_ONLY}`) }
  }
} satisfies Record<string, RouteDocs>
