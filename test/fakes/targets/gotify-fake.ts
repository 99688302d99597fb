import { FakeService, isJsonRequest, isObject, type FakeAnswer, type FakeRequest } from './fake-service.js'

/** Gotify's `POST /message` (docs/spec.json), application token in X-Gotify-Key. */
export class GotifyFake extends FakeService {
  readonly tokens = new Set<string>()
  /** Path prefix Gotify is served under (a reverse proxy). */
  prefix = ''
  #id = 0

  static async create (token: string, prefix = ''): Promise<GotifyFake> {
    const fake = new GotifyFake()
    fake.tokens.add(token)
    fake.prefix = prefix
    return fake.start()
  }

  static error (status: number, error: string, errorDescription: string): FakeAnswer {
    return { status, body: { error, errorCode: status, errorDescription } }
  }

  protected check (req: FakeRequest): FakeAnswer | undefined {
    if (req.path !== `${this.prefix}/message`) return this.reject(req, 'path', GotifyFake.error(404, 'Not Found', 'page not found'))
    if (req.method !== 'POST') return this.reject(req, 'method', GotifyFake.error(405, 'Method Not Allowed', 'method not allowed'))
    const key = req.headers['x-gotify-key'] ?? req.query.get('token') ?? /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
    if (typeof key !== 'string' || !this.tokens.has(key)) {
      return GotifyFake.error(401, 'Unauthorized', 'you need to provide a valid access token or user credentials to access this api')
    }
    if (!isJsonRequest(req) || !isObject(req.json)) return this.reject(req, 'not JSON', GotifyFake.error(400, 'Bad Request', 'invalid JSON'))
    const m = req.json
    if (typeof m.message !== 'string' || m.message === '') return this.reject(req, 'message', GotifyFake.error(400, 'Bad Request', "Field 'message' is required"))
    if (m.title !== undefined && typeof m.title !== 'string') return this.reject(req, 'title', GotifyFake.error(400, 'Bad Request', "Field 'title' must be a string"))
    if (m.priority !== undefined && !Number.isInteger(m.priority)) return this.reject(req, 'priority', GotifyFake.error(400, 'Bad Request', "Field 'priority' must be an integer"))
    if (m.extras !== undefined) {
      if (!isObject(m.extras)) return this.reject(req, 'extras', GotifyFake.error(400, 'Bad Request', "Field 'extras' must be an object"))
      for (const k of Object.keys(m.extras)) {
        if (!/^[a-z]+::(?:[a-z]+::)?[a-zA-Z]+$/.test(k)) return this.reject(req, `extras key ${k}`, GotifyFake.error(400, 'Bad Request', 'extras keys are namespaced'))
      }
    }
    return undefined
  }

  protected success (req: FakeRequest): FakeAnswer {
    const m = req.json as Record<string, unknown>
    return { status: 200, body: { id: ++this.#id, appid: 1, message: m.message, title: m.title ?? 'app', priority: m.priority ?? 0, extras: m.extras, date: new Date().toISOString() } }
  }
}
