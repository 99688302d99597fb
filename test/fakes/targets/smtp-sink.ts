import type { AddressInfo } from 'node:net'
import { simpleParser, type ParsedMail } from 'mailparser'
import { SMTPServer, type SMTPServerOptions } from 'smtp-server'

/** One message the sink accepted, parsed by mailparser. */
export interface SunkMail {
  readonly envelopeFrom: string
  readonly envelopeTo: readonly string[]
  readonly user: string | undefined
  readonly secure: boolean
  readonly parsed: ParsedMail
}

export interface SmtpSinkOptions {
  /** Credentials the server requires; undefined: no AUTH. */
  readonly auth?: { readonly user: string, readonly pass: string }
  /** TLS from the first byte (port 465 style), with this certificate. */
  readonly tls?: { readonly key: string, readonly cert: string }
  /** STARTTLS offered with this certificate. */
  readonly starttls?: { readonly key: string, readonly cert: string }
}

/**
 * A real SMTP server (smtp-server) on loopback that parses what it receives (mailparser). It can
 * refuse the next messages with an SMTP reply code (451: try later, 550: refused) and be stopped
 * to play an outage.
 */
export class SmtpSink {
  readonly mails: SunkMail[] = []
  /** Rejected logins, for the tests that expect some. */
  readonly failedLogins: string[] = []
  #failures: Array<{ code: number, message: string }> = []
  #server: SMTPServer | undefined
  #port = 0
  readonly #options: SmtpSinkOptions

  constructor (options: SmtpSinkOptions = {}) {
    this.#options = options
  }

  static async create (options: SmtpSinkOptions = {}): Promise<SmtpSink> {
    const sink = new SmtpSink(options)
    await sink.start()
    return sink
  }

  get port (): number {
    return this.#port
  }

  /** Refuses the next `count` messages at DATA with this reply. */
  failNext (count: number, code: number, message = code >= 500 ? 'Message refused' : 'Try again later'): void {
    for (let i = 0; i < count; i++) this.#failures.push({ code, message })
  }

  async start (port = this.#port): Promise<void> {
    const o = this.#options
    const cert = o.tls ?? o.starttls
    const options: SMTPServerOptions = {
      secure: o.tls !== undefined,
      ...(cert !== undefined ? { key: cert.key, cert: cert.cert } : {}),
      disabledCommands: [...(o.auth === undefined ? ['AUTH'] : []), ...(cert === undefined ? ['STARTTLS'] : [])],
      authOptional: o.auth === undefined,
      allowInsecureAuth: true,
      logger: false,
      size: 1024 * 1024,
      onAuth: (auth, _session, callback) => {
        if (o.auth !== undefined && auth.username === o.auth.user && auth.password === o.auth.pass) {
          callback(null, { user: auth.username })
          return
        }
        this.failedLogins.push(auth.username ?? '')
        callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }))
      },
      onData: (stream, session, callback) => {
        const failure = this.#failures.shift()
        simpleParser(stream, (err: unknown, parsed: ParsedMail) => {
          if (failure !== undefined) {
            callback(Object.assign(new Error(failure.message), { responseCode: failure.code }))
            return
          }
          if (err !== null && err !== undefined) {
            callback(err as Error)
            return
          }
          this.mails.push({
            envelopeFrom: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
            envelopeTo: session.envelope.rcptTo.map((r) => r.address),
            user: typeof session.user === 'string' ? session.user : undefined,
            secure: session.secure,
            parsed
          })
          callback()
        })
      }
    }
    const server = new SMTPServer(options)
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => resolve())
    })
    this.#server = server
    this.#port = ((server as unknown as { server: { address (): AddressInfo } }).server.address()).port
  }

  async stop (): Promise<void> {
    const server = this.#server
    this.#server = undefined
    if (server === undefined) return
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  async waitForMails (count: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (this.mails.length < count) {
      if (Date.now() > deadline) throw new Error(`SmtpSink: timed out waiting for ${count} mails (got ${this.mails.length})`)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }
}
