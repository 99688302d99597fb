// Phase (e) of `npm run bench`, also runnable alone after `npm run build`: `node bench/ws-fanout.mjs`.
// The issue's WebSocket benchmark: 10,000 authenticated zmNinja-protocol WebSocket clients on
// loopback, one alarm, the time until every client has it (p50 / p99 / max), and Herald's RSS per
// idle connection. See bench/README.md, "Phase (e): WebSocket fan-out".
//
// Topology: Herald (`node dist/cli/main.js serve`) is a child process; the clients are `ws`
// WebSockets in the bench process, on its main thread by default (BENCH_WS_WORKERS=2 spreads them
// over 2 worker threads). The machine has 2 cores: Herald gets one, the clients the other.
// Arrival times are taken in the client's 'message' handler, so they include the time the bench's
// own event loop needed to get to that socket; the CPU columns say whether the bench was busy.
//
// Environment knobs (all optional; npm run bench passes BENCH_SCALE and BENCH_PROFILE through):
//   BENCH_WS_CLIENTS=10000   number of clients (default 10,000 × BENCH_SCALE)
//   BENCH_WS_WAVE=500        clients connecting and authenticating at the same time
//   BENCH_WS_WORKERS=0       0: clients on the main thread; N: spread over N worker threads
//   BENCH_WS_ALARMS=3        alarms, one after the other, each measured on its own
//   BENCH_PROFILE=1          Herald under --cpu-prof (bench/profiles/e-ws-fanout.cpuprofile), summarized
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads'
import WebSocket from 'ws'
import { cpuMs, freePort, machineBusyMs, machineLoad, memoryOf, startHerald } from './processes.mjs'

const SELF = fileURLToPath(import.meta.url)
const TOKEN = 'bench-admin-token'
const AUTH_MESSAGE = JSON.stringify({ event: 'auth', data: { user: 'bench', password: 'bench', appversion: 'bench' } })
const VERSION_MESSAGE = JSON.stringify({ event: 'control', data: { type: 'version' } })
export const WS_TARGETS = Object.freeze({ p99Ms: 250, kbPerConnection: 50 })
const LIMITS = {
  connectDeadlineMs: 45_000, // no new wave is started after this; the run continues with those connected
  clientAuthTimeoutMs: 15_000, // one client: TCP + upgrade + auth reply
  alarmWaitMs: 10_000, // longest wait for one alarm to reach every client
  closeWaitMs: 5_000 // close handshakes at the end; then whatever is left is terminated
}

/** Absolute time in ms with sub-ms resolution, comparable across worker threads of one process. */
const now = () => performance.timeOrigin + performance.now()
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * A set of WebSocket clients in one thread: connects them in waves, authenticates each, then
 * records for every client when an armed alarm (found by its EventId bytes, no JSON.parse) arrived.
 */
class ClientGroup {
  constructor ({ url, count, wave }) {
    this.url = url
    this.count = count
    this.wave = Math.max(1, wave)
    this.sockets = new Array(count)
    this.arrivals = new Float64Array(count).fill(NaN)
    this.authed = 0
    this.failed = 0
    this.firstError = undefined
    this.closedEarly = 0
    this.needle = null
    this.received = 0
    this.closing = false
    this.onAll = null
  }

