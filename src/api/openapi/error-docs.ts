import { Type, type TSchema } from '@sinclair/typebox'
import { docComponent } from './doc-component.js'

/** The body of every error answer: ApiErrorBody of src/api/error-handler.ts, described once. */
export const apiError = docComponent('ApiError', Type.Object({
  code: Type.String({ description: 'Stable code (HRD_ERR_…, docs/errors.md). Branch on it, never on message.', examples: ['HRD_ERR_VALIDATION'] }),
  message: Type.String({ description: 'A sentence for people; its wording may change.' }),
  fields: Type.Optional(Type.Array(Type.Object({
    field: Type.String({ description: 'The field at fault: a key path for API bodies (`filters.face_events.camera_in`), a JSON pointer for ingested events (`/0/camera`), or `body`.' }),
    message: Type.String({ description: 'What is wrong with it.' })
  }), { maxItems: 50, description: 'Input errors only (400, 413, 415): every field at fault, at most 50.' })),
  param: Type.Optional(Type.String({ description: 'Input errors only: the field of the first entry of `fields`, under the name FindFace\'s API uses.' }))
}, { description: 'The JSON body of every error answer.' }))

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415

const WHEN: Readonly<Record<ErrorStatus, string>> = {
  400: 'HRD_ERR_VALIDATION: a field, path parameter or query parameter is wrong (`fields` names each); HRD_ERR_API_BAD_JSON: the body is not JSON.',
  401: 'HRD_ERR_AUTH_MISSING: no `Authorization: Token <admin token>` (or `Bearer`) header.',
  403: 'HRD_ERR_AUTH_INVALID: the token is not the admin token.',
  404: 'HRD_ERR_NOT_FOUND: no such object.',
  409: 'HRD_ERR_CONFLICT: the request conflicts with what exists.',
  413: 'HRD_ERR_API_BODY_TOO_LARGE: the body is larger than `[http] body_limit`.',
  415: 'HRD_ERR_API_MEDIA_TYPE: the body is not sent as application/json.'
}

/** An error answer that says when it happens, for a status whose general text is too vague. */
export function errorAnswer (description: string): TSchema {
  return apiError.ref(description)
}

/** The error answers of `statuses`, each with its general text. */
export function errorAnswers (...statuses: ErrorStatus[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((status) => [status, apiError.ref(WHEN[status])]))
}

/** Every admin route can answer these two. */
export const ADMIN_ERRORS = errorAnswers(401, 403)

/** A route that reads a JSON body can answer these besides its own. */
export const BODY_ERRORS = errorAnswers(400, 413, 415)
