import { TargetUrlProblem, baseOption, checkOptions, clip, maskedUrl, type AppriseUrl } from './apprise-url.js'
import { classifyAnswer, clipBody, delivered, jsonBody, postJson, unexpectedAnswer } from './http-call.js'
import type { SendContext, SendResult, ServiceTarget } from './service.js'
import { truncate, type TargetMessage } from './target-message.js'

/*
 * Pushover (spec §3.4): `POST https://api.pushover.net/1/messages.json`, JSON.
 *   pover://<user key>@<app token>[/<device>…]
 * Options: ?priority= (-2 to 2 or lowest, low, normal, high, emergency), ?sound=, ?base=.
 */

const CLOUD = 'https://api.pushover.net'
const OPTIONS = ['priority', 'sound', 'base']
const KEY = /^[A-Za-z0-9]{30}$/
const DEVICE = /^[A-Za-z0-9_-]{1,25}$/
const SOUND = /^[A-Za-z0-9_-]{1,32}$/
// A Map, not an object literal: `?priority=__proto__` or `constructor` must not find Object's members.
const PRIORITY_WORDS: ReadonlyMap<string, number> = new Map(Object.entries({ lowest: -2, low: -1, normal: 0, high: 1, emergency: 2 }))
/** High priority: bypasses the user's quiet hours, without emergency's acknowledgement loop. */
export const PUSHOVER_HIGH = 1
const EMERGENCY = 2
/* Emergency priority needs a repeat interval and an expiry (Pushover's minimum retry is 30 s). */
const EMERGENCY_RETRY_S = 900
const EMERGENCY_EXPIRE_S = 3600

export class PushoverTarget implements ServiceTarget {
  readonly service = 'pushover'
  readonly masked: string
  readonly secrets: readonly string[]
  readonly base: string
  readonly userKey: string
  readonly appToken: string
  readonly devices: readonly string[]
  readonly priority: number | undefined
  readonly sound: string | undefined

  constructor (url: AppriseUrl) {
    checkOptions(url, 'Pushover', OPTIONS)
    if (url.user === undefined || url.user === '') throw new TargetUrlProblem('has no user key (pover://<user key>@<app token>)')
    if (url.password !== undefined) throw new TargetUrlProblem('has a password; Pushover takes pover://<user key>@<app token>')
    if (!KEY.test(url.user)) throw new TargetUrlProblem('has an invalid Pushover user key (30 letters and digits)')
    if (url.authority === '') throw new TargetUrlProblem('has no application token (pover://<user key>@<app token>)')
    if (!KEY.test(url.authority)) throw new TargetUrlProblem('has an invalid Pushover application token (30 letters and digits)')
    for (const device of url.segments) {
      if (!DEVICE.test(device)) throw new TargetUrlProblem(`has an invalid Pushover device name "${clip(device)}" (1 to 25 of A-Z a-z 0-9 _ -)`)
    }
    this.userKey = url.user
    this.appToken = url.authority
    this.devices = url.segments
    this.base = baseOption(url) ?? CLOUD
    this.secrets = [url.user, url.authority]
    this.masked = maskedUrl(url, { user: true, authority: true })
    const priority = url.query.get('priority')
    this.priority = priority === undefined ? undefined : parsePriority(priority)
    const sound = url.query.get('sound')
    if (sound !== undefined && !SOUND.test(sound)) throw new TargetUrlProblem(`has an invalid ?sound=${clip(sound)}`)
    this.sound = sound
  }

  payload (m: TargetMessage): Record<string, unknown> {
    const priority = m.critical ? Math.max(PUSHOVER_HIGH, this.priority ?? 0) : this.priority
    const body: Record<string, unknown> = {
      token: this.appToken,
      user: this.userKey,
      title: truncate(m.title, 250),
      message: truncate(m.body, 1024),
      timestamp: Math.floor(m.at / 1000)
    }
    if (priority !== undefined) body.priority = priority
    if (priority === EMERGENCY) {
      body.retry = EMERGENCY_RETRY_S
      body.expire = EMERGENCY_EXPIRE_S
    }
    if (m.pictureUrl !== undefined && m.pictureUrl.length <= 512) {
      body.url = m.pictureUrl
      body.url_title = 'View event'
    }
    if (this.sound !== undefined) body.sound = this.sound
    if (this.devices.length > 0) body.device = this.devices.join(',')
    return body
  }

  async send (m: TargetMessage, ctx: SendContext): Promise<SendResult> {
    const call = await postJson(ctx, `${this.base}/1/messages.json`, this.payload(m))
    if (call.kind === 'failed') return { outcome: call.outcome }
    const answer = call.answer
    const body = jsonBody(answer)
    if (answer.statusCode >= 200 && answer.statusCode < 300) {
      return body?.status === 1 ? { outcome: delivered(answer) } : { outcome: unexpectedAnswer(answer, 'Pushover') }
    }
    const errors = Array.isArray(body?.errors) ? body.errors.filter((e): e is string => typeof e === 'string').join('; ') : ''
    const detail = errors !== '' ? errors : clipBody(answer.bodyText)
    const outcome = classifyAnswer(answer, ctx.now(), detail)
    // Pushover flags the field at fault: `"user": "invalid"` or `"token": "invalid"` (4xx).
    if (answer.statusCode >= 400 && answer.statusCode < 500 && answer.statusCode !== 429) {
      if (body?.user === 'invalid') return { outcome, disable: `Pushover says the user key is invalid (${detail})` }
      if (body?.token === 'invalid') return { outcome, disable: `Pushover says the application token is invalid (${detail})` }
    }
    return { outcome }
  }
}

function parsePriority (value: string): number {
  const word = PRIORITY_WORDS.get(value.toLowerCase())
  if (word !== undefined) return word
  if (/^(?:-[12]|[012])$/.test(value)) return Number(value)
  throw new TargetUrlProblem(`has ?priority=${clip(value)}; Pushover takes -2 to 2 or lowest, low, normal, high, emergency`)
}
