import { randomUUID } from 'node:crypto'
import { FakeService, isJsonRequest, isObject, type FakeAnswer, type FakeRequest } from './fake-service.js'

/** A Discord webhook: `POST /api/webhooks/<id>/<token>[?wait=true]` (discord.com/developers/docs/resources/webhook). */
export class DiscordFake extends FakeService {
  /** id → token of the webhooks that exist. */
  readonly hooks = new Map<string, string>()

  static async create (id: string, token: string): Promise<DiscordFake> {
    const fake = new DiscordFake()
    fake.hooks.set(id, token)
    return fake.start()
  }

  static error (status: number, message: string, code: number): FakeAnswer {
    return { status, body: { message, code } }
  }

  /** Discord's 429: the wait in seconds (fractional) in the body, whole seconds in Retry-After. */
  static tooMany (seconds: number): FakeAnswer {
    return { status: 429, headers: { 'retry-after': String(Math.ceil(seconds)) }, body: { message: 'You are being rate limited.', retry_after: seconds, global: false } }
  }

  protected check (req: FakeRequest): FakeAnswer | undefined {
    const m = /^\/api\/webhooks\/(\d+)\/([^/]+)$/.exec(req.path)
    if (m === null) return this.reject(req, 'path', DiscordFake.error(404, '404: Not Found', 0))
    const token = this.hooks.get(m[1] as string)
    if (token === undefined) return DiscordFake.error(404, 'Unknown Webhook', 10015)
    if (token !== m[2]) return DiscordFake.error(401, 'Invalid Webhook Token', 50027)
    if (req.method !== 'POST') return this.reject(req, 'method', DiscordFake.error(405, '405: Method Not Allowed', 0))
    if (!isJsonRequest(req) || !isObject(req.json)) return this.reject(req, 'not JSON', DiscordFake.error(400, 'Cannot send an empty message', 50006))
    const body = req.json
    const embeds = body.embeds
    if ((typeof body.content !== 'string' || body.content === '') && !(Array.isArray(embeds) && embeds.length > 0)) {
      return this.reject(req, 'empty', DiscordFake.error(400, 'Cannot send an empty message', 50006))
    }
    if (typeof body.content === 'string' && body.content.length > 2000) return this.reject(req, 'content too long', DiscordFake.error(400, 'Invalid Form Body', 50035))
    if (embeds !== undefined) {
      if (!Array.isArray(embeds) || embeds.length > 10) return this.reject(req, 'embeds', DiscordFake.error(400, 'Invalid Form Body', 50035))
      for (const e of embeds) {
        if (!isObject(e)) return this.reject(req, 'embed', DiscordFake.error(400, 'Invalid Form Body', 50035))
        if (e.title !== undefined && (typeof e.title !== 'string' || e.title.length > 256)) return this.reject(req, 'embed title', DiscordFake.error(400, 'Invalid Form Body', 50035))
        if (e.description !== undefined && (typeof e.description !== 'string' || e.description.length > 4096)) return this.reject(req, 'embed description', DiscordFake.error(400, 'Invalid Form Body', 50035))
        if (e.color !== undefined && !(Number.isInteger(e.color) && (e.color as number) >= 0 && (e.color as number) <= 0xffffff)) return this.reject(req, 'embed color', DiscordFake.error(400, 'Invalid Form Body', 50035))
        if (e.image !== undefined && !(isObject(e.image) && typeof e.image.url === 'string' && /^(?:https?|attachment):\/\//.test(e.image.url))) {
          return this.reject(req, 'embed image', DiscordFake.error(400, 'Invalid Form Body', 50035))
        }
        if (e.timestamp !== undefined && (typeof e.timestamp !== 'string' || Number.isNaN(Date.parse(e.timestamp)))) return this.reject(req, 'embed timestamp', DiscordFake.error(400, 'Invalid Form Body', 50035))
      }
    }
    return undefined
  }

  protected success (req: FakeRequest): FakeAnswer {
    if (req.query.get('wait') !== 'true') return { status: 204 }
    const body = req.json as Record<string, unknown>
    return { status: 200, body: { id: randomUUID(), type: 0, channel_id: '1', content: body.content, embeds: body.embeds, webhook_id: '1' } }
  }
}
