import { Type } from '@sinclair/typebox'
import type { RouteDocs } from './route-docs.js'

/* /healthz and /metrics (src/api/operations.ts): no token. */

export const OPERATION_DOCS = {
  health: {
    response: {
      200: Type.Object({
        status: Type.Literal('ok'),
        version: Type.String({ description: 'Herald\'s version.' }),
        uptime_s: Type.Integer({ minimum: 0, description: 'Seconds since the API started.' })
      }, { description: 'Running, and the store answers.' }),
      503: Type.Object({
        status: Type.Literal('error'),
        version: Type.String(),
        store: Type.String({ description: 'Why the store did not answer.' })
      }, { description: 'The store does not answer.' })
    }
  },
  metrics: {
    response: {
      200: Type.Unsafe({
        description: 'The Prometheus text exposition format.',
        content: { 'text/plain': { schema: { type: 'string' } } }
      })
    }
  }
} satisfies Record<string, RouteDocs>
