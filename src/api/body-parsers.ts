import type { FastifyInstance } from 'fastify'

/**
 * What request bodies the API reads: JSON only. fastify would hand a text/plain body over as a
 * string, which then fails as "must be an object"; 415 says what is actually wrong.
 * An empty body is no body, whatever its content type says: scripts send
 * `Content-Type: application/json` on every request, DELETE and bodiless POSTs (resend,
 * rotate-secret) included, and FindFace answers those. Routes that need a body say so (400).
 */
export function registerBodyParsers (app: FastifyInstance): void {
  app.removeContentTypeParser('text/plain')
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8')
    if (text === '') done(null, undefined)
    else parseJson(request, text, done)
  })
}
