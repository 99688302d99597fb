// `npm run bench`: Herald end-to-end against a bare Node forwarder, measured in the same run.
// See bench/README.md for the method and how to read the table.
//
// Topology, chosen for a 2-core machine: the system under test (the bare forwarder, or Herald from
// dist/cli/main.js) is always its own child process, so its CPU time and RSS are its own and it
// can have one core to itself. The load generator and the receiver share the bench process and
// the other core. Putting them in two more processes (or worker threads) would put three busy
// threads on two cores and let the scheduler, not the code, decide the figures. Both the
// baseline and Herald get the same driver, so whatever the driver costs, it costs both. The
// figures table shows each side's CPU use so a saturated driver would be visible.
//
// Environment knobs (all optional):
//   BENCH_PHASES=a,b,b2,c,d,e run a subset (a: bare batch 1, b: Herald batch 1, b2: Herald batch 100,
//                             c: latency at 1,000 events/s, bw / cw: b / c with [webhooks]
//                             max_in_flight = BENCH_WINDOW (default 16), d: RSS with 1M queued,
//                             e: WebSocket fan-out of one alarm to 10,000 clients, bench/ws-fanout.mjs,
//                             f: one alarm to 1,000 FCM tokens + 10 targets, bench/fcm-fanout.mjs)
//   BENCH_SCALE=0.1           scale every event count (quick smoke runs; figures are then rougher)
//   BENCH_PROFILE=1           run each Herald child under --cpu-prof and print where it spent time
//   BENCH_DATA_DIR=/dev/shm   where Herald's temporary data folders go (default: the OS temp dir, i.e.
//                             the real disk, as in production; /dev/shm takes the disk out of the figures)
//   BENCH_HERALD_MAIN=path    another build of dist/cli/main.js (A/B runs of a candidate change)
import { execFileSync } from 'node:child_process'
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { closedLoop, createPool, eventBody, openLoop } from './load.mjs'
import { startReceiver } from './receiver.mjs'
import { cpuMs, freePort, machineBusyMs, machineLoad, memoryOf, startForwarder, startHerald } from './processes.mjs'
import { summarize } from './profile-summary.mjs'
import { runWsFanout, wsFanoutDetails, wsFanoutRows } from './ws-fanout.mjs'
import { fcmFanout, formatFanout } from './fcm-fanout.mjs'

const SCALE = Number(process.env.BENCH_SCALE ?? 1)
const PHASES = new Set((process.env.BENCH_PHASES ?? 'a,b,b2,c,bw,cw,d,e,f').split(',').map((s) => s.trim()))
const PROFILE = process.env.BENCH_PROFILE === '1'
const PROFILE_DIR = fileURLToPath(new URL('./profiles/', import.meta.url))

const scaled = (n, min = 1) => Math.max(min, Math.round(n * SCALE))
const CFG = {
  concurrency: 64, // requests in flight from the load generator, every closed-loop phase
  warmupEvents: scaled(3_000, 500), // sent and delivered before each throughput measurement (JIT, pools)
  batch1Events: scaled(30_000, 1_000),
  batch100Events: scaled(200_000, 10_000),
  batch100PerRequest: 100,
  latencyRate: 1_000, // events/s, open loop
  // 2 s left the first 3 s of the measured window in JIT warm-up (Herald at 75 % of a core there
  // against 62 % once warm, p99 of those seconds 100-470 ms): 5 s measures the steady state.
  latencyWarmupMs: 5_000,
  latencyMs: 10_000,
  rssEvents: scaled(1_000_000, 10_000),
  rssPerRequest: 1_000,
  rssConcurrency: 4, // 4 × ~520 kB bodies in flight: enough to keep Herald busy, little transient memory
  // phases bw, cw: [webhooks] max_in_flight for the rows that show the in-flight window
  window: Number(process.env.BENCH_WINDOW ?? 16),
  wsClients: Number(process.env.BENCH_WS_CLIENTS ?? scaled(10_000, 100)), // phase e: WebSocket clients
  wsWave: Number(process.env.BENCH_WS_WAVE ?? 500), // phase e: clients connecting and authenticating at once
  wsWorkers: Number(process.env.BENCH_WS_WORKERS ?? 0), // phase e: 0 = clients on the bench main thread
  wsAlarms: 3, // phase e: alarms, each measured on its own
  receiptTimeoutMs: 90_000, // longest wait for the receiver to get everything, per phase
  sendDeadlineMs: 120_000 // longest a load loop may run, per phase
}
const TOKEN = 'bench-admin-token'
const AUTH = { authorization: `Token ${TOKEN}`, 'content-type': 'application/json' }
const RUN = Date.now().toString(36)
const LOAD_AT_START = machineLoad()

