import type { Transporter } from 'nodemailer'
import { toError } from '../../errors.js'
import type { Outcome } from '../../delivery/contract.js'
import { TargetUrlProblem, checkOptions, clip, flagOption, hostPort, maskedUrl, type AppriseUrl } from './apprise-url.js'
import type { SendContext, SendResult, ServiceTarget } from './service.js'
import { escapeHtml, type TargetMessage } from './target-message.js'

/*
 * E-mail over SMTP with nodemailer (spec §3.9).
 *   mailto://[user:pass@]host[:port][/to@address…]?to=a@b,c@d&from=…     port 25, STARTTLS when offered
 *   mailtos://user:pass@host[:port]?to=…                                 465: implicit TLS; else STARTTLS required (default 587)
 * Options: ?to=, ?from= (default: the user name when it is an address), ?mode=ssl|starttls|insecure
 * (Apprise's name; overrides the choice by port), ?verify=no (self-signed server certificate).
 */

const OPTIONS = ['to', 'from', 'mode', 'verify']
const MODES = ['ssl', 'starttls', 'insecure'] as const
type TlsMode = typeof MODES[number]
const ADDRESS = /^[^\s@<>,;:"()[\]\\]{1,64}@[A-Za-z0-9.-]{1,253}$/
const MAX_RECIPIENTS = 50
const IMPLICIT_TLS_PORT = 465

/** nodemailer's connection failures: the server may be back on the next attempt. */
const TRANSIENT_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'EPROTOCOL', 'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN'])

export class EmailTarget implements ServiceTarget {
  readonly service = 'email'
  readonly masked: string
  readonly secrets: readonly string[]
  readonly host: string
  readonly port: number
  /** TLS from the first byte (port 465) rather than STARTTLS. */
  readonly implicitTls: boolean
  /** STARTTLS or nothing: refuse to send in clear text. */
  readonly requireTls: boolean
  readonly verifyCertificate: boolean
  readonly user: string | undefined
  readonly password: string | undefined
  readonly from: string
  readonly to: readonly string[]
  #transport: Transporter | undefined

  constructor (url: AppriseUrl) {
    checkOptions(url, 'e-mail', OPTIONS)
    const hp = hostPort(url)
    const modeOption = url.query.get('mode')?.toLowerCase()
    if (modeOption !== undefined && !(MODES as readonly string[]).includes(modeOption)) throw new TargetUrlProblem(`has ?mode=${clip(modeOption)}; expected ssl, starttls or insecure`)
    const mode: TlsMode = (modeOption as TlsMode | undefined) ??
      (url.scheme !== 'mailtos' ? 'insecure' : hp.port === undefined || hp.port !== IMPLICIT_TLS_PORT ? 'starttls' : 'ssl')
    this.host = hp.host.replace(/^\[(.*)\]$/, '$1')
    this.port = hp.port ?? (mode === 'ssl' ? IMPLICIT_TLS_PORT : mode === 'starttls' ? 587 : 25)
    this.implicitTls = mode === 'ssl'
    this.requireTls = mode === 'starttls'
    this.verifyCertificate = flagOption(url, 'verify', true)
    this.user = url.user === '' ? undefined : url.user
    this.password = url.password
    if (this.password !== undefined && this.user === undefined) throw new TargetUrlProblem('has a password without a user name')
    const userAddress = this.user !== undefined && ADDRESS.test(this.user) ? this.user : undefined

    const to = [...(url.query.get('to') ?? '').split(','), ...url.segments].map((a) => a.trim()).filter((a) => a !== '')
    if (to.length === 0 && userAddress !== undefined) to.push(userAddress)
    if (to.length === 0) throw new TargetUrlProblem('has no recipient (?to=a@example.com,b@example.com)')
    if (to.length > MAX_RECIPIENTS) throw new TargetUrlProblem(`has ${to.length} recipients; at most ${MAX_RECIPIENTS}`)
    for (const address of to) if (!ADDRESS.test(address)) throw new TargetUrlProblem(`has an invalid recipient address "${clip(address)}"`)
    this.to = to
    const from = url.query.get('from') ?? userAddress
    if (from === undefined) throw new TargetUrlProblem('has no sender: add ?from=alarms@example.com (the user name is not an address)')
    if (!ADDRESS.test(from)) throw new TargetUrlProblem(`has an invalid sender address "${clip(from)}"`)
    this.from = from

    this.secrets = this.password === undefined ? [] : [this.password]
    this.masked = maskedUrl(url, { password: true })
  }

