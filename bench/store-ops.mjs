// Diagnostic, not part of `npm run bench`: the cost of Herald's store operations alone, no HTTP,
// against the built SqliteStore (dist/) on a file in BENCH_DATA_DIR (default: the OS temp dir).
// It separates the store's share from the HTTP and event-loop share of the end-to-end figures.
//   node bench/store-ops.mjs            (after npm run build)
//   BENCH_HERALD_DIST=/other/dist node bench/store-ops.mjs   (A/B against a candidate build)
//   node bench/store-ops.mjs paced      the store's share of one event at a steady rate, as phase
//     (c) sees it (one event per ingest commit, a claim, a delivered outcome, ~1 ms idle), with
//     WAL checkpoints inline and on the checkpoint thread ([store] wal_checkpoint). Event-loop
//     time is what delays the next request; process CPU includes the checkpoint thread.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { eventBody } from './load.mjs'

const dist = process.env.BENCH_HERALD_DIST ?? new URL('../dist/', import.meta.url).pathname
const { SqliteStore } = await import(pathToFileURL(join(dist, 'store/sqlite/sqlite-store.js')).href)
const { normalizeEvent } = await import(pathToFileURL(join(dist, 'events/normalize.js')).href)

const ROUTE = [{ channel: 'webhook', target: '1', lane: 'webhook:1', group: 'face_events' }]
const route = () => ROUTE
const EVENTS = Number(process.env.BENCH_STORE_EVENTS ?? 20_000)

function incoming (prefix, n) {
  const out = []
  for (let i = 0; i < n; i++) {
    const r = normalizeEvent(JSON.parse(eventBody(prefix, i, 1)))
    if (!r.ok) throw new Error(JSON.stringify(r.problems))
    out.push(r.event)
  }
  return out
}