// Bounded in time whatever happens: figures so far are printed, children are killed on exit.
// Phase e (WebSocket fan-out) is bounded at about 2 minutes on its own and adds that much.
const WATCHDOG_MS = 340_000 + (PHASES.has('e') ? 120_000 : 0) + (PHASES.has('f') ? 120_000 : 0)
const results = new Map()
const tmpDirs = []
const watchdog = setTimeout(() => {
  log(`watchdog: the bench ran past ${WATCHDOG_MS / 1000} s; printing what was measured and exiting`)
  printTable()
  process.exit(3)
}, WATCHDOG_MS)
watchdog.unref()
process.on('exit', () => { for (const d of tmpDirs) rmSync(d, { recursive: true, force: true }) })

function log (msg) {
  process.stderr.write(`[bench ${(performance.now() / 1000).toFixed(1).padStart(6)} s] ${msg}\n`)
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

function percentile (sorted, p) {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]
}

/**
 * CPU use over a window, as % of one core: the system under test (its own process), the driver
 * (this process: load generator + receiver) and everything else on the machine (other processes
 * competing for the same 2 cores; anything well above 0 makes the figures unreliable).
 */
function cpuMeter (pid) {
  const child0 = cpuMs(pid)
  const self0 = process.cpuUsage()
  const machine0 = machineBusyMs()
  const t0 = performance.now()
  return () => {
    const wall = performance.now() - t0
    const self = process.cpuUsage(self0)
    const sutMs = cpuMs(pid) - child0
    const driverMs = (self.user + self.system) / 1000
    const otherMs = Math.max(0, machineBusyMs() - machine0 - sutMs - driverMs)
    return { sut: (100 * sutMs) / wall, driver: (100 * driverMs) / wall, other: (100 * otherMs) / wall, sutMs }
  }
}

async function newHerald (phase, env = {}) {
  const dataDir = mkdtempSync(join(process.env.BENCH_DATA_DIR ?? tmpdir(), `herald-bench-${phase}-`))
  tmpDirs.push(dataDir)
  let cpuProf
  if (PROFILE) {
    mkdirSync(PROFILE_DIR, { recursive: true })
    cpuProf = { dir: PROFILE_DIR, name: `${phase}.cpuprofile` }
    rmSync(join(PROFILE_DIR, cpuProf.name), { force: true })
  }
  const herald = await startHerald({ dataDir, port: await freePort(), token: TOKEN, cpuProf, env })
  return { herald, dataDir, cpuProf }
}

async function stopHerald ({ herald, dataDir, cpuProf }, phase) {
  await herald.stop()
  // Deleted now, not at exit, and the disk settled before the next phase: a GB written by b2 or d
  // (and, on a disk mounted with `discard`, the trims its deletion causes) otherwise reached the
  // disk during the next phase's first seconds: (c) after (b2) had p99 70-160 ms in those seconds,
  // 5-11 ms after (a) or on /dev/shm.
  rmSync(dataDir, { recursive: true, force: true })
  try { execFileSync('sync', { timeout: 60_000 }) } catch { /* not fatal: the figures just risk the noise above */ }
  if (cpuProf !== undefined) {
    const file = join(cpuProf.dir, cpuProf.name)
    try {
      results.set(`profile:${phase}`, summarize(JSON.parse(readFileSync(file, 'utf8')), 18))
    } catch (err) {
      results.set(`profile:${phase}`, `  (no profile: ${err.message})`)
    }
  }
}

async function createWebhook (heraldUrl, hook) {
  const res = await fetch(`${heraldUrl}/api/v1/hooks/`, { method: 'POST', headers: AUTH, body: JSON.stringify({ filters: {}, ...hook }) })
  const body = await res.json()
  if (res.status >= 300) throw new Error(`creating the webhook failed: ${res.status} ${JSON.stringify(body)}`)
  return body.id
}

/**
 * One closed-loop throughput run: warm-up (sent, delivered, discarded), then `events` events as
 * requests of `perRequest`, timed from the first send to the receiver's last receipt.
 */
