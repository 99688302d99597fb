import { TargetUrlProblem, baseOption, checkOptions, clip, maskedUrl, type AppriseUrl } from './apprise-url.js'
import { classifyAnswer, clipBody, delivered, jsonBody, postJson, secondsToMs, unexpectedAnswer, type HttpAnswer } from './http-call.js'
import type { SendContext, SendResult, ServiceTarget } from './service.js'
import { escapeHtml, truncate, type TargetMessage } from './target-message.js'

/*
 * Telegram Bot API (spec §3.7): `POST https://api.telegram.org/bot<token>/sendPhoto` (the
 * picture by URL, the text as caption) or `sendMessage`, HTML parse mode, one request per chat.
 *   tgram://<bot token>/<chat id>[/<chat id>…]     chat ids are numbers or @channelnames
 * Options: ?base=.
 */

const CLOUD = 'https://api.telegram.org'
const OPTIONS = ['base']
const BOT_TOKEN = /^\d{1,20}:[A-Za-z0-9_-]{20,128}$/
const CHAT = /^(?:-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{3,31})$/
const MAX_TEXT = 4096
const MAX_CAPTION = 1024
const LINK_TEXT = 'View event'

export class TelegramTarget implements ServiceTarget {
  readonly service = 'telegram'
  readonly masked: string
  readonly secrets: readonly string[]
  readonly base: string
  readonly botToken: string
  readonly chats: readonly string[]

  constructor (url: AppriseUrl) {
    checkOptions(url, 'Telegram', OPTIONS)
    if (url.user !== undefined) throw new TargetUrlProblem('has a user part; Telegram takes tgram://<bot token>/<chat id>')
    // Apprise accepts the token as BotFather prints it and with the `bot` of the API path.
    const token = url.authority.startsWith('bot') ? url.authority.slice(3) : url.authority
    if (token === '') throw new TargetUrlProblem('has no bot token (tgram://<bot token>/<chat id>)')
    if (!BOT_TOKEN.test(token)) throw new TargetUrlProblem('has an invalid Telegram bot token (expected <digits>:<letters, digits, _ ->)')
    if (url.segments.length === 0) throw new TargetUrlProblem('has no chat id (tgram://<bot token>/<chat id>)')
    for (const chat of url.segments) {
      if (!CHAT.test(chat)) throw new TargetUrlProblem(`has an invalid Telegram chat id "${clip(chat)}" (a number or @channelname)`)
    }
    this.botToken = token
    this.chats = url.segments
    this.base = baseOption(url) ?? CLOUD
    this.secrets = [token]
    this.masked = maskedUrl(url, { authority: true })
  }

  /** `<b>title</b>`, the cause, and the link when the picture is not attached. */
  text (m: TargetMessage, withLink: boolean, max: number): string {
    const link = withLink && m.pictureUrl !== undefined ? `\n<a href="${escapeHtml(m.pictureUrl)}">${LINK_TEXT}</a>` : ''
    // Telegram's limits count the text after entity parsing, so the plain text is cut (never an
    // entity in half) and the markup is free.
    const title = truncate(m.title, 256)
    const body = truncate(m.body, Math.max(1, max - title.length - 1 - (link === '' ? 0 : LINK_TEXT.length + 1)))
    return `<b>${escapeHtml(title)}</b>\n${escapeHtml(body)}${link}`
  }

  async send (m: TargetMessage, ctx: SendContext): Promise<SendResult> {
    let last: SendResult | undefined
    for (const chat of this.chats) {
      if (ctx.done.has(chat)) continue
      const result = await this.#sendTo(chat, m, ctx)
      if (result.outcome.kind !== 'delivered') return result
      ctx.done.add(chat)
      last = result
    }
    return last ?? { outcome: { kind: 'delivered', statusCode: null, latencyMs: 0 } }
  }

  async #sendTo (chat: string, m: TargetMessage, ctx: SendContext): Promise<SendResult> {
    if (m.pictureUrl !== undefined) {
      const photo = await this.#call(ctx, 'sendPhoto', { chat_id: chat, photo: m.pictureUrl, caption: this.text(m, false, MAX_CAPTION), parse_mode: 'HTML' }, chat)
      // Telegram fetches the picture itself: a ZoneMinder on a LAN is out of its reach ("failed to
      // get HTTP URL content", "wrong type of the web page content"). The text with a link still goes.
      if (!photo.fallback) return photo.result
    }
    return (await this.#call(ctx, 'sendMessage', { chat_id: chat, text: this.text(m, true, MAX_TEXT), parse_mode: 'HTML' }, chat)).result
  }

  async #call (ctx: SendContext, method: string, payload: Record<string, unknown>, chat: string): Promise<{ result: SendResult, fallback: boolean }> {
    const call = await postJson(ctx, `${this.base}/bot${this.botToken}/${method}`, payload)
    if (call.kind === 'failed') return { result: { outcome: call.outcome }, fallback: false }
    return classifyTelegram(call.answer, ctx.now(), chat, method === 'sendPhoto')
  }
}

function classifyTelegram (answer: HttpAnswer, now: number, chat: string, photo: boolean): { result: SendResult, fallback: boolean } {
  const body = jsonBody(answer)
  if (answer.statusCode >= 200 && answer.statusCode < 300) {
    return { result: { outcome: body?.ok === true ? delivered(answer) : unexpectedAnswer(answer, 'Telegram') }, fallback: false }
  }
  const description = typeof body?.description === 'string' ? body.description : clipBody(answer.bodyText)
  const parameters = body?.parameters !== null && typeof body?.parameters === 'object' ? body.parameters as Record<string, unknown> : {}
  const outcome = classifyAnswer(answer, now, `chat ${chat}: ${description}`, answer.statusCode === 429 ? secondsToMs(parameters.retry_after) : undefined)
  const lower = description.toLowerCase()
  if (answer.statusCode === 401) return { result: { outcome, disable: `Telegram refuses the bot token (${description})` }, fallback: false }
  if (answer.statusCode === 403) return { result: { outcome, disable: `Telegram forbids the bot to write to chat ${chat} (${description})` }, fallback: false }
  if (answer.statusCode === 400 && lower.includes('chat not found')) {
    return { result: { outcome, disable: `Telegram does not know chat ${chat} (${description})` }, fallback: false }
  }
  if (answer.statusCode === 400 && typeof parameters.migrate_to_chat_id === 'number') {
    const error = `${outcome.kind === 'delivered' ? '' : outcome.error} (the group is now chat ${parameters.migrate_to_chat_id}: put that id in the URL)`
    return { result: { outcome: { kind: 'permanent', error, statusCode: 400, latencyMs: answer.latencyMs }, disable: `Telegram moved chat ${chat} to ${parameters.migrate_to_chat_id}` }, fallback: false }
  }
  // Any other 400 of sendPhoto is about the picture: fall back to text.
  return { result: { outcome }, fallback: photo && answer.statusCode === 400 }
}