  mail (m: TargetMessage): { subject: string, text: string, html: string, priority: 'high' | 'normal' } {
    const link = m.pictureUrl
    const text = link === undefined ? `${m.body}\n` : `${m.body}\n\nView event: ${link}\n`
    const html = link === undefined
      ? `<p>${escapeHtml(m.body)}</p>`
      : `<p>${escapeHtml(m.body)}</p>\n<p><a href="${escapeHtml(link)}"><img src="${escapeHtml(link)}" alt="${escapeHtml(m.title)}" style="max-width:100%"></a></p>\n<p><a href="${escapeHtml(link)}">View event</a></p>`
    return { subject: m.title, text, html, priority: m.critical ? 'high' : 'normal' }
  }

  async send (m: TargetMessage, ctx: SendContext): Promise<SendResult> {
    const started = ctx.now()
    try {
      const info = await (await this.#transporter(ctx.timeoutMs)).sendMail({ from: this.from, to: [...this.to], ...this.mail(m), signal: ctx.signal })
      // Some recipients refused and others accepted: the message went out, a retry would repeat it.
      return { outcome: { kind: 'delivered', statusCode: smtpCode(info.response) ?? 250, latencyMs: ctx.now() - started } }
    } catch (err) {
      return { outcome: classifySmtpError(toError(err), ctx.now() - started) }
    }
  }

  async close (): Promise<void> {
    this.#transport?.close()
    this.#transport = undefined
  }

  async #transporter (timeoutMs: number): Promise<Transporter> {
    if (this.#transport !== undefined) return this.#transport
    // Loaded with the first e-mail: Herald without an e-mail target never pays for nodemailer.
    const { createTransport } = await import('nodemailer')
    this.#transport ??= createTransport({
      host: this.host,
      port: this.port,
      secure: this.implicitTls,
      requireTLS: this.requireTls,
      auth: this.user === undefined ? undefined : { user: this.user, pass: this.password ?? '' },
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      tls: { rejectUnauthorized: this.verifyCertificate },
      // The message is built from strings only: no file or URL is ever read into it.
      disableFileAccess: true,
      disableUrlAccess: true
    })
    return this.#transport
  }
}

interface SmtpError extends Error { code?: string, responseCode?: number, response?: string, permanent?: boolean }

/** RFC 5321: 4yz replies and broken connections are transient, 5yz replies permanent. */
export function classifySmtpError (err: Error, latencyMs: number): Outcome {
  const e = err as SmtpError
  const code = e.responseCode
  const reason = `SMTP ${code !== undefined ? `${code} ` : ''}${e.code !== undefined ? `${e.code}: ` : ''}${clip(e.message, 300)}`
  if (code !== undefined) {
    const permanent = e.permanent ?? (code >= 500 && code !== 503)
    return permanent
      ? { kind: 'permanent', error: reason, statusCode: code, latencyMs }
      : { kind: 'retry', error: reason, statusCode: code, latencyMs }
  }
  if (e.code !== undefined && TRANSIENT_CODES.has(e.code)) return { kind: 'retry', error: reason, statusCode: null, latencyMs }
  // No reply code: credentials missing (ENOAUTH), a bad address in the envelope (EENVELOPE) and the
  // like will not get better by themselves; anything unknown is tried again.
  if (e.code === 'ENOAUTH' || e.code === 'EENVELOPE' || e.code === 'EAUTH' || e.code === 'EMESSAGE') return { kind: 'permanent', error: reason, statusCode: null, latencyMs }
  return { kind: 'retry', error: reason, statusCode: null, latencyMs }
}

function smtpCode (response: unknown): number | undefined {
  if (typeof response !== 'string') return undefined
  const m = /^(\d{3})/.exec(response)
  return m === null ? undefined : Number(m[1])
}