async function throughput ({ name, target, path, receiver, events, perRequest, runId }) {
  const pool = createPool(target.url, CFG.concurrency)
  try {
    const send = (count, prefix) => closedLoop({
      pool,
      path,
      headers: AUTH,
      requests: Math.ceil(count / perRequest),
      concurrency: CFG.concurrency,
      deadlineMs: CFG.sendDeadlineMs,
      bodyFor: (i) => eventBody(prefix, i * perRequest, perRequest)
    })
    receiver.reset()
    const warm = await send(CFG.warmupEvents, `${runId}w`)
    if (warm.errors > 0) throw new Error(`${name}: warm-up got ${warm.errors} failed requests (${warm.firstError})`)
    const warmExpected = Math.ceil(CFG.warmupEvents / perRequest) * perRequest
    if (!await receiver.waitFor(warmExpected, CFG.receiptTimeoutMs)) throw new Error(`${name}: warm-up events never all arrived (${receiver.state.events}/${warmExpected})`)
    await sleep(200)
    receiver.reset()
    globalThis.gc?.()

    log(`${name}: sending ${events.toLocaleString('en-US')} events, ${perRequest} per request, concurrency ${CFG.concurrency}`)
    const meter = cpuMeter(target.pid)
    const load = await send(events, runId)
    const atLoadEnd = { events: receiver.state.events, t: performance.now() }
    const expected = load.acked * perRequest
    const complete = await receiver.waitFor(expected, CFG.receiptTimeoutMs)
    const cpu = meter()
    const s = receiver.state
    const seconds = (s.lastAt - load.firstSendAt) / 1000
    const r = {
      name,
      sent: load.sent * perRequest,
      acked: expected,
      received: s.events,
      requestsReceived: s.requests,
      errors: load.errors,
      firstError: load.firstError,
      complete: complete && !load.timedOut,
      seconds,
      eventsPerSec: s.events / seconds,
      ingestPerSec: expected / ((load.lastAckAt - load.firstSendAt) / 1000),
      // Delivery rate while the producer was still sending, and after it stopped (drain only).
      duringLoadPerSec: atLoadEnd.events / ((atLoadEnd.t - load.firstSendAt) / 1000),
      drainPerSec: s.lastAt > atLoadEnd.t ? (s.events - atLoadEnd.events) / ((s.lastAt - atLoadEnd.t) / 1000) : NaN,
      // CPU time of the system under test per delivered event: unlike events/s, barely moved by
      // other processes competing for the cores.
      cpuUsPerEvent: (cpu.sutMs * 1000) / s.events,
      cpu
    }
    log(`${name}: ${Math.round(r.eventsPerSec).toLocaleString('en-US')} events/s (${r.received}/${r.acked} received in ${seconds.toFixed(2)} s), ingest acks ${Math.round(r.ingestPerSec).toLocaleString('en-US')}/s, CPU sut ${cpu.sut.toFixed(0)} % driver ${cpu.driver.toFixed(0)} % other ${cpu.other.toFixed(0)} %`)
    return r
  } finally {
    await pool.close()
  }
}

/** Open loop at CFG.latencyRate: warm-up, then CFG.latencyMs measured; latency per event at the receiver. */
async function latency ({ name, target, path, receiver, runId }) {
  const pool = createPool(target.url, CFG.concurrency)
  try {
    const run = (durationMs, prefix) => openLoop({
      pool, path, headers: AUTH, rate: CFG.latencyRate, durationMs, bodyFor: (i, t) => eventBody(prefix, i, 1, t)
    })
    receiver.reset()
    const warm = await run(CFG.latencyWarmupMs, `${runId}w`)
    const warmDrained = await receiver.waitFor(warm.acked, 10_000)
    await sleep(200)
    // Only this run's ids count: warm-up events still queued (if any) are not measured.
    receiver.reset({ recordLatency: true, idPrefix: `${runId}-` })
    globalThis.gc?.()
    log(`${name}: open loop at ${CFG.latencyRate} events/s for ${CFG.latencyMs / 1000} s`)
    const meter = cpuMeter(target.pid)
    const load = await run(CFG.latencyMs, runId)
    const complete = await receiver.waitFor(load.acked, 10_000)
    const cpu = meter()
    // p99 of each second's worth of events, in arrival order: a backlog episode shows as a run of
    // high seconds, a steady tail as every second alike.
    const perSecond = []
    for (let i = 0; i < receiver.state.latencies.length; i += CFG.latencyRate) {
      perSecond.push(percentile(Float64Array.from(receiver.state.latencies.slice(i, i + CFG.latencyRate)).sort(), 99))
    }
    const lat = Float64Array.from(receiver.state.latencies).sort()
    const lags = Float64Array.from(load.lags).sort()
    const acks = Float64Array.from(load.ackTimes).sort()
    const r = {
      name,
      sent: load.sent,
      received: receiver.state.events,
      errors: load.errors,
      firstError: load.firstError,
      complete,
      warmDrained,
      p50: percentile(lat, 50),
      p90: percentile(lat, 90),
      p99: percentile(lat, 99),
      p999: percentile(lat, 99.9),
      max: lat.length > 0 ? lat[lat.length - 1] : NaN,
      perSecond,
      ackP50: percentile(acks, 50),
      ackP99: percentile(acks, 99),
      lagP99: percentile(lags, 99),
      lagMax: load.lagMax,
      cpu
    }
    log(`${name}: p50 ${r.p50.toFixed(2)} ms p99 ${r.p99.toFixed(2)} ms max ${r.max.toFixed(2)} ms (${r.received}/${r.sent}), send lag p99 ${r.lagP99.toFixed(2)} ms`)
    return r
  } finally {
    await pool.close()
  }
}

