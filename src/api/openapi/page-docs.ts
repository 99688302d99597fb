import { Type, type TSchema } from '@sinclair/typebox'
import { Nullable } from './doc-types.js'

/* The three shapes of Herald's list answers. */

/** `{ results }`: the whole list at once. */
export function ListOf (item: TSchema, description: string): TSchema {
  return Type.Object({ results: Type.Array(item) }, { description })
}

/** `{ results, next_page, prev_page }`: FindFace's paginated list, pages by offset cursor. */
export function PageOf (item: TSchema, description: string): TSchema {
  return Type.Object({
    results: Type.Array(item),
    next_page: Nullable(Type.String(), { description: 'Path and query of the next page, with the same filters; null on the last page.' }),
    prev_page: Nullable(Type.String(), { description: 'Path and query of the previous page; null on the first page.' })
  }, { description })
}

/** `{ results, next_page }`: newest first, the next page holds older items. */
export function NewestFirstPageOf (item: TSchema, description: string): TSchema {
  return Type.Object({
    results: Type.Array(item),
    next_page: Nullable(Type.String(), { description: 'Path and query of the next (older) page, with the same limit and filters; null when there is none.' })
  }, { description })
}