  async connect (deadline) {
    for (let start = 0; start < this.count; start += this.wave) {
      if (now() > deadline) {
        this.skipped = this.count - start
        break
      }
      const n = Math.min(this.wave, this.count - start)
      const wave = []
      for (let k = 0; k < n; k++) wave.push(this.#open(start + k))
      await Promise.all(wave)
    }
    return { authed: this.authed, failed: this.failed, skipped: this.skipped ?? 0, firstError: this.firstError }
  }

  #open (i) {
    return new Promise((resolve) => {
      const ws = new WebSocket(this.url, { perMessageDeflate: false, handshakeTimeout: LIMITS.clientAuthTimeoutMs })
      this.sockets[i] = ws
      let settled = false
      let authed = false
      const fail = (why) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        this.failed++
        this.firstError ??= why
        ws.terminate()
        resolve(false)
      }
      const timer = setTimeout(() => fail('no auth reply within 15 s'), LIMITS.clientAuthTimeoutMs)
      ws.on('open', () => ws.send(AUTH_MESSAGE))
      ws.on('message', (data) => {
        if (authed) {
          // Hot path of the measurement: a byte search, no parse, one store.
          if (this.needle !== null && Number.isNaN(this.arrivals[i]) && data.indexOf(this.needle) !== -1) {
            this.arrivals[i] = now()
            if (++this.received >= this.authed && this.onAll !== null) this.onAll()
          }
          return
        }
        let m
        try { m = JSON.parse(data) } catch { return }
        if (m?.event !== 'auth') return
        if (m.status !== 'Success') return fail(`auth answered ${m.status} ${m.reason ?? ''}`)
        authed = true
        settled = true
        clearTimeout(timer)
        this.authed++
        resolve(true)
      })
      ws.on('error', (err) => fail(err.message))
      ws.on('close', () => {
        if (!settled) fail('closed before auth')
        else if (authed && !this.closing) this.closedEarly++
      })
    })
  }

  /**
   * Warms the bench's own receive path (ws's reader, the byte search, the bookkeeping) before the
   * first alarm, with a `control` `version` round trip on every connection: one process playing
   * 10,000 phones must not charge its own JIT warm-up to Herald. Herald answers with its reply
   * path; its alarm fan-out stays cold.
   */
  async warmUp (timeoutMs) {
    this.#expect(Buffer.from('"type":"version"'))
    for (const ws of this.sockets) if (ws?.readyState === WebSocket.OPEN) ws.send(VERSION_MESSAGE)
    const r = await this.collect(timeoutMs)
    return { received: r.received }
  }

  arm (eventId) {
    this.#expect(Buffer.from(`"EventId":"${eventId}"`))
  }

  #expect (needle) {
    this.needle = needle
    this.arrivals.fill(NaN)
    this.received = 0
    this.onAll = null
  }

  /** Resolves with the arrival times once every authenticated client has the alarm, or at the timeout. */
  async collect (timeoutMs) {
    if (this.received < this.authed) {
      await new Promise((resolve) => {
        const t = setTimeout(resolve, timeoutMs)
        this.onAll = () => { clearTimeout(t); resolve() }
      })
    }
    this.onAll = null
    this.needle = null
    return { arrivals: this.arrivals.slice(), received: this.received, closedEarly: this.closedEarly }
  }

  async close () {
    this.closing = true
    const open = this.sockets.filter((ws) => ws !== undefined && ws.readyState !== WebSocket.CLOSED)
    await Promise.race([
      Promise.all(open.map((ws) => new Promise((resolve) => {
        ws.once('close', resolve)
        try { ws.close(1000, 'bench done') } catch { ws.terminate() }
      }))),
      sleep(LIMITS.closeWaitMs)
    ])
    let terminated = 0
    for (const ws of open) if (ws.readyState !== WebSocket.CLOSED) { ws.terminate(); terminated++ }
    return { closed: open.length - terminated, terminated }
  }
}

// ---- worker thread side (BENCH_WS_WORKERS > 0) ---------------------------------------------
if (!isMainThread && workerData?.wsFanout === true) {
  const group = new ClientGroup(workerData)
  parentPort.on('message', async (msg) => {
    if (msg.cmd === 'connect') {
      parentPort.postMessage({ id: msg.id, result: await group.connect(msg.deadline) })
    } else if (msg.cmd === 'warm') {
      parentPort.postMessage({ id: msg.id, result: await group.warmUp(msg.timeoutMs) })
    } else if (msg.cmd === 'arm') {
      group.arm(msg.eventId)
      parentPort.postMessage({ id: msg.id })
    } else if (msg.cmd === 'collect') {
      const r = await group.collect(msg.timeoutMs)
      parentPort.postMessage({ id: msg.id, result: r }, [r.arrivals.buffer])
    } else if (msg.cmd === 'close') {
      parentPort.postMessage({ id: msg.id, result: await group.close() })
      parentPort.close()
    }
  })
}

