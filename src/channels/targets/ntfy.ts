import { TargetUrlProblem, baseOption, checkOptions, clip, hostPort, maskedUrl, origin, type AppriseUrl } from './apprise-url.js'
import { classifyAnswer, clipBody, delivered, jsonBody, postJson, unexpectedAnswer } from './http-call.js'
import type { SendContext, SendResult, ServiceTarget } from './service.js'
import { truncate, type TargetMessage } from './target-message.js'

/*
 * ntfy (spec §3.5): a JSON publish to the server root, one request per topic.
 *   ntfy://topic                       ntfy.sh
 *   ntfy://host[:port]/topic[/topic…]  http
 *   ntfys://user:pass@host/topic       https, Basic auth
 *   ntfys://token@host/topic           https, Bearer token (tk_…)
 * Options: ?priority= (1-5 or min, low, default, high, max, urgent), ?tags=a,b, ?click=, ?attach=, ?base=.
 */

const CLOUD = 'https://ntfy.sh'
const OPTIONS = ['priority', 'tags', 'click', 'attach', 'base']
const TOPIC = /^[-_A-Za-z0-9]{1,64}$/
// A Map, not an object literal: `?priority=__proto__` or `constructor` must not find Object's members.
const PRIORITY_WORDS: ReadonlyMap<string, number> = new Map(Object.entries({ min: 1, low: 2, default: 3, high: 4, max: 5, urgent: 5 }))
/** ntfy's own limit; longer messages become attachments, which a JSON publish cannot carry. */
const MAX_MESSAGE = 4096
export const NTFY_URGENT = 5

export type NtfyAuth = { readonly kind: 'basic', readonly user: string, readonly password: string } | { readonly kind: 'bearer', readonly token: string }

export class NtfyTarget implements ServiceTarget {
  readonly service = 'ntfy'
  readonly masked: string
  readonly secrets: readonly string[]
  readonly base: string
  readonly topics: readonly string[]
  readonly auth: NtfyAuth | undefined
  readonly priority: number | undefined
  readonly tags: readonly string[]
  readonly click: string | undefined
  readonly attach: string | undefined

  constructor (url: AppriseUrl) {
    checkOptions(url, 'ntfy', OPTIONS)
    const tls = url.scheme === 'ntfys'
    const base = baseOption(url)
    if (url.segments.length === 0) {
      // ntfy://topic: the public server.
      this.topics = [url.authority]
      this.base = base ?? CLOUD
    } else {
      this.topics = url.segments
      this.base = base ?? origin(tls, hostPort(url))
    }
    for (const topic of this.topics) {
      if (!TOPIC.test(topic)) throw new TargetUrlProblem(`has an invalid ntfy topic "${clip(topic)}" (1 to 64 of A-Z a-z 0-9 _ -)`)
    }
    if (url.user !== undefined && url.user !== '' && url.password !== undefined) {
      this.auth = { kind: 'basic', user: url.user, password: url.password }
    } else if (url.user !== undefined && url.user !== '') {
      this.auth = { kind: 'bearer', token: url.user }
    } else if (url.password !== undefined) {
      throw new TargetUrlProblem('has a password without a user name')
    }
    this.secrets = this.auth === undefined ? [] : this.auth.kind === 'basic' ? [this.auth.password] : [this.auth.token]
    this.masked = maskedUrl(url, { user: this.auth?.kind === 'bearer', password: true })
    this.priority = parsePriority(url.query.get('priority'))
    const tags = url.query.get('tags')
    this.tags = tags === undefined ? [] : tags.split(',').map((t) => t.trim()).filter((t) => t !== '')
    this.click = url.query.get('click')
    this.attach = url.query.get('attach')
  }

  /** The JSON publish body for one topic. */
  payload (topic: string, m: TargetMessage): Record<string, unknown> {
    const click = this.click ?? m.pictureUrl
    const attach = this.attach ?? m.pictureUrl
    return {
      topic,
      title: m.title,
      message: truncate(m.body, MAX_MESSAGE),
      priority: m.critical ? NTFY_URGENT : this.priority ?? 3,
      tags: this.tags,
      ...(click !== undefined ? { click } : {}),
      ...(attach !== undefined ? { attach } : {})
    }
  }

  headers (): Record<string, string> {
    if (this.auth === undefined) return {}
    if (this.auth.kind === 'bearer') return { authorization: `Bearer ${this.auth.token}` }
    return { authorization: `Basic ${Buffer.from(`${this.auth.user}:${this.auth.password}`).toString('base64')}` }
  }

  async send (m: TargetMessage, ctx: SendContext): Promise<SendResult> {
    let last: SendResult | undefined
    for (const topic of this.topics) {
      if (ctx.done.has(topic)) continue
      const call = await postJson(ctx, `${this.base}/`, this.payload(topic, m), this.headers())
      if (call.kind === 'failed') return { outcome: call.outcome }
      const answer = call.answer
      if (answer.statusCode >= 200 && answer.statusCode < 300) {
        // ntfy answers the stored message; anything else is not ntfy.
        if (typeof jsonBody(answer)?.id !== 'string') return { outcome: unexpectedAnswer(answer, 'ntfy') }
        ctx.done.add(topic)
        last = { outcome: delivered(answer) }
        continue
      }
      const body = jsonBody(answer)
      const detail = typeof body?.error === 'string' ? body.error : clipBody(answer.bodyText)
      return { outcome: classifyAnswer(answer, ctx.now(), `topic ${topic}: ${detail}`) }
    }
    return last ?? { outcome: { kind: 'delivered', statusCode: null, latencyMs: 0 } }
  }
}

function parsePriority (value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const word = PRIORITY_WORDS.get(value.toLowerCase())
  if (word !== undefined) return word
  if (/^[1-5]$/.test(value)) return Number(value)
  throw new TargetUrlProblem(`has ?priority=${clip(value)}; ntfy takes 1 to 5 or min, low, default, high, max, urgent`)
}
