import { FakeService, isJsonRequest, isObject, type FakeAnswer, type FakeRequest } from './fake-service.js'

/** A Slack incoming webhook: `200 ok`, or an error code as plain text (api.slack.com/messaging/webhooks). */
export class SlackFake extends FakeService {
  /** `T…/B…/…` paths that exist. */
  readonly hooks = new Set<string>()
  readonly archived = new Set<string>()
  /** Slack cannot fetch image URLs (a LAN address): a message with an image block is refused. */
  unreachableImages = false

  static async create (hook: string): Promise<SlackFake> {
    const fake = new SlackFake()
    fake.hooks.add(hook)
    return fake.start()
  }

  static error (status: number, code: string): FakeAnswer {
    return { status, body: code }
  }

  protected check (req: FakeRequest): FakeAnswer | undefined {
    const m = /^\/services\/(.+)$/.exec(req.path)
    if (m === null) return this.reject(req, 'path', SlackFake.error(404, 'no_service'))
    const hook = m[1] as string
    if (!this.hooks.has(hook)) return SlackFake.error(404, 'no_service')
    if (this.archived.has(hook)) return SlackFake.error(410, 'channel_is_archived')
    if (req.method !== 'POST') return this.reject(req, 'method', SlackFake.error(405, 'invalid_method'))
    if (!isJsonRequest(req) || !isObject(req.json)) return this.reject(req, 'not JSON', SlackFake.error(400, 'invalid_payload'))
    const body = req.json
    if (typeof body.text !== 'string' || body.text === '') return this.reject(req, 'text', SlackFake.error(400, 'no_text'))
    if (body.blocks !== undefined) {
      if (!Array.isArray(body.blocks) || body.blocks.length > 50) return this.reject(req, 'blocks', SlackFake.error(400, 'invalid_blocks'))
      for (const block of body.blocks) {
        if (!isObject(block)) return this.reject(req, 'block', SlackFake.error(400, 'invalid_blocks'))
        if (block.type === 'section') {
          const text = block.text
          if (!isObject(text) || (text.type !== 'mrkdwn' && text.type !== 'plain_text') || typeof text.text !== 'string' || text.text.length > 3000) {
            return this.reject(req, 'section', SlackFake.error(400, 'invalid_blocks'))
          }
        } else if (block.type === 'image') {
          if (typeof block.image_url !== 'string' || !/^https?:\/\//.test(block.image_url) || typeof block.alt_text !== 'string') {
            return this.reject(req, 'image block', SlackFake.error(400, 'invalid_blocks'))
          }
          if (this.unreachableImages) return SlackFake.error(400, 'invalid_blocks')
        } else return this.reject(req, `block type ${String(block.type)}`, SlackFake.error(400, 'invalid_blocks'))
      }
    }
    return undefined
  }

  protected success (): FakeAnswer {
    return { status: 200, body: 'ok' }
  }
}
