import { randomUUID } from 'node:crypto'
import { FakeService, isJsonRequest, isObject, type FakeAnswer, type FakeRequest } from './fake-service.js'

/** Pushover's `POST /1/messages.json` (JSON form), with its real answers (api.html). */
export class PushoverFake extends FakeService {
  readonly users = new Set<string>()
  readonly tokens = new Set<string>()

  static async create (user: string, token: string): Promise<PushoverFake> {
    const fake = new PushoverFake()
    fake.users.add(user)
    fake.tokens.add(token)
    return fake.start()
  }

  static error (status: number, errors: string[], extra: Record<string, string> = {}): FakeAnswer {
    return { status, body: { ...extra, errors, status: 0, request: randomUUID() } }
  }

  protected check (req: FakeRequest): FakeAnswer | undefined {
    if (req.method !== 'POST') return this.reject(req, 'method', PushoverFake.error(405, ['method not allowed']))
    if (req.path !== '/1/messages.json') return this.reject(req, 'path', { status: 404, body: 'Not Found' })
    if (!isJsonRequest(req) || !isObject(req.json)) return this.reject(req, 'not a JSON body', PushoverFake.error(400, ['message cannot be blank']))
    const m = req.json
    // Pushover checks the application token first, then the user key.
    if (typeof m.token !== 'string' || !this.tokens.has(m.token)) return PushoverFake.error(400, ['application token is invalid'], { token: 'invalid' })
    if (typeof m.user !== 'string' || !this.users.has(m.user)) return PushoverFake.error(400, ['user identifier is not a valid user, group, or subscribed user key'], { user: 'invalid' })
    if (typeof m.message !== 'string' || m.message === '') return this.reject(req, 'message', PushoverFake.error(400, ['message cannot be blank'], { message: 'cannot be blank' }))
    if (m.message.length > 1024) return this.reject(req, 'message too long', PushoverFake.error(400, ['message is too long']))
    if (m.title !== undefined && (typeof m.title !== 'string' || m.title.length > 250)) return this.reject(req, 'title', PushoverFake.error(400, ['title is too long']))
    if (m.priority !== undefined && !(Number.isInteger(m.priority) && (m.priority as number) >= -2 && (m.priority as number) <= 2)) {
      return this.reject(req, 'priority', PushoverFake.error(400, ['priority is invalid']))
    }
    if (m.priority === 2 && !(Number.isInteger(m.retry) && (m.retry as number) >= 30 && Number.isInteger(m.expire) && (m.expire as number) <= 10800)) {
      return this.reject(req, 'emergency without retry/expire', PushoverFake.error(400, ['retry is invalid']))
    }
    if (m.url !== undefined && (typeof m.url !== 'string' || m.url.length > 512)) return this.reject(req, 'url', PushoverFake.error(400, ['url is too long']))
    if (m.url_title !== undefined && (typeof m.url_title !== 'string' || m.url_title.length > 100)) return this.reject(req, 'url_title', PushoverFake.error(400, ['url_title is too long']))
    const known = new Set(['token', 'user', 'message', 'title', 'priority', 'retry', 'expire', 'url', 'url_title', 'sound', 'device', 'timestamp', 'html', 'monospace', 'ttl'])
    for (const key of Object.keys(m)) if (!known.has(key)) return this.reject(req, `unknown field ${key}`, PushoverFake.error(400, [`${key} is invalid`]))
    return undefined
  }

  protected success (req: FakeRequest): FakeAnswer {
    const m = req.json as Record<string, unknown>
    return { status: 200, body: m.priority === 2 ? { status: 1, request: randomUUID(), receipt: 'r'.repeat(30) } : { status: 1, request: randomUUID() } }
  }
}
