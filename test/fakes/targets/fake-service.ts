import type { IncomingHttpHeaders, Server } from 'node:http'
import { bufferedServer, closeNow, listenOnLoopback } from '../../helpers/loopback-http.js'

/** One request as a fake service saw it. */
export interface FakeRequest {
  readonly method: string
  /** Path and query as sent. */
  readonly url: string
  readonly path: string
  readonly query: URLSearchParams
  readonly headers: IncomingHttpHeaders
  readonly body: string
  /** The parsed JSON body, undefined when the body is not JSON. */
  readonly json: unknown
}

/** What a fake answers. */
export interface FakeAnswer {
  readonly status: number
  readonly headers?: Record<string, string>
  /** An object is sent as JSON; a string as text/plain. */
  readonly body?: unknown
}

/**
 * A local stand-in for one push service's API on loopback. A subclass checks the request the way
 * the real service does (method, path, auth, content type, required fields) and answers with the
 * service's real bodies. Tests can queue failures (429 with Retry-After, 5xx, service errors) and
 * stop and restart the server to play an outage: a stopped fake refuses connections.
 */
export abstract class FakeService {
  /** Every request, accepted or not, in arrival order. */
  readonly requests: FakeRequest[] = []
  /** Requests that passed the format checks and were answered with success. */
  readonly accepted: FakeRequest[] = []
  /** Format problems found, one sentence per bad request; a test expects none. */
  readonly problems: string[] = []
  #failures: Array<FakeAnswer | 'success'> = []
  #server: Server | undefined
  #port = 0
  #waiters: Array<{ count: number, resolve: () => void }> = []

  /** The base URL to put in `?base=` (or as host:port). */
  get base (): string {
    return `http://127.0.0.1:${this.#port}`
  }

  get hostPort (): string {
    return `127.0.0.1:${this.#port}`
  }

  get port (): number {
    return this.#port
  }

  /** Answers the next `count` well-formed requests with `answer` instead of success. */
  failNext (count: number, answer: FakeAnswer): void {
    for (let i = 0; i < count; i++) this.#failures.push(answer)
  }

  /** Scripts the answers to the next well-formed requests, in order; `success` is the normal answer. */
  script (...answers: Array<FakeAnswer | 'success'>): void {
    this.#failures.push(...answers)
  }

  /** Checks the request; returns the service's error answer for a malformed one, else undefined. */
  protected abstract check (req: FakeRequest): FakeAnswer | undefined
  /** The service's success answer. */
  protected abstract success (req: FakeRequest): FakeAnswer

  protected reject (req: FakeRequest, problem: string, answer: FakeAnswer): FakeAnswer {
    this.problems.push(`${req.method} ${req.path}: ${problem}`)
    return answer
  }

  async start (port = this.#port): Promise<this> {
    const server = bufferedServer(({ incoming, body, json }, res) => {
      const url = new URL(incoming.url ?? '/', 'http://fake')
      const req: FakeRequest = { method: incoming.method ?? '', url: incoming.url ?? '', path: url.pathname, query: url.searchParams, headers: incoming.headers, body, json }
      this.requests.push(req)
      let answer = this.check(req)
      if (answer === undefined) {
        const scripted = this.#failures.shift()
        answer = scripted === 'success' ? undefined : scripted
        if (answer === undefined) {
          answer = this.success(req)
          this.accepted.push(req)
        }
      }
      const headers: Record<string, string> = { ...answer.headers }
      let text = ''
      if (typeof answer.body === 'string') {
        text = answer.body
        headers['content-type'] ??= 'text/plain; charset=utf-8'
      } else if (answer.body !== undefined) {
        text = JSON.stringify(answer.body)
        headers['content-type'] ??= 'application/json'
      }
      res.writeHead(answer.status, headers)
      res.end(text)
      this.#notify()
    })
    this.#port = await listenOnLoopback(server, port)
    this.#server = server
    return this
  }

  /** Closes the port: the next request gets "connection refused" until start() again. */
  async stop (): Promise<void> {
    const server = this.#server
    this.#server = undefined
    await closeNow(server)
  }

  /** Resolves once `count` requests in all have arrived. */
  async waitForRequests (count: number, timeoutMs = 10_000): Promise<void> {
    if (this.requests.length >= count) return
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.constructor.name}: timed out waiting for ${count} requests (got ${this.requests.length})`)), timeoutMs)
      this.#waiters.push({ count, resolve: () => { clearTimeout(timer); resolve() } })
    })
  }

  #notify (): void {
    this.#waiters = this.#waiters.filter((w) => {
      if (this.requests.length < w.count) return true
      w.resolve()
      return false
    })
  }
}

export function isObject (value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

export function isJsonRequest (req: FakeRequest): boolean {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() === 'application/json'
}