/** Store time per event at ~1,000 events/s, checkpoints inline vs on the thread. */
async function paced () {
  for (const mode of ['inline', 'background']) {
    const dir = mkdtempSync(join(process.env.BENCH_DATA_DIR ?? tmpdir(), 'herald-store-paced-'))
    const store = new SqliteStore({ file: join(dir, 'herald.db'), walCheckpoint: mode })
    await store.claim('webhook:1', 1, Date.now())
    const events = incoming(`p${mode}`, EVENTS / 2)
    let busy = 0
    const lat = []
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    for (const event of events) {
      const t = performance.now()
      await store.ingest([event], route, Date.now())
      const c = await store.claim('webhook:1', 1, Date.now())
      await store.markDelivered(c.batch.messageId, { statusCode: 200, error: null, latencyMs: 1 }, Date.now())
      const d = performance.now() - t
      busy += d
      lat.push(d)
      await new Promise((resolve) => setTimeout(resolve, 1))
    }
    const cpu = process.cpuUsage(cpu0)
    const n = events.length
    lat.sort((a, b) => a - b)
    process.stdout.write(`${mode.padEnd(10)}  event-loop ${(busy * 1000 / n).toFixed(0)} µs/event  process CPU ${((cpu.user + cpu.system) / n).toFixed(0)} µs/event  ` +
      `store time p99 ${lat[Math.floor(n * 0.99)].toFixed(2)} ms p99.9 ${lat[Math.floor(n * 0.999)].toFixed(2)} ms max ${lat[n - 1].toFixed(1)} ms  (${(n * 1000 / (performance.now() - t0)).toFixed(0)} events/s)\n`)
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** One row: `events` ingested `per` at a time, then claimed and marked delivered `per` at a time. */
async function measure (file, readAheadItems, per, events) {
  const dir = mkdtempSync(join(process.env.BENCH_DATA_DIR ?? tmpdir(), 'herald-store-ops-'))
  const store = new SqliteStore({ file: file === 'file' ? join(dir, 'herald.db') : ':memory:', readAheadItems })
  try {
    let t = performance.now()
    for (let i = 0; i < events.length; i += per) await store.ingest(events.slice(i, i + per), route, Date.now())
    const ingestUs = ((performance.now() - t) * 1000) / events.length
    t = performance.now()
    let n = 0
    for (;;) {
      const c = await store.claim('webhook:1', per, Date.now())
      if (c.kind !== 'batch') break
      await store.markDelivered(c.batch.messageId, { statusCode: 200, error: null, latencyMs: 1 }, Date.now())
      n += c.batch.items.length
    }
    return { ingestUs, deliverUs: ((performance.now() - t) * 1000) / n, delivered: n }
  } finally {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

async function perOperation () {
  const rows = []
  // The whole queue is ingested before the first claim, so claims read it from the table: with
  // the read-ahead (256 rows per read, the rest kept for the next claims) and without it
  // (readAheadItems 0: one head-run read per batch).
  for (const [file, readAheadItems] of [[':memory:', undefined], ['file', undefined], ['file', 0]]) {
    for (const per of [1, 100]) {
      const { ingestUs, deliverUs, delivered } = await measure(file, readAheadItems, per, incoming(`s${per}${file.length}`, EVENTS))
      rows.push([`${file === 'file' ? 'file (WAL)' : ':memory:'}${readAheadItems === 0 ? ', no read-ahead' : ''}`, per, ingestUs, deliverUs, delivered])
    }
  }
  process.stdout.write(`SqliteStore, ${EVENTS.toLocaleString('en-US')} events per row, one webhook lane\n`)
  process.stdout.write('db                           batch  ingest µs/event  claim+markDelivered µs/event  max events/s (store only)\n')
  for (const [db, per, i, d, n] of rows) {
    process.stdout.write(`${db.padEnd(27)}  ${String(per).padStart(5)}  ${i.toFixed(1).padStart(15)}  ${d.toFixed(1).padStart(28)}  ${Math.round(1e6 / (i + d)).toLocaleString('en-US').padStart(25)}${n !== EVENTS ? `  (only ${n} delivered!)` : ''}\n`)
  }
}

/**
 * `npm run bench`'s reference row under (b2): what the store alone allows at batch 100 on a file,
 * with no HTTP, parsing or validation (events are normalized before the clock starts). One JSON line.
 */
async function ceiling () {
  await measure('file', undefined, 100, incoming('ceiling-warm-up', Math.min(5_000, EVENTS))) // JIT, as Herald's warm-up
  const events = incoming('ceiling', EVENTS)
  const cpu0 = process.cpuUsage()
  const r = await measure('file', undefined, 100, events)
  const cpu = process.cpuUsage(cpu0)
  process.stdout.write(`${JSON.stringify({ ...r, events: EVENTS, eventsPerSec: 1e6 / (r.ingestUs + r.deliverUs), cpuUsPerEvent: (cpu.user + cpu.system) / EVENTS })}\n`)
}

/**
 * Below Herald's store: plain better-sqlite3 on a file (WAL, synchronous NORMAL), the same event
 * bytes, 100 rows per commit. What writing an event costs on this disk whatever the schema.
 */
async function rawSqlite () {
  const { default: Database } = await import('better-sqlite3')
  const rows = incoming('raw', EVENTS + 5_000).map((e) => ({ key: e.key, json: e.json }))
  process.stdout.write(`plain better-sqlite3, file (WAL), ${EVENTS.toLocaleString('en-US')} events of ${rows[0].json.length} bytes, 100 per commit\n`)
  for (const variant of ['event rows with a unique key', 'event rows, no unique key', 'one row per 100 events']) {
    const dir = mkdtempSync(join(process.env.BENCH_DATA_DIR ?? tmpdir(), 'herald-raw-'))
    const db = new Database(join(dir, 'raw.db'))
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    db.exec(`CREATE TABLE events (seq INTEGER PRIMARY KEY, key TEXT NOT NULL${variant.includes('unique') ? ' UNIQUE' : ''}, json TEXT NOT NULL, t INTEGER)`)
    const insert = db.prepare('INSERT INTO events (key, json, t) VALUES (?, ?, ?)')
    const commit = variant.startsWith('one row')
      ? db.transaction((batch) => { insert.run(batch[0].key, JSON.stringify(batch.map((r) => r.json)), 1) })
      : db.transaction((batch) => { for (const r of batch) insert.run(r.key, r.json, 1) })
    for (let i = EVENTS; i < EVENTS + 5_000; i += 100) commit(rows.slice(i, i + 100)) // warm-up
    const cpu0 = process.cpuUsage()
    const t = performance.now()
    for (let i = 0; i < EVENTS; i += 100) commit(rows.slice(i, i + 100))
    const wallUs = ((performance.now() - t) * 1000) / EVENTS
    const cpu = process.cpuUsage(cpu0)
    process.stdout.write(`${variant.padEnd(30)}  ${wallUs.toFixed(1).padStart(5)} µs/event  (CPU ${((cpu.user + cpu.system) / EVENTS).toFixed(1)} µs)\n`)
    db.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[2] === 'paced') await paced()
else if (process.argv[2] === 'ceiling') await ceiling()
else if (process.argv[2] === 'raw') await rawSqlite()
else await perOperation()
