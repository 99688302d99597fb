import { FakeService, isJsonRequest, isObject, type FakeAnswer, type FakeRequest } from './fake-service.js'

/**
 * The Telegram Bot API's `sendMessage` and `sendPhoto` (JSON, photo by URL), with its real
 * answers: `{ok: true, result}` or `{ok: false, error_code, description, parameters?}`.
 */
export class TelegramFake extends FakeService {
  readonly tokens = new Set<string>()
  readonly chats = new Set<string>()
  /** Chats where the bot was blocked or kicked: 403. */
  readonly blocked = new Set<string>()
  /** Telegram cannot fetch photo URLs (a picture on a LAN): sendPhoto answers 400. */
  unreachablePhotos = false
  #messageId = 0

  static async create (token: string, chats: string[]): Promise<TelegramFake> {
    const fake = new TelegramFake()
    fake.tokens.add(token)
    for (const c of chats) fake.chats.add(c)
    return fake.start()
  }

  static error (code: number, description: string, parameters?: Record<string, number>): FakeAnswer {
    return { status: code, body: { ok: false, error_code: code, description, ...(parameters !== undefined ? { parameters } : {}) } }
  }

  /** `429` the way Telegram sends it: the wait in the body's parameters.retry_after. */
  static tooMany (seconds: number): FakeAnswer {
    return TelegramFake.error(429, `Too Many Requests: retry after ${seconds}`, { retry_after: seconds })
  }

  protected check (req: FakeRequest): FakeAnswer | undefined {
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(req.path)
    if (m === null) return this.reject(req, 'path', TelegramFake.error(404, 'Not Found'))
    if (!this.tokens.has(m[1] as string)) return TelegramFake.error(401, 'Unauthorized')
    const method = m[2] as string
    if (method !== 'sendMessage' && method !== 'sendPhoto') return this.reject(req, `method ${method}`, TelegramFake.error(404, 'Not Found'))
    if (req.method !== 'POST' || !isJsonRequest(req) || !isObject(req.json)) return this.reject(req, 'not a JSON POST', TelegramFake.error(400, 'Bad Request: message text is empty'))
    const body = req.json
    const chat = body.chat_id
    if (typeof chat !== 'string' && typeof chat !== 'number') return this.reject(req, 'chat_id', TelegramFake.error(400, 'Bad Request: chat_id is empty'))
    if (!this.chats.has(String(chat))) return TelegramFake.error(400, 'Bad Request: chat not found')
    if (this.blocked.has(String(chat))) return TelegramFake.error(403, 'Forbidden: bot was blocked by the user')
    const text = method === 'sendMessage' ? body.text : body.caption
    if (method === 'sendMessage' && (typeof text !== 'string' || text === '')) return this.reject(req, 'text', TelegramFake.error(400, 'Bad Request: message text is empty'))
    if (typeof text === 'string') {
      if (body.parse_mode !== 'HTML') return this.reject(req, 'parse_mode', TelegramFake.error(400, 'Bad Request: unsupported parse_mode'))
      const entities = htmlProblem(text)
      if (entities !== undefined) return this.reject(req, entities, TelegramFake.error(400, `Bad Request: can't parse entities: ${entities}`))
      const visible = plain(text).length
      if (visible > (method === 'sendMessage' ? 4096 : 1024)) return this.reject(req, 'too long', TelegramFake.error(400, method === 'sendMessage' ? 'Bad Request: message is too long' : 'Bad Request: message caption is too long'))
    }
    if (method === 'sendPhoto') {
      if (typeof body.photo !== 'string' || body.photo === '') return this.reject(req, 'photo', TelegramFake.error(400, 'Bad Request: there is no photo in the request'))
      if (this.unreachablePhotos) return TelegramFake.error(400, 'Bad Request: wrong file identifier/HTTP URL specified')
    }
    return undefined
  }

  protected success (req: FakeRequest): FakeAnswer {
    const body = req.json as Record<string, unknown>
    return { status: 200, body: { ok: true, result: { message_id: ++this.#messageId, chat: { id: body.chat_id, type: 'private' }, date: Math.floor(Date.now() / 1000), text: body.text } } }
  }
}

/** Telegram's HTML mode: a few tags, and `<`, `>`, `&` only as entities. */
function htmlProblem (text: string): string | undefined {
  const stack: string[] = []
  const re = /<(\/?)([a-z]+)((?:\s+[a-z]+="[^"<>]*")*)\s*>|&(?:lt|gt|amp|quot|#39);|[<>&]/g
  for (const m of text.matchAll(re)) {
    const token = m[0]
    if (token === '<' || token === '>' || token === '&') return `unexpected "${token}" at byte offset ${m.index}`
    if (token.startsWith('&')) continue
    const tag = m[2] as string
    if (!['b', 'strong', 'i', 'em', 'u', 's', 'a', 'code', 'pre'].includes(tag)) return `unsupported start tag "${tag}"`
    if (m[1] === '/') {
      if (stack.pop() !== tag) return `unexpected end tag "${tag}"`
    } else stack.push(tag)
  }
  return stack.length > 0 ? `can't find end tag corresponding to start tag "${stack.at(-1) ?? ''}"` : undefined
}

function plain (text: string): string {
  return text.replace(/<[^>]+>/g, '').replace(/&(?:lt|gt|amp|quot|#39);/g, 'x')
}
