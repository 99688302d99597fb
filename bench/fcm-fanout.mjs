// Phase (f): one alarm fanned out to 1,000 zmNinja push tokens and 10 push targets, through the
// whole product: `herald serve` (the build in dist/) with a settings file, tokens.txt imported at
// start, the alarm POSTed to /api/v1/events, decided (no hooks), and pushed through the FCM proxy
// mode; the 10 targets are ntfy targets. A stand-in for zmNinja's push proxy and for ntfy answers
// on loopback in this process. Printed: time from the POST to the last push and the last target
// message, and per-push latency p50 / p99 / max, for each of 3 alarms.
//
// Runs alone (`node bench/fcm-fanout.mjs` after `npm run build`) or as phase (f) of `npm run bench`.
// Knobs: BENCH_FCM_TOKENS (1000), BENCH_FCM_TARGETS (10), BENCH_FCM_ALARMS (3). It stops by itself:
// 30 s per alarm, 120 s for the whole run.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { cpuMs, freePort, memoryOf, startHerald } from './processes.mjs'

const TOKENS = Number(process.env.BENCH_FCM_TOKENS ?? 1000)
const TARGETS = Number(process.env.BENCH_FCM_TARGETS ?? 10)
const ALARMS = Number(process.env.BENCH_FCM_ALARMS ?? 3)
const ALARM_LIMIT_MS = 30_000
const WATCHDOG_MS = 120_000
const ADMIN = 'bench-admin-token'
const PROXY_KEY = 'bench-proxy-key'

/** The push proxy (`/send_push`, zmNinja's answers) and ntfy (`POST /`), counting arrivals per alarm. */
async function startStandIns () {
  const arrivals = new Map() // eid → { pushes: number[], notes: number[] }
  let seq = 0
  const server = createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      const at = performance.now()
      let body
      try { body = JSON.parse(Buffer.concat(chunks).toString()) } catch { body = {} }
      res.setHeader('content-type', 'application/json')
      if (req.url === '/send_push') {
        if (req.headers.authorization !== PROXY_KEY) { res.statusCode = 401; res.end('{"Error":"bad key"}'); return }
        record(arrivals, String(body?.data?.eid), 'pushes', at)
        res.end(JSON.stringify({ Success: `projects/bench/messages/${++seq}` }))
        return
      }
      // ntfy's JSON publish: the title ends with `(<eid>)` (tag_alarm_event_id).
      const eid = /\((\d+)\)$/.exec(String(body?.title ?? ''))?.[1] ?? '?'
      record(arrivals, eid, 'notes', at)
      const time = Math.floor(Date.now() / 1000)
      res.end(JSON.stringify({ id: `n${++seq}`, time, expires: time + 43200, event: 'message', topic: body.topic, message: body.message }))
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, port: server.address().port, arrivals }
}

function record (arrivals, eid, kind, at) {
  let a = arrivals.get(eid)
  if (a === undefined) { a = { pushes: [], notes: [] }; arrivals.set(eid, a) }
  a[kind].push(at)
}

function tokensFile (dir) {
  const tokens = {}
  const month = new Date().getMonth()
  for (let i = 0; i < TOKENS; i++) {
    // FCM registration tokens are ~160 characters.
    const token = `bench${String(i).padStart(5, '0')}:APA91b${'x'.repeat(140)}`
    tokens[token] = { platform: i % 2 === 0 ? 'android' : 'ios', monlist: '', intlist: '', pushstate: 'enabled', appversion: '1.6.009', invocations: { count: 0, at: month } }
  }
  const file = join(dir, 'tokens.txt')
  writeFileSync(file, JSON.stringify({ tokens }))
  return file
}

function quantile (sorted, q) {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]
}

