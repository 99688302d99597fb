import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { createHttpAgent } from '../../src/delivery/http-transport.js'
import { postAttempt, type HttpAttempt } from '../../src/delivery/http-attempt.js'
import { Receiver } from '../helpers/receiver.js'
import { closeNow, listenOnLoopback } from '../helpers/loopback-http.js'

/*
 * The one HTTP path of every HTTP channel (webhooks, FCM, targets), against real servers on
 * loopback: what it sends, what it keeps of the answer, and how each way of not getting one ends.
 */

const agent = createHttpAgent()
const HEADERS = { 'content-type': 'application/json', 'webhook-id': 'msg_1' }

function answer (a: HttpAttempt): Extract<HttpAttempt, { kind: 'answer' }>['answer'] {
  assert.equal(a.kind, 'answer', JSON.stringify(a))
  return (a as Extract<HttpAttempt, { kind: 'answer' }>).answer
}

function failure (a: HttpAttempt): string {
  assert.equal(a.kind, 'failed', JSON.stringify(a))
  const outcome = (a as Extract<HttpAttempt, { kind: 'failed' }>).outcome
  assert.equal(outcome.kind, 'retry')
  return outcome.kind === 'retry' ? outcome.error : ''
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void

/** A server whose handler is swapped per test; it counts the TCP connections it accepted. */
async function rawServer (): Promise<{ server: Server, url: string, connections: Socket[], handle: (fn: Handler) => void }> {
  const connections: Socket[] = []
  let handler: Handler = () => {}
  const server = createServer((req, res) => { handler(req, res) })
  server.on('connection', (s: Socket) => { connections.push(s) })
  const port = await listenOnLoopback(server, 0)
  return { server, url: `http://127.0.0.1:${port}/raw`, connections, handle: (fn) => { handler = fn } }
}

describe('postAttempt: a POST and its answer', () => {
  let receiver: Receiver
  before(async () => { receiver = await Receiver.start() })
  after(async () => { await receiver.stop() })

  test('sends the body and headers as given, to the path and query of the URL', async () => {
    const body = JSON.stringify([{ id: 'é😀', n: 1 }])
    const a = await postAttempt(agent, `${receiver.url}/sub?x=1&y=%20`, body, HEADERS, { timeoutMs: 5000 })
    assert.equal(answer(a).statusCode, 200)
    const got = receiver.requests.at(-1)
    assert.equal(got?.method, 'POST')
    assert.equal(got?.url, '/hook/sub?x=1&y=%20')
    assert.equal(got?.body, body)
    assert.equal(got?.headers['content-type'], 'application/json')
    assert.equal(got?.headers['webhook-id'], 'msg_1')
    assert.equal(got?.headers['content-length'], String(Buffer.byteLength(body)))
  })

  test('user:password in the URL is sent as basic auth (decoded), not as part of the host; an explicit Authorization wins', async () => {
    const withCredentials = receiver.url.replace('http://', 'http://ff%20user:p%40ss%3Aw@')
    assert.equal(answer(await postAttempt(agent, `${withCredentials}/auth`, '[]', HEADERS, { timeoutMs: 5000 })).statusCode, 200)
    const got = receiver.requests.at(-1)
    assert.equal(got?.url, '/hook/auth')
    assert.equal(got?.headers.authorization, `Basic ${Buffer.from('ff user:p@ss:w').toString('base64')}`)
    await postAttempt(agent, `${withCredentials}/auth`, '[]', { ...HEADERS, Authorization: 'Bearer mine' }, { timeoutMs: 5000 })
    assert.equal(receiver.requests.at(-1)?.headers.authorization, 'Bearer mine')
    await postAttempt(agent, `${receiver.url}/auth`, '[]', HEADERS, { timeoutMs: 5000 })
    assert.equal(receiver.requests.at(-1)?.headers.authorization, undefined)
  })

  test('keeps the status, the start of the body, Retry-After (the first of several) and the latency', async () => {
    receiver.respond = (_req, res) => {
      res.statusCode = 429
      res.setHeader('retry-after', ['7', '9'])
      res.end('x'.repeat(5000))
    }
    const a = answer(await postAttempt(agent, receiver.url, '[]', HEADERS, { timeoutMs: 5000, keepBodyChars: 100 }))
    receiver.respond = (_req, res) => { res.statusCode = 200; res.end('ok') }
    assert.equal(a.statusCode, 429)
    assert.equal(a.retryAfter, '7')
    assert.equal(a.bodyText, 'x'.repeat(100))
    assert.ok(a.latencyMs > 0 && a.latencyMs < 5000, String(a.latencyMs))
  })

  test('an answer without Retry-After or body reads as such', async () => {
    receiver.respond = (_req, res) => { res.statusCode = 204; res.end() }
    const a = answer(await postAttempt(agent, receiver.url, '[]', HEADERS, { timeoutMs: 5000 }))
    receiver.respond = (_req, res) => { res.statusCode = 200; res.end('ok') }
    assert.deepEqual([a.statusCode, a.retryAfter, a.bodyText], [204, undefined, ''])
  })
})

describe('postAttempt: connections', () => {
  test('a long answer body is read to its end and the connections are reused for the next POSTs', async () => {
    const s = await rawServer()
    s.handle((_req, res) => {
      res.statusCode = 200
      res.end('y'.repeat(256 * 1024))
    })
    try {
      for (let i = 0; i < 20; i++) {
        const a = answer(await postAttempt(agent, s.url, '[]', HEADERS, { timeoutMs: 5000 }))
        assert.equal(a.bodyText.length, 1024)
      }
      // Undici may open a second socket while the first is being released; never one per POST.
      assert.ok(s.connections.length <= 2, `${s.connections.length} connections for 20 POSTs`)
    } finally {
      await closeNow(s.server)
    }
  })
})

describe('postAttempt: no answer', () => {
  test('a receiver that does not answer in time is a timeout, and the attempt ends then', async () => {
    const s = await rawServer()
    s.handle(() => { /* never answers */ })
    try {
      const started = performance.now()
      const error = failure(await postAttempt(agent, s.url, '[]', HEADERS, { timeoutMs: 80 }))
      assert.equal(error, 'Timeout: no response within 0.08 s')
      assert.ok(performance.now() - started < 2000)
    } finally {
      await closeNow(s.server)
    }
  })

  test('a body that stops halfway is a timeout too, and the attempt keeps the status it saw', async () => {
    const s = await rawServer()
    s.handle((_req, res) => {
      res.writeHead(200, { 'content-length': '100' })
      res.write('half')
    })
    try {
      const attempt = await postAttempt(agent, s.url, '[]', HEADERS, { timeoutMs: 80 })
      assert.equal(failure(attempt), 'Timeout: HTTP 200 answer not complete within 0.08 s')
      assert.equal(attempt.kind === 'failed' ? attempt.outcome.statusCode : undefined, 200)
    } finally {
      await closeNow(s.server)
    }
  })

  test('a connection dropped in the middle of the body fails the attempt, keeping the status it saw', async () => {
    const s = await rawServer()
    s.handle((req, res) => {
      res.writeHead(503, { 'content-length': '100' })
      res.write('half', () => { req.socket.destroy() })
    })
    try {
      const attempt = await postAttempt(agent, s.url, '[]', HEADERS, { timeoutMs: 5000 })
      assert.match(failure(attempt), /^HTTP 503 answer cut off \(.+\)$/)
      assert.deepEqual(attempt.kind === 'failed' ? [attempt.outcome.kind, attempt.outcome.statusCode] : undefined, ['retry', 503])
    } finally {
      await closeNow(s.server)
    }
  })

  test('a closed port is "Connection refused", naming the host', async () => {
    const s = await rawServer()
    const { port } = s.server.address() as AddressInfo
    await closeNow(s.server)
    const error = failure(await postAttempt(agent, `http://127.0.0.1:${port}/x`, '[]', HEADERS, { timeoutMs: 5000 }))
    assert.equal(error, `Cannot connect to host 127.0.0.1:${port} [Connection refused]`)
  })

  test('a connection dropped before the answer is reported as such', async () => {
    const s = await rawServer()
    s.handle((req) => { req.socket.destroy() })
    try {
      assert.match(failure(await postAttempt(agent, s.url, '[]', HEADERS, { timeoutMs: 5000 })), /closed before the response/)
    } finally {
      await closeNow(s.server)
    }
  })

  test('a URL that is not http(s) or not a URL fails the attempt with the reason, without throwing', async () => {
    assert.match(failure(await postAttempt(agent, 'ftp://127.0.0.1/x', '[]', HEADERS, { timeoutMs: 5000 })), /http:.*https:/)
    assert.match(failure(await postAttempt(agent, 'not a url', '[]', HEADERS, { timeoutMs: 5000 })), /Invalid URL/)
  })
})

describe('postAttempt: the engine shutting down', () => {
  test('aborting the engine signal ends every attempt in flight, with one listener on the signal', async () => {
    const s = await rawServer()
    let arrived = 0
    s.handle(() => { arrived++ })
    const warnings: Error[] = []
    const onWarning = (w: Error): void => { warnings.push(w) }
    process.on('warning', onWarning)
    const engine = new AbortController()
    try {
      const attempts = Array.from({ length: 40 }, async () => await postAttempt(agent, s.url, '[]', HEADERS, { timeoutMs: 60_000, signal: engine.signal }))
      while (arrived < 40) await new Promise((resolve) => setTimeout(resolve, 5))
      engine.abort()
      const results = await Promise.all(attempts)
      for (const r of results) assert.match(failure(r), /abort/i)
      await new Promise((resolve) => setImmediate(resolve))
      assert.deepEqual(warnings.map((w) => w.name), [])
    } finally {
      process.off('warning', onWarning)
      await closeNow(s.server)
    }
  })

  test('an attempt under a signal already aborted never reaches the receiver', async () => {
    const s = await rawServer()
    let arrived = 0
    s.handle((_req, res) => { arrived++; res.end() })
    const engine = new AbortController()
    engine.abort()
    try {
      assert.match(failure(await postAttempt(agent, s.url, '[]', HEADERS, { timeoutMs: 5000, signal: engine.signal })), /abort/i)
      await new Promise((resolve) => setTimeout(resolve, 50))
      assert.equal(arrived, 0)
    } finally {
      await closeNow(s.server)
    }
  })
})

after(async () => { await agent.close() })