async function queueDepth (heraldUrl) {
  const text = await (await fetch(`${heraldUrl}/metrics`)).text()
  let total = 0
  for (const m of text.matchAll(/^herald_queue_depth\{[^}]*\} (\d+)/gm)) total += Number(m[1])
  return total
}

function sqliteFiles (dir) {
  return readdirSync(dir).filter((f) => f.includes('.db')).map((f) => `${f} ${fmtMB(statSync(join(dir, f)).size)}`).join(', ')
}

async function rssWithDeadReceiver () {
  const deadPort = await freePort() // closed again at once: connections to it are refused
  const h = await newHerald('d-rss-1m-queued')
  const { herald } = h
  try {
    await createWebhook(herald.url, { name: 'dead', url: `http://127.0.0.1:${deadPort}/hook`, batch_size: 1, send_attempts: 0 })
    await sleep(500)
    await herald.gc()
    const idle = memoryOf(herald.pid)
    log(`d: Herald idle RSS ${(idle.rss / 2 ** 20).toFixed(1)} MB; ingesting ${CFG.rssEvents.toLocaleString('en-US')} events, ${CFG.rssPerRequest} per request, concurrency ${CFG.rssConcurrency}`)
    const pool = createPool(herald.url, CFG.rssConcurrency)
    const meter = cpuMeter(herald.pid)
    const load = await closedLoop({
      pool,
      path: '/api/v1/events',
      headers: AUTH,
      requests: Math.ceil(CFG.rssEvents / CFG.rssPerRequest),
      concurrency: CFG.rssConcurrency,
      deadlineMs: CFG.sendDeadlineMs,
      bodyFor: (i) => eventBody(`${RUN}d`, i * CFG.rssPerRequest, CFG.rssPerRequest)
    })
    const cpu = meter()
    await pool.close()
    const ingestSeconds = (load.lastAckAt - load.firstSendAt) / 1000
    const acked = load.acked * CFG.rssPerRequest
    const beforeGc = memoryOf(herald.pid)
    await sleep(2_000) // let the dead lane make its first retries (ECONNREFUSED, backoff)
    const heap = await herald.gc()
    await sleep(500)
    const settled = memoryOf(herald.pid)
    const queued = await queueDepth(herald.url)
    const r = {
      acked,
      errors: load.errors,
      firstError: load.firstError,
      complete: !load.timedOut && load.errors === 0,
      ingestPerSec: acked / ingestSeconds,
      ingestSeconds,
      idleRss: idle.rss,
      rssBeforeGc: beforeGc.rss,
      rss: settled.rss,
      hwm: settled.hwm,
      heapUsed: heap.heapUsed,
      heapTotal: heap.heapTotal,
      external: heap.external,
      queued,
      files: sqliteFiles(h.dataDir),
      cpuUsPerEvent: (cpu.sutMs * 1000) / acked,
      cpu
    }
    log(`d: ${acked.toLocaleString('en-US')} events ingested in ${ingestSeconds.toFixed(1)} s (${Math.round(r.ingestPerSec).toLocaleString('en-US')}/s); queued ${queued.toLocaleString('en-US')}; RSS after GC ${(r.rss / 2 ** 20).toFixed(1)} MB (peak ${(r.hwm / 2 ** 20).toFixed(1)} MB)`)
    return r
  } finally {
    await stopHerald(h, 'd-rss-1m-queued')
  }
}

// ---------------------------------------------------------------------------------------------

