import type { TObject, TSchema } from '@sinclair/typebox'
import type { SwaggerTransform, SwaggerTransformObject } from '@fastify/swagger'
import type { FastifySchema } from 'fastify'
import { plainSchema } from './doc-component.js'

/**
 * What a route accepts and answers, for the OpenAPI document only. The handlers validate their
 * input themselves (FindFace-compatible error bodies, and no schema compile on the ingest hot
 * path) and answer exactly what they build, so these schemas must never reach fastify's
 * validation or serialization: they live in the route's `config`, which fastify leaves alone,
 * and `transform` below shows them to @fastify/swagger.
 */
export interface RouteDocs {
  readonly body?: TSchema
  /** false: the body may be left out. @defaultValue true */
  readonly bodyRequired?: boolean
  /** An object schema: each property is one query parameter. */
  readonly querystring?: TObject
  /** An object schema: each property is one path parameter. */
  readonly params?: TObject
  /** By status code; `Type.Null()` for an answer without a body. */
  readonly response: Readonly<Record<number, TSchema>>
}

declare module 'fastify' {
  interface FastifyContextConfig {
    docs?: RouteDocs
  }
}

/* @fastify/swagger always marks a documented body required; this mark asks transformObject to undo it. */
const OPTIONAL_BODY = 'x-herald-optional-body'

/**
 * @fastify/swagger's `transform`: the route's schema (tags, summary, security) with the
 * documentation of its `config.docs` merged in. Only the document sees the result.
 */
export const transform: SwaggerTransform = ({ schema, url, route }) => {
  const docs = route.config?.docs
  if (docs === undefined) return { schema, url }
  const documented: FastifySchema & Record<string, unknown> = { ...schema }
  if (docs.body !== undefined) documented.body = plainSchema(docs.body)
  if (docs.body !== undefined && docs.bodyRequired === false) documented[OPTIONAL_BODY] = true
  if (docs.querystring !== undefined) documented.querystring = plainSchema(docs.querystring)
  if (docs.params !== undefined) documented.params = plainSchema(docs.params)
  documented.response = plainSchema(docs.response)
  return { schema: documented, url }
}

interface Operation { [key: string]: unknown, requestBody?: { required?: boolean } }

/** @fastify/swagger's `transformObject`: applies the marks `transform` left on operations. */
export const transformObject: SwaggerTransformObject = (document) => {
  if (!('openapiObject' in document)) return document.swaggerObject
  const { openapiObject } = document
  for (const item of Object.values(openapiObject.paths ?? {}) as Array<Record<string, unknown> | undefined>) {
    for (const operation of Object.values(item ?? {}) as Array<Operation | null>) {
      if (operation === null || typeof operation !== 'object' || operation[OPTIONAL_BODY] === undefined) continue
      delete operation[OPTIONAL_BODY]
      if (operation.requestBody !== undefined) operation.requestBody.required = false
    }
  }
  return openapiObject
}
