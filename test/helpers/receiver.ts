import type { IncomingHttpHeaders, Server, ServerResponse } from 'node:http'
import { bufferedServer, closeNow, listenOnLoopback } from './loopback-http.js'

export interface ReceivedRequest {
  readonly method: string
  readonly url: string
  readonly headers: IncomingHttpHeaders
  readonly body: string
  /** The parsed JSON body (a webhook batch is an array). */
  readonly json: unknown
  readonly at: number
}

/** Decides the answer to one request; default 200. May delay or never answer. */
export type Responder = (req: ReceivedRequest, res: ServerResponse) => void | Promise<void>

/**
 * A real HTTP receiver on loopback, the thing a webhook is pointed at. It records every request
 * and answers as told. Stopping it closes its port so Herald sees "connection refused".
 */
export class Receiver {
  readonly requests: ReceivedRequest[] = []
  respond: Responder = (_req, res) => { res.statusCode = 200; res.end('ok') }
  #server: Server | undefined
  #port = 0
  #waiters: Array<{ count: number, resolve: () => void }> = []

  static async start (port = 0): Promise<Receiver> {
    const r = new Receiver()
    await r.listen(port)
    return r
  }

  get url (): string {
    return `http://127.0.0.1:${this.#port}/hook`
  }

  get port (): number {
    return this.#port
  }

  /** Every item received so far, across batches, in arrival order. */
  items (): unknown[] {
    return this.requests.flatMap((r) => (Array.isArray(r.json) ? r.json : [r.json]))
  }

  async listen (port = this.#port): Promise<void> {
    const server = bufferedServer(({ incoming: req, body, json }, res) => {
      const received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, json, at: Date.now() }
      this.requests.push(received)
      this.#notify()
      void this.respond(received, res)
    })
    server.keepAliveTimeout = 60_000
    this.#port = await listenOnLoopback(server, port)
    this.#server = server
  }

  /** Resolves once at least `count` requests have arrived (or rejects after timeoutMs). */
  async waitForRequests (count: number, timeoutMs = 10_000): Promise<void> {
    if (this.requests.length >= count) return
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${count} requests (got ${this.requests.length})`)), timeoutMs)
      this.#waiters.push({ count, resolve: () => { clearTimeout(timer); resolve() } })
    })
  }

  /** Resolves once at least `count` items (across batches) have arrived. */
  async waitForItems (count: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (this.items().length < count) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} items (got ${this.items().length})`)
      await this.waitForRequests(this.requests.length + 1, Math.max(1, deadline - Date.now())).catch(() => {})
    }
  }

  async stop (): Promise<void> {
    const server = this.#server
    this.#server = undefined
    await closeNow(server)
  }

  #notify (): void {
    this.#waiters = this.#waiters.filter((w) => {
      if (this.requests.length >= w.count) {
        w.resolve()
        return false
      }
      return true
    })
  }
}
