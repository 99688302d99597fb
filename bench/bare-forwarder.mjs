// The baseline: the least a Node webhook forwarder can do. Receive an event over HTTP (node:http),
// forward it with undici to the receiver as a one-element JSON array (the FindFace webhook shape),
// and answer the producer once the receiver answered. Nothing parsed, validated, stored or
// matched. Runs as its own process, like Herald, so both get the same CPU topology.
//
// Mode `parallel` (the baseline): every request is forwarded at once, so as many forwards are in
// flight as the producer has requests in flight. Mode `serial` (a reference, not the baseline):
// answer once the event is queued in memory, then deliver one POST at a time in FIFO order, the
// way one Herald lane does; it shows the ceiling of a one-in-flight-per-webhook design with no
// storage at all.
//
// Usage (spawned by run.mjs): node bench/bare-forwarder.mjs <listen port> <receiver url> [parallel|serial]
import { createServer } from 'node:http'
import { Agent, request } from 'undici'

const port = Number(process.argv[2])
const target = process.argv[3]
const mode = process.argv[4] ?? 'parallel'
// The same Agent settings Herald's webhook transport uses (src/delivery/http-transport.ts).
const agent = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000, connections: 64, pipelining: 1 })

const forward = (body) => request(target, { dispatcher: agent, method: 'POST', body, headers: { 'content-type': 'application/json' } })
  .then(async (r) => { await r.body.dump(); return r.statusCode >= 200 && r.statusCode < 300 }, () => false)

const queue = []
let running = false
async function drain () {
  running = true
  while (queue.length > 0) {
    const body = queue[0]
    if (await forward(body)) queue.shift()
  }
  running = false
}

const server = createServer((req, res) => {
  const chunks = []
  req.on('data', (c) => chunks.push(c))
  req.on('end', () => {
    const body = `[${Buffer.concat(chunks).toString('utf8')}]`
    if (mode === 'serial') {
      queue.push(body)
      if (!running) void drain()
      res.writeHead(202, { 'content-type': 'application/json' })
      res.end('{"accepted":1}')
      return
    }
    request(target, { dispatcher: agent, method: 'POST', body, headers: { 'content-type': 'application/json' } })
      .then(async (r) => {
        await r.body.dump()
        res.writeHead(r.statusCode >= 200 && r.statusCode < 300 ? 202 : 502, { 'content-type': 'application/json' })
        res.end('{"accepted":1}')
      }, () => {
        res.writeHead(502)
        res.end()
      })
  })
})
server.keepAliveTimeout = 60_000
server.listen(port, '127.0.0.1', () => process.send?.({ ready: true }))
// Never outlive the bench: the IPC channel closes when the parent exits.
process.on('disconnect', () => process.exit(0))
process.on('SIGTERM', () => process.exit(0))
