import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { NotFoundError, ValidationError } from '../errors.js'
import type { PushToken, TokenRegistry } from '../registry/contract.js'
import { TOKEN_DOCS } from './openapi/token-docs.js'

export interface TokenRoutesOptions {
  readonly tokens: TokenRegistry
  readonly preHandler: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
}

/** A push token as the API shows it: the tokens.txt fields plus Herald's badge and dates. */
function tokenView (t: PushToken): Record<string, unknown> {
  return {
    token: t.token,
    platform: t.platform,
    monlist: t.monlist,
    intlist: t.intlist,
    pushstate: t.pushstate,
    appversion: t.appversion,
    badge: t.badge,
    invocations: { count: t.invocations.count, at: t.invocations.at },
    profile: t.profile,
    created_date: new Date(t.createdAt).toISOString(),
    modified_date: new Date(t.updatedAt).toISOString()
  }
}

function tokenParam (params: unknown): string {
  const token = (params as { token?: string }).token
  if (token === undefined || token === '') throw new ValidationError([{ field: 'token', message: 'must not be empty' }])
  return token
}

/** `/api/v1/tokens`: the push tokens zmNinja registered, for admins to inspect and remove. */
export async function tokenRoutes (app: FastifyInstance, o: TokenRoutesOptions): Promise<void> {
  const tags = ['push tokens']
  app.get('/api/v1/tokens', { preHandler: o.preHandler, schema: { tags, summary: 'List push tokens' }, config: { docs: TOKEN_DOCS.list } }, async () => {
    return { results: o.tokens.list().map(tokenView) }
  })

  app.get('/api/v1/tokens/:token', { preHandler: o.preHandler, schema: { tags, summary: 'Read a push token' }, config: { docs: TOKEN_DOCS.read } }, async (request) => {
    const token = tokenParam(request.params)
    const found = o.tokens.get(token)
    if (found === undefined) throw new NotFoundError('push token not found')
    return tokenView(found)
  })

  app.delete('/api/v1/tokens/:token', {
    preHandler: o.preHandler,
    schema: { tags, summary: 'Remove a push token for good (with its throttle state)' },
    config: { docs: TOKEN_DOCS.remove }
  }, async (request, reply) => {
    if (!(await o.tokens.remove(tokenParam(request.params)))) throw new NotFoundError('push token not found')
    return reply.code(204).send()
  })
}
