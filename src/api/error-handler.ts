import type { FastifyError, FastifyInstance } from 'fastify'
import { HeraldError, ValidationError, type FieldProblem } from '../errors.js'

/** The body of every API error: a stable code, a sentence, and the fields at fault. */
export interface ApiErrorBody {
  code: string
  message: string
  fields?: FieldProblem[]
  /** FindFace's name for the first offending field. */
  param?: string
}

export function errorBody (err: HeraldError): ApiErrorBody {
  const body: ApiErrorBody = { code: err.code, message: err.message }
  if (err instanceof ValidationError) {
    body.fields = [...err.fields]
    if (err.fields[0] !== undefined) body.param = err.fields[0].field
  }
  return body
}

interface AjvError { instancePath?: string, message?: string, keyword?: string, params?: Record<string, unknown> }

/**
 * Maps every error to a JSON body. Framework errors (bad JSON, body too large, schema failures)
 * are translated to Herald's codes; anything unexpected is a 500 without internals.
 */
export function registerErrorHandler (app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError & { validation?: AjvError[], validationContext?: string }, request, reply) => {
    if (error instanceof HeraldError) {
      void reply.code(error.statusCode).send(errorBody(error))
      return
    }
    if (error.validation !== undefined) {
      const where = error.validationContext ?? 'body'
      const fields = error.validation.map((v) => {
        const path = (v.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.')
        const extra = v.keyword === 'additionalProperties' ? String(v.params?.additionalProperty ?? '') : ''
        const required = v.keyword === 'required' ? String(v.params?.missingProperty ?? '') : ''
        const field = [where === 'body' ? '' : where, path, extra || required].filter((s) => s !== '').join('.') || where
        const message = v.keyword === 'additionalProperties' ? 'unknown field' : (v.message ?? 'invalid')
        return { field, message }
      })
      void reply.code(400).send(errorBody(new ValidationError(fields)))
      return
    }
    switch (error.code) {
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        void reply.code(400).send({ code: 'HRD_ERR_API_BAD_JSON', message: `malformed JSON body: ${error.message}`, fields: [{ field: 'body', message: 'malformed JSON' }], param: 'body' })
        return
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        void reply.code(413).send({ code: 'HRD_ERR_API_BODY_TOO_LARGE', message: error.message, fields: [{ field: 'body', message: 'too large' }], param: 'body' })
        return
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        void reply.code(415).send({ code: 'HRD_ERR_API_MEDIA_TYPE', message: 'send application/json', fields: [{ field: 'content-type', message: 'must be application/json' }], param: 'content-type' })
        return
      default:
        break
    }
    if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      void reply.code(error.statusCode).send({ code: 'HRD_ERR_API_REQUEST', message: error.message })
      return
    }
    request.log.error({ err: error }, 'unhandled API error')
    void reply.code(500).send({ code: 'HRD_ERR_INTERNAL', message: 'internal error' })
  })
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ code: 'HRD_ERR_NOT_FOUND', message: `no route ${request.method} ${request.url}` })
  })
}
