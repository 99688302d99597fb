import { TargetUrlProblem, baseOption, checkOptions, clip, hostPort, maskedUrl, origin, type AppriseUrl } from './apprise-url.js'
import { classifyAnswer, clipBody, delivered, jsonBody, postJson, unexpectedAnswer } from './http-call.js'
import type { SendContext, SendResult, ServiceTarget } from './service.js'
import type { TargetMessage } from './target-message.js'

/*
 * Gotify (spec §3.6): `POST <base>/message` with the application token in X-Gotify-Key.
 *   gotify://host[:port]/<app token>               http
 *   gotifys://host[:port]/path/prefix/<app token>  https, Gotify behind a path
 * Options: ?priority= (0-10 or low, moderate, normal, high, emergency), ?base=.
 */

const OPTIONS = ['priority', 'base']
const TOKEN = /^[A-Za-z0-9._-]{1,128}$/
// A Map, not an object literal: `?priority=__proto__` or `constructor` must not find Object's members.
const PRIORITY_WORDS: ReadonlyMap<string, number> = new Map(Object.entries({ low: 1, moderate: 3, normal: 5, high: 8, emergency: 10 }))
const NORMAL = 5
/** The Android app's loudest importance. */
export const GOTIFY_URGENT = 10

export class GotifyTarget implements ServiceTarget {
  readonly service = 'gotify'
  readonly masked: string
  readonly secrets: readonly string[]
  readonly base: string
  readonly token: string
  readonly priority: number

  constructor (url: AppriseUrl) {
    checkOptions(url, 'Gotify', OPTIONS)
    if (url.user !== undefined) throw new TargetUrlProblem('has a user name; Gotify takes only the application token, as the last path segment')
    const token = url.segments.at(-1)
    if (token === undefined) throw new TargetUrlProblem('has no application token (gotify://host/<app token>)')
    if (!TOKEN.test(token)) throw new TargetUrlProblem('has an invalid Gotify application token (letters, digits, . _ -)')
    this.token = token
    const prefix = url.segments.slice(0, -1).map((s) => `/${encodeURIComponent(s)}`).join('')
    this.base = baseOption(url) ?? `${origin(url.scheme === 'gotifys', hostPort(url))}${prefix}`
    this.secrets = [token]
    this.masked = maskedUrl(url, { segments: [url.segments.length - 1] })
    const priority = url.query.get('priority')
    this.priority = priority === undefined ? NORMAL : parsePriority(priority)
  }

  payload (m: TargetMessage): Record<string, unknown> {
    const extras: Record<string, unknown> = { 'client::display': { contentType: 'text/plain' } }
    if (m.pictureUrl !== undefined) extras['client::notification'] = { click: { url: m.pictureUrl }, bigImageUrl: m.pictureUrl }
    return { title: m.title, message: m.body, priority: m.critical ? GOTIFY_URGENT : this.priority, extras }
  }

  async send (m: TargetMessage, ctx: SendContext): Promise<SendResult> {
    const call = await postJson(ctx, `${this.base}/message`, this.payload(m), { 'x-gotify-key': this.token })
    if (call.kind === 'failed') return { outcome: call.outcome }
    const answer = call.answer
    const body = jsonBody(answer)
    if (answer.statusCode >= 200 && answer.statusCode < 300) {
      return typeof body?.id === 'number' ? { outcome: delivered(answer) } : { outcome: unexpectedAnswer(answer, 'Gotify') }
    }
    const detail = typeof body?.errorDescription === 'string' ? body.errorDescription : clipBody(answer.bodyText)
    return { outcome: classifyAnswer(answer, ctx.now(), detail) }
  }
}

function parsePriority (value: string): number {
  const word = PRIORITY_WORDS.get(value.toLowerCase())
  if (word !== undefined) return word
  if (/^(?:\d|10)$/.test(value)) return Number(value)
  throw new TargetUrlProblem(`has ?priority=${clip(value)}; Gotify takes 0 to 10 or low, moderate, normal, high, emergency`)
}
