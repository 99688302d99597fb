// The webhook receiver every phase delivers to: a plain node:http server on 127.0.0.1 that reads
// the body, parses it as a FindFace webhook would (a JSON array of objects, or one object), counts
// the events and answers 200. When `recordLatency` is on, it also records, per event,
// performance.now() minus the `bench_t` the load generator stamped into the body just before the
// POST. The receiver lives in the bench process, so both stamps come from the same monotonic clock.
import { createServer } from 'node:http'

export async function startReceiver () {
  const state = {
    events: 0,
    requests: 0,
    firstAt: 0,
    lastAt: 0,
    recordLatency: false,
    /** When set, only events whose id starts with it are counted (leftovers of a warm-up are not). */
    idPrefix: undefined,
    latencies: [],
    badBodies: 0
  }
  const waiters = new Set()

  const server = createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      const now = performance.now()
      let items
      try {
        const parsed = JSON.parse(chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8'))
        items = Array.isArray(parsed) ? parsed : [parsed]
      } catch {
        state.badBodies++
        items = []
      }
      if (state.idPrefix !== undefined) items = items.filter((item) => typeof item?.id === 'string' && item.id.startsWith(state.idPrefix))
      if (items.length === 0) {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' })
        res.end('ok')
        return
      }
      if (state.events === 0) state.firstAt = now
      state.events += items.length
      state.requests++
      state.lastAt = now
      if (state.recordLatency) {
        for (const item of items) {
          if (typeof item?.bench_t === 'number') state.latencies.push(now - item.bench_t)
        }
      }
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' })
      res.end('ok')
      for (const w of waiters) {
        if (state.events >= w.count) { waiters.delete(w); clearTimeout(w.timer); w.resolve(true) }
      }
    })
  })
  server.keepAliveTimeout = 60_000
  server.headersTimeout = 65_000
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const { port } = server.address()

  return {
    url: `http://127.0.0.1:${port}/hook`,
    state,
    /** Zeroes the counters between warm-up and measurement, or between phases. */
    reset ({ recordLatency = false, idPrefix = undefined } = {}) {
      state.events = 0
      state.requests = 0
      state.firstAt = 0
      state.lastAt = 0
      state.badBodies = 0
      state.recordLatency = recordLatency
      state.idPrefix = idPrefix
      state.latencies = []
    },
    /** Resolves true once `count` events arrived, false after `timeoutMs` (never hangs). */
    waitFor (count, timeoutMs) {
      if (state.events >= count) return Promise.resolve(true)
      return new Promise((resolve) => {
        const w = { count, resolve, timer: null }
        w.timer = setTimeout(() => { waiters.delete(w); resolve(false) }, timeoutMs)
        waiters.add(w)
      })
    },
    async close () {
      for (const w of waiters) { clearTimeout(w.timer); w.resolve(false) }
      waiters.clear()
      server.closeAllConnections()
      await new Promise((resolve) => server.close(() => resolve()))
    }
  }
}
