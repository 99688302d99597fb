import { Type } from '@sinclair/typebox'
import { DateTime, Nullable, StringEnum } from './doc-types.js'
import { ADMIN_ERRORS, errorAnswer, errorAnswers } from './error-docs.js'
import { ListOf } from './page-docs.js'
import type { RouteDocs } from './route-docs.js'

/* zmNinja's push tokens (src/api/tokens.ts): the tokens.txt fields and Herald's. */

const PUSH_TOKEN = Type.Object({
  token: Type.String({ description: 'The FCM registration token.' }),
  platform: Type.String({ description: 'android or ios (other values are kept as given).' }),
  monlist: Type.String({ description: 'Comma-separated monitor ids; "" = every monitor.' }),
  intlist: Type.String({ description: 'Comma-separated seconds between pushes, one per monlist entry; "" = no throttling.' }),
  pushstate: StringEnum(['enabled', 'disabled']),
  appversion: Type.String({ description: 'The client\'s version, or unknown.' }),
  badge: Type.Integer(),
  invocations: Type.Object({
    count: Type.Integer({ minimum: 0, description: 'Pushes this month.' }),
    at: Type.Integer({ minimum: 0, maximum: 11, description: 'The month (0–11) the count belongs to.' })
  }),
  profile: Nullable(Type.String(), { description: 'zmES v7\'s profile name; null when none.' }),
  created_date: DateTime(),
  modified_date: DateTime()
}, { description: 'A push token zmNinja registered.' })

const TOKEN_PARAMS = Type.Object({ token: Type.String({ minLength: 1, maxLength: 4096, description: 'The push token, percent-encoded.' }) })
const NOT_FOUND = errorAnswer('HRD_ERR_NOT_FOUND: no such push token.')

export const TOKEN_DOCS = {
  list: { response: { 200: ListOf(PUSH_TOKEN, 'Every push token.'), ...ADMIN_ERRORS } },
  read: { params: TOKEN_PARAMS, response: { 200: PUSH_TOKEN, ...errorAnswers(400), ...ADMIN_ERRORS, 404: NOT_FOUND } },
  remove: { params: TOKEN_PARAMS, response: { 204: Type.Null({ description: 'Removed, with its throttle state.' }), ...errorAnswers(400), ...ADMIN_ERRORS, 404: NOT_FOUND } }
} satisfies Record<string, RouteDocs>
