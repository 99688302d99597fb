import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { Client, alarm, delay, login, raise, startEventHerald, waitFor, type EventHerald } from './support.js'

/*
 * Hostile and broken clients (spec §16, "ES hangs"): each gets a clear error or a close, and a
 * healthy client keeps getting its alarms promptly.
 */

let eid = 9000
const nextEid = (): number => ++eid
// A stalled client would hold the healthy one's alarm forever; the bound only has to tell that
// from a slow runner.
const PROMPT_MS = 5000

async function rawSocket (url: string): Promise<Socket> {
  const { hostname, port } = new URL(url)
  const socket = connect(Number(port), hostname)
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject) })
  socket.on('error', () => {})
  // Read and discard whatever arrives, so that the server's close is noticed.
  socket.resume()
  return socket
}

async function socketClosed (socket: Socket): Promise<void> {
  if (socket.destroyed) return
  await new Promise<void>((resolve) => socket.once('close', () => resolve()))
}

describe('robustness', () => {
  let h: EventHerald
  let healthy: Client
  before(async () => {
    h = await startEventHerald({ limits: { handshakeTimeoutMs: 300, pingIntervalMs: 150 } })
    healthy = await login(h.url)
  })
  after(async () => {
    healthy.close()
    await h.close()
  })

  /** The healthy client still gets an alarm, within PROMPT_MS. */
  async function healthyStillServed (): Promise<void> {
    const started = Date.now()
    const e = nextEid()
    await raise(h, alarm(1, e, 'start'))
    const got = await healthy.next(PROMPT_MS)
    assert.equal(got.events[0].EventId, String(e))
    assert.ok(Date.now() - started < PROMPT_MS, `alarm took ${Date.now() - started} ms`)
  }

  test('a raw TCP client that never upgrades does not block anyone and is dropped after the handshake timeout', async () => {
    const raw = await rawSocket(h.url)
    const partial = await rawSocket(h.url)
    partial.write('GET / HTTP/1.1\r\nHost: x\r\n')
    await healthyStillServed()
    const started = Date.now()
    await Promise.all([socketClosed(raw), socketClosed(partial)])
    assert.ok(Date.now() - started < 8000, 'dropped after the 300 ms handshake timeout, not kept')
  })

  test('a WebSocket client that connects and says nothing costs the others nothing', async () => {
    const silent = await Client.connect(h.url)
    await healthyStillServed()
    assert.deepEqual(silent.received, [], 'it gets no alarms')
    silent.close()
  })

  test('a flood of 200 connects is served, and the healthy client still gets its alarm promptly', async () => {
    const flood = await Promise.all(Array.from({ length: 200 }, async () => await Client.connect(h.url)))
    await healthyStillServed()
    flood[0]?.send({ event: 'control', data: { type: 'version' } })
    assert.equal((await flood[0]?.next())?.type, 'version', 'the newcomers are served too')
    for (const c of flood) c.close()
    await waitFor('the flood to be gone', () => (h.herald.eventServer?.size ?? 0) <= 1)
  })

  test('a frame over 64 KB closes that connection with 1009', async () => {
    const big = await login(h.url)
    big.send({ event: 'control', data: { type: 'filter', monlist: '1,'.repeat(40_000), intlist: '0' } })
    assert.equal((await big.closed).code, 1009)
    await healthyStillServed()
  })

  test('a binary frame gets BADJSON and the connection stays usable', async () => {
    const c = await login(h.url)
    c.ws.send(Buffer.from(JSON.stringify({ event: 'control', data: { type: 'version' } })), { binary: true })
    assert.deepEqual(await c.next(), { event: 'malformed', type: '', status: 'Fail', reason: 'BADJSON' })
    assert.deepEqual(await c.drain(), [])
    c.close()
    await healthyStillServed()
  })

  test('invalid UTF-8 in a text frame closes that connection with 1007', async () => {
    const c = await login(h.url)
    c.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false })
    assert.equal((await c.closed).code, 1007)
    await healthyStillServed()
  })

  test('1,000 messages per second from one client get RATELIMITED and a close; the healthy client is served promptly', async () => {
    const flood = await login(h.url)
    for (let i = 0; i < 1000; i++) flood.send({ event: 'control', data: { type: 'version' } })
    const closed = await flood.closed
    assert.equal(closed.code, 1008)
    const replies = flood.received
    const versions = replies.filter((m) => m.type === 'version').length
    assert.ok(versions <= 100, `${versions} answered before the limit`)
    assert.deepEqual(replies.at(-1), { event: 'control', type: '', status: 'Fail', reason: 'RATELIMITED' })
    await healthyStillServed()
  })

  test('a connection that stops answering pings is terminated', async () => {
    const before = h.herald.eventServer?.size ?? 0
    const dead = await rawSocket(h.url)
    // A complete upgrade, after which this "client" never answers a ping.
    dead.write('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n')
    await waitFor('the upgrade', () => (h.herald.eventServer?.size ?? 0) === before + 1)
    await socketClosed(dead)
    await waitFor('the dead connection to be reaped', () => (h.herald.eventServer?.size ?? 0) === before)
    await delay(400)
    assert.equal(healthy.ws.readyState, healthy.ws.OPEN, 'a client that answers pings stays')
    await healthyStillServed()
  })

  test('a plain HTTP request gets 426 Upgrade Required', async () => {
    const res = await fetch(h.url.replace('ws:', 'http:'))
    assert.equal(res.status, 426)
  })
})

describe('a client that stops reading', () => {
  let h: EventHerald
  before(async () => {
    h = await startEventHerald({ limits: { maxBufferedBytes: 64 * 1024 } })
  })
  after(async () => { await h.close() })

  test('is cut off once more than maxBufferedBytes wait for it; a reading client gets every alarm', async () => {
    const reader = await login(h.url)
    const stalled = await login(h.url)
    // The client's socket is no longer read: the kernel buffers fill, then Herald's.
    stalled.ws.pause()
    // ~250 KB per alarm (1,000 labels in DetectionJson): a few MB fill the loopback buffers.
    const detection = { labels: Array.from({ length: 1000 }, (_, i) => `label-${i}-${'x'.repeat(230)}`) }
    const count = 60
    for (let i = 0; i < count; i++) await raise(h, alarm(1, nextEid(), 'start', { detection }))
    await waitFor('the stalled client to be cut off', () => h.logs.some((l) => l.msg === 'event server: client does not read; connection terminated'), 10_000)
    await waitFor('the reading client to get every alarm', () => reader.received.filter((m) => m.event === 'alarm').length === count, 10_000)
    assert.equal(reader.ws.readyState, reader.ws.OPEN)
    reader.close()
  })
})
