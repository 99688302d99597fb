import { TargetUrlProblem, baseOption, checkOptions, maskedUrl, type AppriseUrl } from './apprise-url.js'
import { classifyAnswer, clipBody, delivered, jsonBody, postJson, secondsToMs } from './http-call.js'
import type { SendContext, SendResult, ServiceTarget } from './service.js'
import { truncate, type TargetMessage } from './target-message.js'

/*
 * Discord webhooks (spec §3.8): JSON `{content, embeds}` to `…/api/webhooks/<id>/<token>?wait=true`.
 *   discord://[<bot name>@]<webhook id>/<webhook token>
 *   https://discord.com/api/webhooks/<webhook id>/<webhook token>
 * Options: ?base= (discord:// form).
 */

const CLOUD = 'https://discord.com'
const OPTIONS = ['base', 'wait']
const ID = /^\d{1,32}$/
const TOKEN = /^[A-Za-z0-9_.-]{1,128}$/
const COLOR_ALARM = 0xe67e22
const COLOR_CRITICAL = 0xe74c3c
const COLOR_ENDED = 0x95a5a6

export class DiscordTarget implements ServiceTarget {
  readonly service = 'discord'
  readonly masked: string
  readonly secrets: readonly string[]
  readonly base: string
  readonly webhookId: string
  readonly webhookToken: string
  readonly username: string | undefined

  constructor (url: AppriseUrl) {
    checkOptions(url, 'Discord', OPTIONS)
    let id: string | undefined
    let token: string | undefined
    let hide: { authority?: boolean, segments: number[] }
    if (url.scheme === 'https') {
      // https://discord.com/api/webhooks/<id>/<token>
      if (url.segments[0] !== 'api' || url.segments[1] !== 'webhooks' || url.segments.length !== 4) {
        throw new TargetUrlProblem('is not a Discord webhook URL (https://discord.com/api/webhooks/<id>/<token>)')
      }
      id = url.segments[2]
      token = url.segments[3]
      hide = { segments: [3] }
      this.base = `https://${url.authority}`
      this.username = undefined
    } else {
      if (url.segments.length !== 1) throw new TargetUrlProblem('needs discord://<webhook id>/<webhook token>')
      id = url.authority
      token = url.segments[0]
      hide = { segments: [0] }
      this.base = baseOption(url) ?? CLOUD
      this.username = url.user === '' || url.user === undefined ? undefined : truncate(url.user, 80)
    }
    if (id === undefined || !ID.test(id)) throw new TargetUrlProblem('has an invalid Discord webhook id (digits)')
    if (token === undefined || !TOKEN.test(token)) throw new TargetUrlProblem('has an invalid Discord webhook token')
    this.webhookId = id
    this.webhookToken = token
    this.secrets = [token]
    this.masked = maskedUrl(url, hide)
  }

  payload (m: TargetMessage): Record<string, unknown> {
    const embed: Record<string, unknown> = {
      title: truncate(m.title, 256),
      description: truncate(m.body, 4096),
      color: m.critical ? COLOR_CRITICAL : m.ended ? COLOR_ENDED : COLOR_ALARM,
      timestamp: new Date(m.at).toISOString()
    }
    if (m.pictureUrl !== undefined) {
      embed.url = m.pictureUrl
      embed.image = { url: m.pictureUrl }
    }
    const body: Record<string, unknown> = {
      content: truncate(m.title, 2000),
      embeds: [embed],
      // A monitor named "@everyone" must not ping a whole server.
      allowed_mentions: { parse: [] }
    }
    if (this.username !== undefined) body.username = this.username
    return body
  }

  async send (m: TargetMessage, ctx: SendContext): Promise<SendResult> {
    const call = await postJson(ctx, `${this.base}/api/webhooks/${this.webhookId}/${this.webhookToken}?wait=true`, this.payload(m))
    if (call.kind === 'failed') return { outcome: call.outcome }
    const answer = call.answer
    if (answer.statusCode >= 200 && answer.statusCode < 300) return { outcome: delivered(answer) }
    const body = jsonBody(answer)
    const detail = typeof body?.message === 'string' ? body.message : clipBody(answer.bodyText)
    // The body's retry_after (seconds, fractional) is more precise than the header's whole seconds.
    const outcome = classifyAnswer(answer, ctx.now(), detail, answer.statusCode === 429 ? secondsToMs(body?.retry_after) : undefined)
    if (answer.statusCode === 404) return { outcome, disable: `Discord says the webhook does not exist (${detail})` }
    if (answer.statusCode === 401) return { outcome, disable: `Discord refuses the webhook token (${detail})` }
    return { outcome }
  }
}
