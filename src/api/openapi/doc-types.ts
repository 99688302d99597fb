import { Type, type SchemaOptions, type TSchema, type TUnsafe } from '@sinclair/typebox'

/*
 * Schema shapes the documentation needs beyond TypeBox's own, written the way OpenAPI 3.0 and
 * Swagger UI read them best.
 */

/** One of fixed strings, as `enum` (a union of literals shows as "any of" eight one-value schemas). */
export function StringEnum<const T extends readonly string[]> (values: T, options: SchemaOptions = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ ...options, type: 'string', enum: [...values] })
}

/** The schema or null (OpenAPI 3.0: `nullable: true`). */
export function Nullable (schema: TSchema, options: SchemaOptions = {}): TSchema {
  // OpenAPI 3.0.3: `nullable` does not widen an `enum`, so null must be one of its values.
  if (Array.isArray(schema.enum)) return Type.Unsafe({ ...schema, ...options, enum: [...schema.enum as unknown[], null], nullable: true })
  return Type.Union([schema, Type.Null()], options)
}

/** An ISO 8601 time in UTC as Herald writes it (`2024-05-01T12:00:00.000Z`). */
export function DateTime (options: SchemaOptions = {}): ReturnType<typeof Type.String> {
  return Type.String({ ...options, format: 'date-time' })
}