/** Runs the scenario; returns the printable rows and whether every alarm reached everyone. */
export async function fcmFanout () {
  const dir = mkdtempSync(join(process.env.BENCH_DATA_DIR ?? tmpdir(), 'herald-bench-f-'))
  const standIns = await startStandIns()
  const ini = [
    '[network]', 'address = 127.0.0.1', 'port = 0',
    '[ssl]', 'enable = no',
    '[customize]', 'tag_alarm_event_id = yes',
    '[fcm]', 'enable = yes', `fcm_v1_url = http://127.0.0.1:${standIns.port}/send_push`, `fcm_v1_key = ${PROXY_KEY}`, `token_file = ${tokensFile(dir)}`,
    '[targets]', ...Array.from({ length: TARGETS }, (_, i) => `t${i} = ntfy://127.0.0.1:${standIns.port}/topic${i}`)
  ].join('\n')
  const iniFile = join(dir, 'herald.ini')
  writeFileSync(iniFile, ini)
  const port = await freePort()
  const herald = await startHerald({ dataDir: join(dir, 'data'), port, token: ADMIN, env: { HERALD_CONFIG: iniFile } })
  const rows = []
  let allOk = true
  try {
    const base = `http://127.0.0.1:${port}`
    for (let n = 0; n < ALARMS; n++) {
      const eid = 700000 + n
      const cpu0 = cpuMs(herald.pid)
      const t0 = performance.now()
      const res = await fetch(`${base}/api/v1/events`, {
        method: 'POST',
        headers: { authorization: `Token ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'alarm', monitor_id: 1, monitor_name: 'Gate', event_id: eid, phase: 'start', cause: 'Motion All' })
      })
      const acked = performance.now() - t0
      if (res.status !== 202) throw new Error(`ingest answered ${res.status}: ${await res.text()}`)
      const deadline = Date.now() + ALARM_LIMIT_MS
      let a
      for (;;) {
        a = standIns.arrivals.get(String(eid)) ?? { pushes: [], notes: [] }
        if (a.pushes.length >= TOKENS && a.notes.length >= TARGETS) break
        if (Date.now() > deadline) break
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      const ok = a.pushes.length >= TOKENS && a.notes.length >= TARGETS
      allOk &&= ok
      const lat = a.pushes.map((t) => t - t0).sort((x, y) => x - y)
      const lastPush = lat.at(-1) ?? NaN
      const lastNote = Math.max(...a.notes.map((t) => t - t0))
      rows.push({
        alarm: n + 1,
        acked,
        all: Math.max(lastPush, lastNote),
        lastPush,
        lastNote,
        p50: quantile(lat, 0.5),
        p99: quantile(lat, 0.99),
        pushes: a.pushes.length,
        notes: a.notes.length,
        cpu: cpuMs(herald.pid) - cpu0,
        ok
      })
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
    rows.rss = memoryOf(herald.pid).rss
  } finally {
    await herald.stop()
    standIns.server.close()
    rmSync(dir, { recursive: true, force: true })
  }
  return { rows, allOk }
}

export function formatFanout ({ rows, allOk }) {
  const ms = (v) => Number.isFinite(v) ? `${v.toFixed(0)} ms` : 'n/a'
  const out = [`(f)  one alarm → ${TOKENS} FCM tokens (proxy) + ${TARGETS} ntfy targets, through herald serve:`]
  for (const r of rows) {
    out.push(`     alarm ${r.alarm}: 202 in ${ms(r.acked)}; all delivered in ${ms(r.all)} (last push ${ms(r.lastPush)}, last target ${ms(r.lastNote)}); push p50 ${ms(r.p50)} p99 ${ms(r.p99)}; ${r.pushes}/${TOKENS} pushes, ${r.notes}/${TARGETS} targets; Herald CPU ${r.cpu} ms${r.ok ? '' : '  INCOMPLETE'}`)
  }
  if (Number.isFinite(rows.rss)) out.push(`     Herald RSS after the run: ${(rows.rss / 1048576).toFixed(1)} MB`)
  out.push(`     ${allOk ? 'every alarm reached every token and target' : 'SOME ALARMS DID NOT REACH EVERYONE'}`)
  return out.join('\n')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const watchdog = setTimeout(() => { console.error('fcm-fanout: watchdog fired'); process.exit(2) }, WATCHDOG_MS)
  watchdog.unref()
  const result = await fcmFanout()
  console.log(formatFanout(result))
  process.exit(result.allOk ? 0 : 1)
}
