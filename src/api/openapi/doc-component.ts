import { Type, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox'

/**
 * A schema the OpenAPI document holds once, under `components.schemas`, and operations point to
 * with `$ref`: the webhook filters alone would otherwise be written out in a dozen operations.
 * Every component must be listed in components.ts; a test resolves every `$ref` of the document.
 */
export interface DocComponent<T extends TSchema = TSchema> {
  readonly name: string
  readonly schema: T
  /** `#/components/schemas/<name>`. */
  readonly pointer: string
  /**
   * `{ $ref: '#/components/schemas/<name>' }`, typed as the schema it points to. `description`
   * is what a response says it is (swagger reads it beside the `$ref`; inside a schema it is dropped).
   */
  ref (description?: string): TUnsafe<Static<T>>
}

export function docComponent<T extends TSchema> (name: string, schema: T): DocComponent<T> {
  const pointer = `#/components/schemas/${name}`
  return {
    name,
    schema,
    pointer,
    ref: (description) => Type.Unsafe<Static<T>>({ $ref: pointer, ...(description === undefined ? {} : { description }) })
  }
}

/**
 * A schema as plain JSON: without TypeBox's symbol keys, and a copy, so that @fastify/swagger's
 * rewriting never reaches a schema the code validates with (the filters, the event schemas).
 */
export function plainSchema (schema: unknown): unknown {
  return JSON.parse(JSON.stringify(schema)) as unknown
}
