import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { BadJsonError, BodyTooLargeError, HeraldError, InternalError, MediaTypeError, NotFoundError, RequestError, ValidationError, type FieldProblem } from '../errors.js'

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
    const translated = translate(error)
    if (translated.statusCode >= 500) request.log.error({ err: error }, 'unhandled API error')
    void reply.code(translated.statusCode).send(errorBody(translated))
  })
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send(errorBody(new NotFoundError(`no route ${request.method} ${request.url}`)))
  })
}

/** A framework error as one of Herald's: every code lives in src/errors.ts. */
function translate (error: FastifyError): HeraldError {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new BadJsonError(error.message)
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new BodyTooLargeError(error.message)
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new MediaTypeError()
    default:
      break
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return new RequestError(error.statusCode, error.message)
  }
  return new InternalError()
}

/**
 * Errors of the router, before any route or hook runs (a malformed percent-encoding, a path
 * parameter over the length limit): fastify's `frameworkErrors` option. Same body as every other.
 */
export function frameworkErrorHandler (error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const translated = translate(error)
  void reply.code(translated.statusCode).send(errorBody(translated))
}

/**
 * Errors of the HTTP parser, before fastify has a request (headers over the size limit, a
 * malformed request line, a client too slow to send its headers): fastify's
 * `clientErrorHandler` option. The connection cannot be reused after those, so it is closed.
 */
export function clientErrorHandler (err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400
  const message = status === 431 ? 'the request headers are larger than the server accepts' : status === 408 ? 'the request took too long to arrive' : 'malformed HTTP request'
  const body = JSON.stringify(errorBody(new RequestError(status, message)))
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
}
