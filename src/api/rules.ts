import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ValidationError } from '../errors.js'
import { tooDeepAt } from '../events/json-depth.js'
import { MAX_RULES_BYTES, describeProblem, type CompiledRules } from '../decision/rules/rules-file.js'
import type { RulesSource } from '../decision/rules/rules-source.js'
import { RULES_DOCS } from './openapi/rules-docs.js'

export interface RulesRoutesOptions {
  /** The live rules (src/decision/rules/rules-source.ts). */
  readonly rules: Pick<RulesSource, 'kind' | 'file' | 'current' | 'replace'>
  readonly preHandler: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
}

/* Rules nest six levels deep; a deeper body is refused before it is re-serialised. */
const MAX_DEPTH = 32

/** What GET and PUT answer: where the rules live, the es_rules.json object, and its warnings. */
function rulesView (o: RulesRoutesOptions, rules: CompiledRules): Record<string, unknown> {
  return {
    source: o.rules.kind,
    file: o.rules.file ?? null,
    rules: rules.document,
    warnings: rules.warnings.map(describeProblem)
  }
}

/** `/api/v1/rules`: the es_rules.json mute rules (zmES §7), read and replaced whole, admin only. */
export async function rulesRoutes (app: FastifyInstance, o: RulesRoutesOptions): Promise<void> {
  const tags = ['rules']
  app.get('/api/v1/rules', { preHandler: o.preHandler, schema: { tags, summary: 'Read the es_rules.json mute rules' }, config: { docs: RULES_DOCS.read } }, async () => {
    return rulesView(o, o.rules.current())
  })

  app.put('/api/v1/rules', {
    preHandler: o.preHandler,
    bodyLimit: MAX_RULES_BYTES,
    schema: { tags, summary: 'Replace the es_rules.json mute rules (the file when one is configured)' },
    config: { docs: RULES_DOCS.replace }
  }, async (request) => {
    const body: unknown = request.body
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new ValidationError([{ field: 'body', message: 'must be a JSON object ({"notifications":{"monitors":{…}}})' }])
    }
    const deep = tooDeepAt(body, '', MAX_DEPTH)
    if (deep !== undefined) {
      throw new ValidationError([{ field: deep.slice(1).replaceAll('/', '.'), message: `is nested deeper than ${MAX_DEPTH} levels` }])
    }
    // Pretty for the people who also edit the file by hand; compact if that would pass the size limit.
    let text = `${JSON.stringify(body, null, 2)}\n`
    if (Buffer.byteLength(text) > MAX_RULES_BYTES) text = JSON.stringify(body)
    return rulesView(o, await o.rules.replace(text))
  })
}
