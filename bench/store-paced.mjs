// Diagnostic, not part of `npm run bench`: the store's share of one event at a steady rate, as
// phase (c) sees it (one event per ingest commit, a claim, a delivered outcome, then ~1 ms idle),
// with SQLite's WAL checkpoints inline (in the commit that fills the WAL) and on the checkpoint
// thread ([store] wal_checkpoint). Event-loop time is what delays the next request; process CPU
// includes the checkpoint thread.
//   node bench/store-paced.mjs   (after npm run build; data in BENCH_DATA_DIR, default the OS temp dir)
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SqliteStore } from '../dist/store/sqlite/sqlite-store.js'
import { normalizeEvent } from '../dist/events/normalize.js'
import { eventBody } from './load.mjs'
const ROUTE = [{ channel: 'webhook', target: '1', lane: 'webhook:1', group: 'face_events' }]
for (const mode of ['inline', 'background']) {
  const dir = mkdtempSync(join(process.env.BENCH_DATA_DIR ?? tmpdir(), 'herald-store-paced-'))
  const store = new SqliteStore({ file: join(dir, 'herald.db'), walCheckpoint: mode })
  await store.claim('webhook:1', 1, Date.now())
  const N = 10000; let busy = 0; const lat = []
  const cpu0 = process.cpuUsage(); const t0 = performance.now()
  for (let i = 0; i < N; i++) {
    const ev = normalizeEvent(JSON.parse(eventBody(mode, i, 1))).event
    const t = performance.now()
    await store.ingest([ev], () => ROUTE, Date.now())
    const c = await store.claim('webhook:1', 1, Date.now())
    await store.markDelivered(c.batch.messageId, { statusCode: 200, error: null, latencyMs: 1 }, Date.now())
    const d = performance.now() - t; busy += d; lat.push(d)
    await new Promise((r) => setTimeout(r, 1))
  }
  const cpu = process.cpuUsage(cpu0); const wall = performance.now() - t0
  lat.sort((a, b) => a - b)
  console.log(mode.padEnd(10), 'event-loop µs/event', (busy * 1000 / N).toFixed(0), 'process CPU µs/event', ((cpu.user + cpu.system) / N).toFixed(0), 'store time p99', lat[Math.floor(N * 0.99)].toFixed(2), 'ms p99.9', lat[Math.floor(N * 0.999)].toFixed(2), 'max', lat[N - 1].toFixed(1), `(${(N * 1000 / wall).toFixed(0)} events/s)`)
  await store.close()
  rmSync(dir, { recursive: true, force: true })
}
