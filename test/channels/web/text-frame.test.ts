import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { WebSocket, WebSocketServer } from 'ws'
import { textFrame } from '../../../src/channels/web/text-frame.js'

/*
 * Alarms are framed once and written straight to each socket. A real `ws` client must read every
 * length encoding (7-bit, 16-bit, 64-bit) as one text message, in order with the frames `ws`
 * itself writes on the same connection.
 */
test('a frame from textFrame() reaches a real ws client as one text message, in order with ws.send', async (t) => {
  const http = createServer()
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false })
  const sockets: Array<{ ws: WebSocket, socket: Duplex }> = []
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    wss.handleUpgrade(req, socket, head, (ws) => sockets.push({ ws, socket }))
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  t.after(() => { wss.close(); http.close() })
  const client = new WebSocket(`ws://127.0.0.1:${(http.address() as AddressInfo).port}`)
  const received: Array<{ text: string, binary: boolean }> = []
  client.on('message', (data, isBinary) => received.push({ text: data.toString(), binary: isBinary }))
  await new Promise((resolve) => client.once('open', resolve))
  while (sockets.length === 0) await new Promise((resolve) => setImmediate(resolve))
  const server = sockets[0]
  assert.ok(server !== undefined)

  const sizes = [0, 1, 125, 126, 127, 65_535, 65_536, 70_000]
  const expected: string[] = []
  for (const size of sizes) {
    // Multi-byte UTF-8 so that a length counted in characters instead of bytes would show.
    const text = 'é'.repeat(Math.floor(size / 2)) + 'x'.repeat(size % 2)
    assert.equal(Buffer.byteLength(text), size)
    server.socket.write(textFrame(Buffer.from(text)))
    server.ws.send(`ws:${size}`)
    expected.push(text, `ws:${size}`)
  }
  while (received.length < expected.length && client.readyState === WebSocket.OPEN) await new Promise((resolve) => setTimeout(resolve, 5))
  assert.deepEqual(received.map((m) => m.text), expected)
  assert.ok(received.every((m) => !m.binary))
  assert.equal(client.readyState, WebSocket.OPEN, 'the client saw no protocol error')
  client.close()
})
