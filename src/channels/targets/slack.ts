import { TargetUrlProblem, baseOption, checkOptions, maskedUrl, type AppriseUrl } from './apprise-url.js'
import { classifyAnswer, clipBody, delivered, postJson, unexpectedAnswer } from './http-call.js'
import type { SendContext, SendResult, ServiceTarget } from './service.js'
import { truncate, type TargetMessage } from './target-message.js'

/*
 * Slack incoming webhooks (spec §3.8): JSON `{text, blocks}`; success is `200 ok`, errors are
 * plain-text codes.
 *   slack://<token A>/<token B>/<token C>[/#channel]
 *   https://hooks.slack.com/services/<token A>/<token B>/<token C>
 * Options: ?base= (slack:// form).
 */

const CLOUD = 'https://hooks.slack.com'
const OPTIONS = ['base']
const TOKEN = /^[A-Za-z0-9]{1,64}$/
const CHANNEL = /^[#@]?[A-Za-z0-9._-]{1,80}$/
/** Answers that mean the webhook is gone or switched off for good. */
const GONE = new Set(['no_service', 'no_team', 'team_disabled', 'invalid_token', 'channel_not_found', 'channel_is_archived'])
/** Slack could not fetch or use the picture: send again without the image block. */
const BAD_IMAGE = new Set(['invalid_blocks', 'invalid_blocks_format'])

export class SlackTarget implements ServiceTarget {
  readonly service = 'slack'
  readonly masked: string
  readonly secrets: readonly string[]
  readonly base: string
  readonly tokens: readonly [string, string, string]
  readonly channel: string | undefined
  readonly username: string | undefined

  constructor (url: AppriseUrl) {
    checkOptions(url, 'Slack', OPTIONS)
    let parts: string[]
    let hide: number
    if (url.scheme === 'https') {
      // https://hooks.slack.com/services/T…/B…/…
      if (url.segments[0] !== 'services' || url.segments.length !== 4) throw new TargetUrlProblem('is not a Slack webhook URL (https://hooks.slack.com/services/<A>/<B>/<C>)')
      parts = url.segments.slice(1)
      hide = 3
      this.base = `https://${url.authority}`
      this.username = undefined
    } else {
      parts = [url.authority, ...url.segments]
      // Apprise writes the channel as a last segment: `/#channel` or `/@user`.
      const last = parts.at(-1)
      const channel = parts.length === 4 && last !== undefined && /^[#@]/.test(last) ? parts.pop() : undefined
      if (parts.length !== 3) throw new TargetUrlProblem('needs three tokens: slack://<token A>/<token B>/<token C>[/#channel]')
      if (channel !== undefined && !CHANNEL.test(channel)) throw new TargetUrlProblem('has an invalid Slack channel')
      hide = 1
      this.base = baseOption(url) ?? CLOUD
      this.username = url.user === '' ? undefined : url.user
      this.channel = channel
    }
    for (const t of parts) if (!TOKEN.test(t)) throw new TargetUrlProblem('has an invalid Slack token (letters and digits)')
    this.tokens = parts as [string, string, string]
    this.secrets = [this.tokens[2]]
    this.masked = maskedUrl(url, { segments: [hide] })
  }

  payload (m: TargetMessage, withImage: boolean): Record<string, unknown> {
    const link = m.pictureUrl === undefined ? '' : `\n<${m.pictureUrl.replace(/[<>|]/g, encodeURIComponent)}|View event>`
    const blocks: unknown[] = [{ type: 'section', text: { type: 'mrkdwn', text: truncate(`*${mrkdwn(m.title)}*\n${mrkdwn(m.body)}`, 2900) + link } }]
    if (withImage && m.pictureUrl !== undefined) blocks.push({ type: 'image', image_url: m.pictureUrl, alt_text: truncate(m.title, 2000) })
    const body: Record<string, unknown> = { text: `${m.title}: ${m.body}`, blocks }
    if (this.channel !== undefined) body.channel = this.channel
    if (this.username !== undefined) body.username = this.username
    return body
  }

  async send (m: TargetMessage, ctx: SendContext): Promise<SendResult> {
    const url = `${this.base}/services/${this.tokens.join('/')}`
    let result = await this.#post(ctx, url, this.payload(m, true))
    // Slack fetches the image itself and refuses the whole message when it cannot (a LAN address).
    if (result.retryWithoutImage && m.pictureUrl !== undefined) result = await this.#post(ctx, url, this.payload(m, false))
    return result.result
  }

  async #post (ctx: SendContext, url: string, payload: Record<string, unknown>): Promise<{ result: SendResult, retryWithoutImage: boolean }> {
    const call = await postJson(ctx, url, payload)
    if (call.kind === 'failed') return { result: { outcome: call.outcome }, retryWithoutImage: false }
    const answer = call.answer
    const code = answer.bodyText.trim()
    if (answer.statusCode >= 200 && answer.statusCode < 300) {
      return { result: { outcome: code === 'ok' ? delivered(answer) : unexpectedAnswer(answer, 'Slack') }, retryWithoutImage: false }
    }
    const outcome = classifyAnswer(answer, ctx.now(), clipBody(code))
    if (GONE.has(code)) return { result: { outcome, disable: `Slack answers ${code}: the webhook or its channel is gone` }, retryWithoutImage: false }
    return { result: { outcome }, retryWithoutImage: answer.statusCode === 400 && BAD_IMAGE.has(code) }
  }
}

/** Slack's three control characters in mrkdwn text. */
function mrkdwn (text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'))
}
