import { randomUUID } from 'node:crypto'
import { FakeService, isObject, type FakeAnswer, type FakeRequest } from './fake-service.js'

const TOPIC = /^[-_A-Za-z0-9]{1,64}$/

/** ntfy's JSON publish (`POST /` with `{topic, …}`), with its real error bodies (docs/publish.md). */
export class NtfyFake extends FakeService {
  /** `Authorization` value the server requires; undefined: anonymous publishing. */
  requiredAuth: string | undefined

  static async create (requiredAuth?: string): Promise<NtfyFake> {
    const fake = new NtfyFake()
    fake.requiredAuth = requiredAuth
    return fake.start()
  }

  static error (http: number, code: number, error: string): FakeAnswer {
    return { status: http, body: { code, http, error, link: 'https://ntfy.sh/docs/publish/' } }
  }

  protected check (req: FakeRequest): FakeAnswer | undefined {
    if (req.method !== 'POST' && req.method !== 'PUT') return this.reject(req, 'method', NtfyFake.error(405, 40501, 'method not allowed'))
    if (req.path !== '/') return this.reject(req, 'a JSON publish goes to the root', NtfyFake.error(400, 40024, 'invalid request: JSON publish must go to /'))
    if (this.requiredAuth !== undefined && req.headers.authorization !== this.requiredAuth) {
      return this.reject(req, `authorization ${String(req.headers.authorization)}`, NtfyFake.error(401, 40101, 'unauthorized'))
    }
    const m = req.json
    if (!isObject(m)) return this.reject(req, 'body is not a JSON object', NtfyFake.error(400, 40024, 'invalid request: JSON body'))
    if (typeof m.topic !== 'string' || !TOPIC.test(m.topic)) return this.reject(req, 'topic', NtfyFake.error(400, 40009, 'invalid topic'))
    if (typeof m.message !== 'string' || Buffer.byteLength(m.message) > 4096) return this.reject(req, 'message', NtfyFake.error(400, 40024, 'invalid request: message'))
    if (m.title !== undefined && typeof m.title !== 'string') return this.reject(req, 'title', NtfyFake.error(400, 40024, 'invalid request: title'))
    if (m.priority !== undefined && !(Number.isInteger(m.priority) && (m.priority as number) >= 1 && (m.priority as number) <= 5)) {
      return this.reject(req, 'priority', NtfyFake.error(400, 40007, 'invalid priority'))
    }
    if (m.tags !== undefined && !(Array.isArray(m.tags) && m.tags.every((t) => typeof t === 'string'))) return this.reject(req, 'tags', NtfyFake.error(400, 40024, 'invalid request: tags'))
    for (const key of ['click', 'attach']) {
      const v = m[key]
      if (v !== undefined && (typeof v !== 'string' || !/^https?:\/\//.test(v))) return this.reject(req, key, NtfyFake.error(400, 40013, `invalid ${key} URL`))
    }
    const known = new Set(['topic', 'message', 'title', 'tags', 'priority', 'actions', 'click', 'attach', 'markdown', 'icon', 'filename', 'delay', 'email', 'call'])
    for (const key of Object.keys(m)) if (!known.has(key)) return this.reject(req, `unknown field ${key}`, NtfyFake.error(400, 40024, `invalid request: ${key}`))
    return undefined
  }

  protected success (req: FakeRequest): FakeAnswer {
    const m = req.json as Record<string, unknown>
    const time = Math.floor(Date.now() / 1000)
    return {
      status: 200,
      body: {
        id: randomUUID().slice(0, 12),
        time,
        expires: time + 43200,
        event: 'message',
        topic: m.topic,
        title: m.title,
        message: m.message,
        priority: m.priority,
        tags: m.tags,
        click: m.click,
        ...(typeof m.attach === 'string' ? { attachment: { name: 'attachment.jpg', url: m.attach } } : {})
      }
    }
  }
}
