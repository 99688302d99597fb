import { plainSchema, type DocComponent } from './doc-component.js'
import { delivery } from './delivery-docs.js'
import { apiError } from './error-docs.js'
import { eventInputs } from './event-docs.js'
import { webhook, webhookFilters } from './webhook-docs.js'

/** What @fastify/swagger's types accept as a schema: JSON Schema objects, typed loosely. */
type ComponentSchemas = Record<string, { description?: string }>

/* Every schema operations point to with `$ref`: a `$ref` to a name missing here would not resolve. */
const COMPONENTS: readonly DocComponent[] = [apiError, webhook, webhookFilters, delivery, ...eventInputs]

/** `components.schemas` of the OpenAPI document. */
export function componentSchemas (): ComponentSchemas {
  return Object.fromEntries(COMPONENTS.map((c) => [c.name, plainSchema(c.schema)])) as ComponentSchemas
}