const fmtInt = (n) => Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a'
const fmtMs = (n) => Number.isFinite(n) ? `${n.toFixed(2)} ms` : 'n/a'
const fmtUs = (n) => Number.isFinite(n) ? `${n.toFixed(0)} µs` : 'n/a'
const fmtMB = (n) => Number.isFinite(n) ? `${(n / 2 ** 20).toFixed(1)} MB` : 'n/a'
const verdict = (ok, complete = true) => ok === undefined ? '' : !complete ? 'INCOMPLETE' : ok ? 'PASS' : 'MISS'
const cpuCell = (c) => c === undefined ? '' : `${c.sut.toFixed(0)} / ${c.driver.toFixed(0)} / ${c.other.toFixed(0)} %`

function printTable () {
  const rows = []
  const add = (figure, value, target = '', result = '', cpu = '') => rows.push([figure, value, target, result, cpu])
  const a = results.get('a')
  const a2 = results.get('a2')
  const b = results.get('b')
  const b2 = results.get('b2')
  const c = results.get('c')
  const cBare = results.get('c-bare')
  const bw = results.get('bw')
  const cw = results.get('cw')
  const d = results.get('d')
  const e = results.get('e')
  if (a !== undefined) add('(a)  bare forwarder, batch 1: events/s', fmtInt(a.eventsPerSec), '(baseline)', a.complete ? '' : 'INCOMPLETE', cpuCell(a.cpu))
  if (a2 !== undefined) add('     reference: bare serial FIFO (1 POST in flight), batch 1', fmtInt(a2.eventsPerSec), '(ceiling of 1 lane)', a2.complete ? '' : 'INCOMPLETE', cpuCell(a2.cpu))
  if (b !== undefined) add('(b)  Herald end-to-end, batch 1: events/s', fmtInt(b.eventsPerSec), '', b.complete ? '' : 'INCOMPLETE', cpuCell(b.cpu))
  if (a !== undefined && b !== undefined) {
    const ratio = b.eventsPerSec / a.eventsPerSec
    add('     ratio Herald / bare, batch 1', ratio.toFixed(2), '>= 0.80', verdict(ratio >= 0.8, a.complete && b.complete))
  }
  if (b2 !== undefined) {
    add(`(b2) Herald end-to-end, batch 100: events/s`, fmtInt(b2.eventsPerSec), '>= 50,000', verdict(b2.eventsPerSec >= 50_000, b2.complete), cpuCell(b2.cpu))
  }
  const b2Store = results.get('b2-store')
  if (b2Store !== undefined) add('     reference: SQLite store alone, batch 100, no HTTP (store-ops)', fmtInt(b2Store.eventsPerSec), '(ceiling of the store)', '', '')
  if (c !== undefined) {
    add(`(c)  Herald ingest->received at ${fmtInt(CFG.latencyRate)}/s: p50`, fmtMs(c.p50), '', '', cpuCell(c.cpu))
    add('     p99', fmtMs(c.p99), '< 10 ms', verdict(c.p99 < 10, c.complete && c.errors === 0))
  }
  if (cBare !== undefined) add(`     bare forwarder at ${fmtInt(CFG.latencyRate)}/s: p50 / p99 (reference)`, `${fmtMs(cBare.p50)} / ${fmtMs(cBare.p99)}`, '', '', cpuCell(cBare.cpu))
  if (bw !== undefined) {
    add(`(b)  … with [webhooks] max_in_flight = ${CFG.window}: events/s`, fmtInt(bw.eventsPerSec), '', bw.complete ? '' : 'INCOMPLETE', cpuCell(bw.cpu))
    if (a !== undefined) {
      const ratio = bw.eventsPerSec / a.eventsPerSec
      add('     ratio Herald / bare, batch 1', ratio.toFixed(2), '>= 0.80', verdict(ratio >= 0.8, a.complete && bw.complete))
    }
  }
  if (cw !== undefined) {
    add(`(c)  … with [webhooks] max_in_flight = ${CFG.window}: p50`, fmtMs(cw.p50), '', '', cpuCell(cw.cpu))
    add('     p99', fmtMs(cw.p99), '< 10 ms', verdict(cw.p99 < 10, cw.complete && cw.errors === 0))
  }
  if (d !== undefined) {
    add(`(d)  Herald RSS, ${fmtInt(d.queued)} queued for a dead receiver`, fmtMB(d.rss), '< 300 MB', verdict(d.rss < 300 * 2 ** 20, d.complete && d.queued >= CFG.rssEvents), cpuCell(d.cpu))
  }
  if (e !== undefined) for (const row of wsFanoutRows(e)) add(...row)
  const head = ['figure', 'value', 'target', 'result', 'CPU sut / driver / other']
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)))
  const line = (cells) => cells.map((c, i) => (i === 1 ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join('  ').trimEnd()
  const out = []
  out.push('')
  out.push(`Herald bench: node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), loopback 127.0.0.1 only${SCALE !== 1 ? `, BENCH_SCALE=${SCALE}` : ''}`)
  out.push(`Herald: ${process.env.BENCH_HERALD_MAIN ?? 'dist/cli/main.js'} (child process), data in ${process.env.BENCH_DATA_DIR ?? tmpdir()}`)
  out.push(`machine: load average ${LOAD_AT_START.load1} at start, ${machineLoad().load1} at end; CPU pressure (PSI some avg10) ${LOAD_AT_START.pressure} % at start, ${machineLoad().pressure} % at end`)
  out.push(`load generator: undici Pool, keep-alive, ${CFG.concurrency} requests in flight (closed loop) unless noted; ~520-byte FindFace face_event`)
  out.push('')
  out.push(line(head))
  out.push(widths.map((w) => '-'.repeat(w)).join('  '))
  for (const r of rows) out.push(line(r))
  out.push('')
  out.push('details')
  if (a !== undefined) out.push(`  (a)  ${a.received.toLocaleString('en-US')}/${a.acked.toLocaleString('en-US')} events received in ${a.seconds.toFixed(2)} s; one event per POST in, one per POST out; forwarder CPU ${fmtUs(a.cpuUsPerEvent)}/event; errors ${a.errors}${a.firstError ? ` (${a.firstError})` : ''}`)
  if (a2 !== undefined) out.push(`  (a2) ${a2.received.toLocaleString('en-US')}/${a2.acked.toLocaleString('en-US')} events received in ${a2.seconds.toFixed(2)} s; replies 202 once queued in memory, then one POST at a time, FIFO, like one Herald lane with no store; CPU ${fmtUs(a2.cpuUsPerEvent)}/event`)
  if (b !== undefined) out.push(`  (b)  ${b.received.toLocaleString('en-US')}/${b.acked.toLocaleString('en-US')} events received in ${b.seconds.toFixed(2)} s in ${b.requestsReceived.toLocaleString('en-US')} webhook POSTs; webhook batch_size 1, producer posts 1 event per request; ingest acknowledged at ${fmtInt(b.ingestPerSec)} events/s;\n       delivered ${fmtInt(b.duringLoadPerSec)} events/s while the producer was sending, ${fmtInt(b.drainPerSec)} events/s after (queue drain only); Herald CPU ${fmtUs(b.cpuUsPerEvent)}/event; errors ${b.errors}${b.firstError ? ` (${b.firstError})` : ''}`)
  if (b2 !== undefined) out.push(`  (b2) ${b2.received.toLocaleString('en-US')}/${b2.acked.toLocaleString('en-US')} events received in ${b2.seconds.toFixed(2)} s in ${b2.requestsReceived.toLocaleString('en-US')} webhook POSTs; webhook batch_size ${CFG.batch100PerRequest}, producer posts arrays of ${CFG.batch100PerRequest} events per request; ingest acknowledged at ${fmtInt(b2.ingestPerSec)} events/s;\n       delivered ${fmtInt(b2.duringLoadPerSec)} events/s while the producer was sending, ${fmtInt(b2.drainPerSec)} events/s after (queue drain only); Herald CPU ${fmtUs(b2.cpuUsPerEvent)}/event; errors ${b2.errors}${b2.firstError ? ` (${b2.firstError})` : ''}`)
  if (b2Store !== undefined) out.push(`  (b2) store alone: \`node bench/store-ops.mjs ceiling\`, ${b2Store.events.toLocaleString('en-US')} normalized events ingested 100 per commit into SqliteStore on a file (WAL), then claimed and marked delivered 100 at a time;\n       ingest ${b2Store.ingestUs.toFixed(1)} µs/event + claim and outcome ${b2Store.deliverUs.toFixed(1)} µs/event, no HTTP, no parsing, no validation`)
  if (c !== undefined) out.push(`  (c)  open loop, ${c.sent.toLocaleString('en-US')} events over ${CFG.latencyMs / 1000} s after a ${CFG.latencyWarmupMs / 1000} s warm-up, batch 1; received ${c.received.toLocaleString('en-US')}${c.warmDrained ? '' : ' (warm-up backlog not drained within 10 s before measuring)'}; p90 ${fmtMs(c.p90)} p99.9 ${fmtMs(c.p999)} max ${fmtMs(c.max)};\n       POST answered (202) p50 ${fmtMs(c.ackP50)} p99 ${fmtMs(c.ackP99)}; generator send lag p99 ${fmtMs(c.lagP99)} max ${fmtMs(c.lagMax)}; errors ${c.errors}`)
  const seconds = (r) => r.perSecond.map((v) => v.toFixed(v < 10 ? 1 : 0)).join(' ')
  if (c !== undefined) out.push(`       p99 of each second, ms: ${seconds(c)}`)
  if (bw !== undefined) out.push(`  (bw) as (b) with [webhooks] max_in_flight = ${CFG.window}: ${bw.received.toLocaleString('en-US')}/${bw.acked.toLocaleString('en-US')} events in ${bw.seconds.toFixed(2)} s; delivered ${fmtInt(bw.duringLoadPerSec)} events/s while the producer was sending, ${fmtInt(bw.drainPerSec)} events/s after; Herald CPU ${fmtUs(bw.cpuUsPerEvent)}/event; errors ${bw.errors}`)
  if (cw !== undefined) out.push(`  (cw) as (c) with [webhooks] max_in_flight = ${CFG.window}: received ${cw.received.toLocaleString('en-US')}; p90 ${fmtMs(cw.p90)} p99.9 ${fmtMs(cw.p999)} max ${fmtMs(cw.max)}; POST answered p99 ${fmtMs(cw.ackP99)}; send lag p99 ${fmtMs(cw.lagP99)}; errors ${cw.errors}`)
  if (cw !== undefined) out.push(`       p99 of each second, ms: ${seconds(cw)}`)
  if (cBare !== undefined) out.push(`       bare: p90 ${fmtMs(cBare.p90)} p99.9 ${fmtMs(cBare.p999)} max ${fmtMs(cBare.max)}; received ${cBare.received}/${cBare.sent}; generator send lag p99 ${fmtMs(cBare.lagP99)}; p99 of each second, ms: ${seconds(cBare)}`)
  if (d !== undefined) {
    out.push(`  (d)  ${d.acked.toLocaleString('en-US')} events ingested in arrays of ${CFG.rssPerRequest} (concurrency ${CFG.rssConcurrency}) in ${d.ingestSeconds.toFixed(1)} s = ${fmtInt(d.ingestPerSec)} events/s, Herald CPU ${fmtUs(d.cpuUsPerEvent)}/event; webhook send_attempts 0 to a closed port`)
    out.push(`       RSS idle ${fmtMB(d.idleRss)}, right after ingest ${fmtMB(d.rssBeforeGc)}, after GC ${fmtMB(d.rss)}, peak (VmHWM) ${fmtMB(d.hwm)}; V8 heap used ${fmtMB(d.heapUsed)} of ${fmtMB(d.heapTotal)}, external ${fmtMB(d.external)}; SQLite files: ${d.files}`)
  }
  if (e !== undefined) out.push(...wsFanoutDetails(e))
  const f = results.get('f')
  if (f !== undefined) out.push(formatFanout(f).split('\n').map((l) => `  ${l}`).join('\n'))
  out.push('  CPU: % of one core over the measured window: sut = the system under test (its own process), driver =')
  out.push('  the bench process (load generator + receiver), other = every other process on the machine. 100 % for')
  out.push('  sut or driver means that side was the bottleneck; other well above 0 means the figures are skewed.')
  for (const f of failures) out.push(`  FAILED ${f}`)
  for (const [k, v] of results) {
    if (!k.startsWith('profile:')) continue
    out.push('')
    out.push(`CPU profile of Herald, phase ${k.slice(8)} (node --cpu-prof):`)
    out.push(v)
  }
  process.stdout.write(out.join('\n') + '\n')
}

const failures = []

/** One phase: a failure is reported in the table and the other phases still run. */
async function phase (key, fn) {
  if (!PHASES.has(key)) return
  try {
    await fn()
  } catch (err) {
    failures.push(`(${key}) ${err?.message ?? err}`)
    log(`phase ${key} failed: ${err?.stack ?? err}`)
  }
}

/**
 * What the SQLite store alone allows at batch 100 (its own process, a file in the same data
 * folder as Herald's): the reference row under (b2), as the serial forwarder is under (b).
 */
function storeCeiling () {
  const out = execFileSync(process.execPath, [fileURLToPath(new URL('./store-ops.mjs', import.meta.url)), 'ceiling'], {
    env: { ...process.env, BENCH_STORE_EVENTS: String(scaled(50_000, 5_000)) },
    encoding: 'utf8',
    timeout: 120_000
  })
  return JSON.parse(out.trim().split('\n').at(-1))
}

async function withForwarder (receiver, mode, fn) {
  const fwd = await startForwarder({ port: await freePort(), target: receiver.url, mode })
  try { return await fn(fwd) } finally { await fwd.stop() }
}

async function withHerald (name, hook, fn, env = {}) {
  const h = await newHerald(name, env)
  try {
    await createWebhook(h.herald.url, hook)
    return await fn(h.herald)
  } finally {
    await stopHerald(h, name)
  }
}

async function main () {
  log(`phases ${[...PHASES].join(',')}; scale ${SCALE}; profile ${PROFILE ? 'on' : 'off'}`)
  const receiver = await startReceiver()
  const hook = (name, batchSize) => ({ name, url: receiver.url, batch_size: batchSize, send_attempts: 10 })
  try {
    await phase('a', async () => {
      results.set('a', await withForwarder(receiver, 'parallel', (fwd) =>
        throughput({ name: 'a bare batch 1', target: fwd, path: '/', receiver, events: CFG.batch1Events, perRequest: 1, runId: `${RUN}a` })))
      results.set('a2', await withForwarder(receiver, 'serial', (fwd) =>
        throughput({ name: 'a2 bare serial FIFO batch 1', target: fwd, path: '/', receiver, events: CFG.batch1Events, perRequest: 1, runId: `${RUN}a2` })))
    })
    await phase('b', async () => {
      results.set('b', await withHerald('b-herald-batch1', hook('bench batch 1', 1), (herald) =>
        throughput({ name: 'b Herald batch 1', target: herald, path: '/api/v1/events', receiver, events: CFG.batch1Events, perRequest: 1, runId: `${RUN}b` })))
    })
    await phase('b2', async () => {
      results.set('b2', await withHerald('b2-herald-batch100', hook('bench batch 100', CFG.batch100PerRequest), (herald) =>
        throughput({ name: 'b2 Herald batch 100', target: herald, path: '/api/v1/events', receiver, events: CFG.batch100Events, perRequest: CFG.batch100PerRequest, runId: `${RUN}b2` })))
      results.set('b2-store', storeCeiling())
    })
    await phase('c', async () => {
      results.set('c-bare', await withForwarder(receiver, 'parallel', (fwd) =>
        latency({ name: 'c bare latency', target: fwd, path: '/', receiver, runId: `${RUN}cb` })))
      results.set('c', await withHerald('c-herald-latency', hook('bench latency', 1), (herald) =>
        latency({ name: 'c Herald latency', target: herald, path: '/api/v1/events', receiver, runId: `${RUN}c` })))
    })
    const windowed = { HERALD_WEBHOOKS_MAX_IN_FLIGHT: String(CFG.window) }
    await phase('bw', async () => {
      results.set('bw', await withHerald('bw-herald-batch1-window', hook('bench batch 1, window', 1), (herald) =>
        throughput({ name: `bw Herald batch 1, max_in_flight ${CFG.window}`, target: herald, path: '/api/v1/events', receiver, events: CFG.batch1Events, perRequest: 1, runId: `${RUN}bw` }), windowed))
    })
    await phase('cw', async () => {
      results.set('cw', await withHerald('cw-herald-latency-window', hook('bench latency, window', 1), (herald) =>
        latency({ name: `cw Herald latency, max_in_flight ${CFG.window}`, target: herald, path: '/api/v1/events', receiver, runId: `${RUN}cw` }), windowed))
    })
    await phase('d', async () => { results.set('d', await rssWithDeadReceiver()) })
    await phase('e', async () => {
      const e = await runWsFanout({
        clients: CFG.wsClients,
        wave: CFG.wsWave,
        workers: CFG.wsWorkers,
        alarms: CFG.wsAlarms,
        profileDir: PROFILE ? PROFILE_DIR : undefined,
        dataRoot: process.env.BENCH_DATA_DIR ?? tmpdir(),
        log: (m) => log(`e: ${m}`)
      })
      results.set('e', e)
      if (e.profileFile !== undefined) {
        try {
          results.set('profile:e-ws-fanout', summarize(JSON.parse(readFileSync(e.profileFile, 'utf8')), 18))
        } catch (err) {
          results.set('profile:e-ws-fanout', `  (no profile: ${err.message})`)
        }
      }
    })
    await phase('f', async () => { results.set('f', await fcmFanout()) })
  } finally {
    await receiver.close()
  }
  printTable()
  return failures.length === 0 ? 0 : 1
}

main().then((code) => {
  clearTimeout(watchdog)
  process.exit(code)
}, (err) => {
  log(`failed: ${err?.stack ?? err}`)
  if (results.size > 0) printTable()
  process.exit(1)
})