/** The clients, on this thread (workers = 0) or spread over worker threads; one interface either way. */
function clientDriver ({ url, count, wave, workers }) {
  if (workers <= 0) {
    const g = new ClientGroup({ url, count, wave })
    return {
      connect: (deadline) => g.connect(deadline),
      warmUp: (timeoutMs) => g.warmUp(timeoutMs),
      arm: async (eventId) => g.arm(eventId),
      collect: (timeoutMs) => g.collect(timeoutMs),
      close: () => g.close()
    }
  }
  const threads = []
  for (let w = 0; w < workers; w++) {
    const share = Math.floor(count / workers) + (w < count % workers ? 1 : 0)
    const worker = new Worker(SELF, { workerData: { wsFanout: true, url, count: share, wave: Math.ceil(wave / workers) } })
    let seq = 0
    const waiting = new Map()
    worker.on('message', (m) => { waiting.get(m.id)?.(m.result); waiting.delete(m.id) })
    worker.on('error', (err) => { for (const r of waiting.values()) r({ error: err.message }); waiting.clear() })
    const call = (msg) => new Promise((resolve) => { const id = ++seq; waiting.set(id, resolve); worker.postMessage({ ...msg, id }) })
    threads.push({ worker, call })
  }
  const all = (msg) => Promise.all(threads.map((t) => t.call(msg)))
  return {
    async connect (deadline) {
      const rs = await all({ cmd: 'connect', deadline })
      return {
        authed: rs.reduce((s, r) => s + (r.authed ?? 0), 0),
        failed: rs.reduce((s, r) => s + (r.failed ?? 0), 0),
        skipped: rs.reduce((s, r) => s + (r.skipped ?? 0), 0),
        firstError: rs.find((r) => r.firstError !== undefined || r.error !== undefined)?.firstError ?? rs.find((r) => r.error)?.error
      }
    },
    async warmUp (timeoutMs) {
      const rs = await all({ cmd: 'warm', timeoutMs })
      return { received: rs.reduce((s, r) => s + (r.received ?? 0), 0) }
    },
    arm: async (eventId) => { await all({ cmd: 'arm', eventId }) },
    async collect (timeoutMs) {
      const rs = await all({ cmd: 'collect', timeoutMs })
      const arrivals = new Float64Array(rs.reduce((s, r) => s + r.arrivals.length, 0))
      let o = 0
      for (const r of rs) { arrivals.set(r.arrivals, o); o += r.arrivals.length }
      return { arrivals, received: rs.reduce((s, r) => s + r.received, 0), closedEarly: rs.reduce((s, r) => s + r.closedEarly, 0) }
    },
    async close () {
      const rs = await all({ cmd: 'close' })
      await Promise.all(threads.map((t) => t.worker.terminate()))
      return { closed: rs.reduce((s, r) => s + r.closed, 0), terminated: rs.reduce((s, r) => s + r.terminated, 0) }
    }
  }
}

// ---- measurement (main thread) ---------------------------------------------------------------

function percentile (sorted, p) {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]
}

/** `Max open files` soft and hard limits of a process, from /proc/<pid>/limits. */
export function fdLimits (pid = 'self') {
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'))
  const n = (s) => s === 'unlimited' ? Infinity : Number(s)
  return { soft: n(m?.[1]), hard: n(m?.[2]) }
}

/** CPU use over a window as % of one core: Herald, the bench process (all its threads), everything else. */
function cpuMeter (pid) {
  const h0 = cpuMs(pid)
  const s0 = process.cpuUsage()
  const m0 = machineBusyMs()
  const t0 = performance.now()
  return () => {
    const wall = performance.now() - t0
    const s = process.cpuUsage(s0)
    const heraldMs = cpuMs(pid) - h0
    const benchMs = (s.user + s.system) / 1000
    const otherMs = Math.max(0, machineBusyMs() - m0 - heraldMs - benchMs)
    // /proc/<pid>/stat counts in 10 ms ticks: over a window of ~100 ms these are coarse.
    return { sut: (100 * heraldMs) / wall, driver: (100 * benchMs) / wall, other: (100 * otherMs) / wall, heraldMs, benchMs, wallMs: wall }
  }
}

async function waitForPort (port, timeoutMs) {
  const stopAt = Date.now() + timeoutMs
  for (;;) {
    const ok = await new Promise((resolve) => {
      const s = connect({ host: '127.0.0.1', port })
      s.once('connect', () => { s.destroy(); resolve(true) })
      s.once('error', () => resolve(false))
    })
    if (ok) return
    if (Date.now() > stopAt) throw new Error(`the event server is not listening on 127.0.0.1:${port} after ${timeoutMs} ms`)
    await sleep(100)
  }
}

/**
 * Runs the whole scenario against a fresh Herald and returns the figures (see formatWsFanout).
 * Bounded: connecting stops starting waves after 45 s, each alarm is waited for at most 10 s, and
 * every socket and Herald itself are closed in `finally`.
 */
export async function runWsFanout ({
  clients = 10_000, wave = 500, workers = 0, alarms = 3, profileDir, dataRoot = tmpdir(),
  log = (m) => process.stderr.write(`[ws-fanout ${(performance.now() / 1000).toFixed(1).padStart(6)} s] ${m}\n`)
} = {}) {
  const r = { requested: clients, clients, wave, workers, notes: [], alarms: [] }
  // Every client socket is a file descriptor here and another one in Herald (same limit: Herald
  // inherits it). Node cannot raise its own limit; the standalone run re-executes itself under
  // `ulimit -n` when the hard limit allows (see the bottom of this file).
  const fds = fdLimits()
  r.fdLimit = fds.soft
  const headroom = 512
  if (fds.soft < clients + headroom) {
    r.clients = Math.max(1, fds.soft - headroom)
    r.notes.push(`open-files limit ${fds.soft} < ${clients} + ${headroom}: reduced to ${r.clients} clients`)
    log(r.notes.at(-1))
  }
  const dataDir = mkdtempSync(join(dataRoot, 'herald-bench-e-ws-'))
  const httpPort = await freePort()
  const wsPort = await freePort()
  let cpuProf
  if (profileDir !== undefined) {
    mkdirSync(profileDir, { recursive: true })
    cpuProf = { dir: profileDir, name: 'e-ws-fanout.cpuprofile' }
    rmSync(join(profileDir, cpuProf.name), { force: true })
  }
  let herald
  let driver
  try {
    herald = await startHerald({
      dataDir,
      port: httpPort,
      token: TOKEN,
      cpuProf,
      env: { HERALD_NETWORK_PORT: String(wsPort), HERALD_NETWORK_ADDRESS: '127.0.0.1', HERALD_AUTH_ENABLE: 'no' }
    })
    await waitForPort(wsPort, 10_000)
    r.heraldFdLimit = fdLimits(herald.pid).soft
    if (r.heraldFdLimit < r.clients + 64) r.notes.push(`Herald's open-files limit ${r.heraldFdLimit} is below ${r.clients} connections`)
    const url = `ws://127.0.0.1:${wsPort}/`
    log(`Herald pid ${herald.pid}: HTTP ${herald.url}, event server ${url} ([auth] enable = no via HERALD_AUTH_ENABLE=no; any credentials succeed)`)

    await sleep(500)
    const heap0 = await herald.gc()
    const mem0 = memoryOf(herald.pid)
    r.rssBefore = mem0.rss
    r.heapBefore = heap0.heapUsed
    log(`Herald RSS before connecting ${(mem0.rss / 2 ** 20).toFixed(1)} MB (after GC); opening ${r.clients.toLocaleString('en-US')} clients in waves of ${wave}${workers > 0 ? ` over ${workers} worker threads` : ' on the main thread'}`)

    driver = clientDriver({ url, count: r.clients, wave, workers })
    const meter = cpuMeter(herald.pid)
    const t0 = performance.now()
    const c = await driver.connect(now() + LIMITS.connectDeadlineMs)
    r.connectMs = performance.now() - t0
    r.connectCpu = meter()
    Object.assign(r, { authed: c.authed, failed: c.failed, skipped: c.skipped, firstError: c.firstError })
    log(`${c.authed.toLocaleString('en-US')} authenticated in ${(r.connectMs / 1000).toFixed(1)} s (${Math.round(c.authed / (r.connectMs / 1000)).toLocaleString('en-US')}/s); failed ${c.failed}${c.firstError ? ` (${c.firstError})` : ''}${c.skipped ? `; ${c.skipped} not attempted (connect deadline)` : ''}`)
    if (c.authed === 0) throw new Error(`no client authenticated: ${c.firstError ?? '?'}`)

    for (let round = 1; round <= 2; round++) {
      const w = await driver.warmUp(LIMITS.alarmWaitMs)
      log(`bench warm-up ${round}: ${w.received.toLocaleString('en-US')} version replies`)
    }
    await sleep(2_000) // idle: nothing in flight
    const heap1 = await herald.gc()
    await sleep(250)
    const mem1 = memoryOf(herald.pid)
    r.rssAfter = mem1.rss
    r.heapAfter = heap1.heapUsed
    r.kbPerConnection = (mem1.rss - mem0.rss) / 1024 / c.authed
    r.heapKbPerConnection = (heap1.heapUsed - heap0.heapUsed) / 1024 / c.authed
    const bench = memoryOf(process.pid)
    r.benchRss = bench.rss
    log(`Herald RSS idle with ${c.authed.toLocaleString('en-US')} connections ${(mem1.rss / 2 ** 20).toFixed(1)} MB (after GC): ${r.kbPerConnection.toFixed(1)} KB per connection (V8 heap ${r.heapKbPerConnection.toFixed(1)} KB)`)

    const base = 700_000 + Math.floor(Math.random() * 100_000) * 10
    for (let k = 1; k <= alarms; k++) {
      const eventId = base + k
      await driver.arm(eventId)
      const m = cpuMeter(herald.pid)
      const tPost = now() // "just before the POST"
      const res = await fetch(`${herald.url}/api/v1/events`, {
        method: 'POST',
        headers: { authorization: `Token ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'alarm', monitor_id: 1, monitor_name: 'Front', event_id: eventId, cause: 'Motion', phase: 'start' })
      })
      const ackMs = now() - tPost
      const ackBody = await res.text()
      const got = await driver.collect(LIMITS.alarmWaitMs)
      const cpu = m()
      const lat = []
      for (const t of got.arrivals) if (!Number.isNaN(t)) lat.push(t - tPost)
      const sorted = Float64Array.from(lat).sort()
      const a = {
        eventId,
        status: res.status,
        ackMs,
        ackBody: res.status >= 300 ? ackBody.slice(0, 200) : undefined,
        expected: c.authed,
        received: got.received,
        closedEarly: got.closedEarly,
        p50: percentile(sorted, 50),
        p90: percentile(sorted, 90),
        p99: percentile(sorted, 99),
        min: sorted.length > 0 ? sorted[0] : NaN,
        max: sorted.length > 0 ? sorted[sorted.length - 1] : NaN,
        cpu
      }
      r.alarms.push(a)
      log(`alarm ${k} (event ${eventId}): POST ${res.status} in ${ackMs.toFixed(1)} ms; received by ${got.received.toLocaleString('en-US')}/${c.authed.toLocaleString('en-US')}; first ${a.min.toFixed(1)} ms, p50 ${a.p50.toFixed(1)} ms, p99 ${a.p99.toFixed(1)} ms, max ${a.max.toFixed(1)} ms; CPU Herald ${cpu.heraldMs} ms bench ${cpu.benchMs.toFixed(0)} ms over ${cpu.wallMs.toFixed(0)} ms`)
      await sleep(1_000)
    }
  } finally {
    if (driver !== undefined) {
      const cl = await driver.close()
      r.closed = cl
      log(`clients closed: ${cl.closed.toLocaleString('en-US')} with a close handshake, ${cl.terminated} terminated`)
    }
    if (herald !== undefined) await herald.stop()
    rmSync(dataDir, { recursive: true, force: true })
    if (cpuProf !== undefined) r.profileFile = join(cpuProf.dir, cpuProf.name)
  }
  return r
}

const fmt = (n, d = 1) => Number.isFinite(n) ? n.toFixed(d) : 'n/a'
const verdict = (ok, complete) => !complete ? 'INCOMPLETE' : ok ? 'PASS' : 'MISS'

/** Rows for the bench table: [figure, value, target, result, cpu]. */
export function wsFanoutRows (r) {
  const rows = []
  const n = (r.authed ?? 0).toLocaleString('en-US')
  r.alarms.forEach((a, i) => {
    const complete = a.received === a.expected && a.expected === r.requested && a.status < 300
    rows.push([`(e)  WS fan-out to ${n} clients, alarm ${i + 1}: p50 / p99 / max`, `${fmt(a.p50)} / ${fmt(a.p99)} / ${fmt(a.max)} ms`, `p99 < ${WS_TARGETS.p99Ms} ms`, verdict(a.p99 < WS_TARGETS.p99Ms, complete),
      `${a.cpu.sut.toFixed(0)} / ${a.cpu.driver.toFixed(0)} / ${a.cpu.other.toFixed(0)} %`])
  })
  if (Number.isFinite(r.kbPerConnection)) {
    rows.push([`(e)  Herald RSS per idle authenticated WS connection`, `${fmt(r.kbPerConnection)} KB`, `< ${WS_TARGETS.kbPerConnection} KB`, verdict(r.kbPerConnection < WS_TARGETS.kbPerConnection, r.authed === r.requested), ''])
  }
  return rows
}

/** Lines for the details section. */
export function wsFanoutDetails (r) {
  const out = []
  const MB = (b) => `${fmt(b / 2 ** 20)} MB`
  out.push(`  (e)  Herald started with HERALD_AUTH_ENABLE=no ([auth] enable = no: any credentials succeed, the auth message is still required), event server on 127.0.0.1, plain ws://;`)
  out.push(`       ${(r.authed ?? 0).toLocaleString('en-US')}/${r.requested.toLocaleString('en-US')} clients authenticated in ${fmt((r.connectMs ?? NaN) / 1000)} s, waves of ${r.wave}, ${r.workers > 0 ? `${r.workers} worker threads` : 'all on the bench main thread'}; failed ${r.failed ?? 'n/a'}${r.firstError ? ` (${r.firstError})` : ''}${r.skipped ? `, ${r.skipped} not attempted` : ''}; open-files limit ${r.fdLimit} (bench), ${r.heraldFdLimit ?? 'n/a'} (Herald)`)
  out.push(`       Herald RSS before ${MB(r.rssBefore)}, idle with all connections ${MB(r.rssAfter)} (both after a forced GC) -> ${fmt(r.kbPerConnection)} KB/connection; V8 heap ${fmt(r.heapKbPerConnection)} KB/connection; bench process RSS ${MB(r.benchRss)}`)
  r.alarms.forEach((a, i) => {
    out.push(`       alarm ${i + 1} (event ${a.eventId}): POST ${a.status} answered in ${fmt(a.ackMs)} ms; received ${a.received.toLocaleString('en-US')}/${a.expected.toLocaleString('en-US')}; first ${fmt(a.min)} ms, p50 ${fmt(a.p50)}, p90 ${fmt(a.p90)}, p99 ${fmt(a.p99)}, max ${fmt(a.max)} ms after the POST; CPU over ${fmt(a.cpu.wallMs, 0)} ms: Herald ${a.cpu.heraldMs} ms, bench ${fmt(a.cpu.benchMs, 0)} ms${a.closedEarly ? `; ${a.closedEarly} connections closed by the server` : ''}${a.ackBody ? `; answer ${a.ackBody}` : ''}`)
  })
  if (r.closed) out.push(`       at the end: ${r.closed.closed.toLocaleString('en-US')} sockets closed with a close handshake, ${r.closed.terminated} terminated`)
  for (const n of r.notes) out.push(`       NOTE ${n}`)
  return out
}

// ---- standalone --------------------------------------------------------------------------------

async function standalone () {
  const SCALE = Number(process.env.BENCH_SCALE ?? 1)
  const clients = Number(process.env.BENCH_WS_CLIENTS ?? Math.max(10, Math.round(10_000 * SCALE)))
  const fds = fdLimits()
  // Node raises its soft open-files limit to the hard limit at start-up, so a low limit here is a
  // low hard limit. A shell can raise that only with the privilege to (root): probe, then re-run
  // under `ulimit -n`; otherwise runWsFanout reduces the number of clients and says so.
  const want = Math.max(2 * clients + 1024, 20_000)
  const { spawnSync } = await import('node:child_process')
  if (fds.soft < clients + 512 && process.env.BENCH_WS_REEXEC !== '1' && spawnSync('/bin/sh', ['-c', `ulimit -n ${want}`]).status === 0) {
    process.stderr.write(`[ws-fanout] open-files limit ${fds.soft}: re-running under ulimit -n ${want}\n`)
    const q = (s) => `'${String(s).replaceAll("'", "'\\''")}'`
    const r = spawnSync('/bin/sh', ['-c', `ulimit -n ${want} && exec ${[process.execPath, ...process.execArgv, SELF].map(q).join(' ')}`], { stdio: 'inherit', env: { ...process.env, BENCH_WS_REEXEC: '1' } })
    process.exit(r.status ?? 1)
  }
  const watchdog = setTimeout(() => { process.stderr.write('[ws-fanout] watchdog: 120 s passed; exiting (children are killed)\n'); process.exit(3) }, 120_000)
  watchdog.unref()
  const profile = process.env.BENCH_PROFILE === '1'
  const r = await runWsFanout({
    clients,
    wave: Number(process.env.BENCH_WS_WAVE ?? 500),
    workers: Number(process.env.BENCH_WS_WORKERS ?? 0),
    alarms: Number(process.env.BENCH_WS_ALARMS ?? 3),
    profileDir: profile ? fileURLToPath(new URL('./profiles/', import.meta.url)) : undefined,
    dataRoot: process.env.BENCH_DATA_DIR ?? tmpdir()
  })
  const rows = wsFanoutRows(r)
  const head = ['figure', 'value', 'target', 'result', 'CPU herald / bench / other']
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((x) => String(x[i]).length)))
  const line = (cells) => cells.map((c, i) => (i === 1 ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join('  ').trimEnd()
  const load = machineLoad()
  const out = ['', `Herald WS fan-out bench: node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), loopback 127.0.0.1 only; load average ${load.load1}, CPU pressure ${load.pressure} %`, '', line(head), widths.map((w) => '-'.repeat(w)).join('  ')]
  for (const x of rows) out.push(line(x))
  out.push('', 'details', ...wsFanoutDetails(r))
  out.push('  CPU: % of one core while the alarm was in flight (POST to the last arrival): herald = the Herald process, bench = this process (all its threads), other = the rest of the machine.')
  if (r.profileFile !== undefined) {
    const { summarize } = await import('./profile-summary.mjs')
    try { out.push('', `CPU profile of Herald (${r.profileFile}):`, summarize(JSON.parse(readFileSync(r.profileFile, 'utf8')), 18)) } catch (err) { out.push(`(no profile: ${err.message})`) }
  }
  process.stdout.write(out.join('\n') + '\n')
  clearTimeout(watchdog)
  const ok = r.alarms.length > 0 && r.alarms.every((a) => a.p99 < WS_TARGETS.p99Ms && a.received === a.expected) && r.kbPerConnection < WS_TARGETS.kbPerConnection
  process.exit(ok ? 0 : 1)
}

if (isMainThread && process.argv[1] === SELF) {
  standalone().catch((err) => {
    process.stderr.write(`[ws-fanout] failed: ${err?.stack ?? err}\n`)
    process.exit(1)
  })
}
