// FCM fan-out: one decided alarm pushed to 1,000 zmNinja tokens through the FCM proxy, plus 10
// webhooks, on the delivery engine. Runs alone on a build: `node bench/fcm-fanout.mjs` after
// `npm run build`, or on a private build with `DIST=/tmp/some-dist node bench/fcm-fanout.mjs`.
//
// What runs where: the system under test (SQLite store, DeliveryEngine, FcmChannel in proxy mode,
// WebhookChannel) is this process's main thread. The push proxy (a stand-in answering as zmNinja's
// send_push does) and the webhook receiver are one HTTP server in a worker thread, so answering
// 1,010 requests does not queue on the engine's event loop; the machine has 2 cores, one each.
// Arrival times are taken in the worker with performance.timeOrigin + performance.now(), which is
// comparable across the threads of one process.
//
// Until the decision module is wired into createHerald, the alarm is routed the way it will be:
// the decided-alarm event is stored with the routes FcmChannel.routes() and the webhook directory
// return, in one store transaction, then the engine is told (what Ingestor does).
//
// Figures, per alarm: ingest (routes + store transaction), time from ingest to the last push and
// webhook arriving, to the last delivery recorded, and per-token latency p50 / p99 / max. The
// baseline is a bare fan-out measured in the same run: the same 1,000 proxy POSTs sent straight
// with undici over the same pool settings, nothing stored.
//
// Environment knobs:
//   DIST=../dist               the build to use (default: ../dist next to this file)
//   BENCH_FCM_TOKENS=1000      push tokens
//   BENCH_FCM_WEBHOOKS=10      webhooks
//   BENCH_FCM_ALARMS=3         alarms, one at a time, each measured on its own
//   BENCH_DATA_DIR=/dev/shm    where the SQLite file goes (default: the OS temp dir)
// It stops by itself: every alarm has a 30 s limit and a watchdog ends the run after 120 s.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Worker, isMainThread, parentPort } from 'node:worker_threads'

const SELF = fileURLToPath(import.meta.url)
const now = () => performance.timeOrigin + performance.now()
const ALARM_LIMIT_MS = 30_000
const WATCHDOG_MS = 120_000
const CONNECTIONS = 64 // Herald's createHttpAgent() pool size per origin

// ---- worker: the push proxy and the webhook receiver -------------------------------------------
if (!isMainThread) {
  const { createServer } = await import('node:http')
  let armed = null
  let pushes = []
  let hooks = []
  let seq = 0
  const server = createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      const at = now()
      const body = Buffer.concat(chunks).toString('utf8')
      if (req.url === '/send_push') {
        if (req.headers.authorization !== 'bench-key') {
          res.writeHead(401, { 'content-type': 'application/json' }).end('{"Error":"Invalid credentials"}')
          return
        }
        // Only what the measurement needs: the token and the event id, found without a full parse.
        const m = /"token":"([^"]+)".*"eid":"([^"]+)"/.exec(body)
        if (m !== null && m[2] === armed?.eventId) pushes.push({ token: m[1], at })
        res.writeHead(200, { 'content-type': 'application/json' }).end(`{"Success":"projects/bench/messages/${++seq}"}`)
      } else {
        if (armed !== null && body.includes(`"event_id":${armed.eventId}`)) hooks.push({ path: req.url, at })
        res.writeHead(200).end('ok')
      }
      if (armed !== null && pushes.length >= armed.pushes && hooks.length >= armed.hooks) {
        parentPort.postMessage({ cmd: 'complete', pushes, hooks })
        armed = null
      }
    })
  })
  server.keepAliveTimeout = 60_000
  server.listen(0, '127.0.0.1', () => parentPort.postMessage({ cmd: 'listening', port: server.address().port }))
  parentPort.on('message', (msg) => {
    if (msg.cmd === 'arm') {
      armed = msg
      pushes = []
      hooks = []
    } else if (msg.cmd === 'collect') {
      parentPort.postMessage({ cmd: 'partial', pushes, hooks })
    } else if (msg.cmd === 'close') {
      server.closeAllConnections()
      server.close(() => process.exit(0))
    }
  })
} else {
  await main()
}

async function main () {
  const watchdog = setTimeout(() => {
    console.error(`fcm-fanout: watchdog: still running after ${WATCHDOG_MS / 1000} s, giving up`)
    process.exit(2)
  }, WATCHDOG_MS)
  watchdog.unref()
  const distRoot = process.env.DIST === undefined ? fileURLToPath(new URL('../dist/', import.meta.url)) : (isAbsolute(process.env.DIST) ? process.env.DIST : resolve(process.env.DIST))
  const dist = (path) => import(pathToFileURL(join(distRoot, path)).href)
  const [
    { SqliteStore }, { DeliveryEngine }, { EngineEvents }, { RetryPolicy }, { createHttpAgent }, { systemClock },
    { FcmChannel }, { WebhookChannel }, { WebhookDirectory }, { EntityCatalog }, { StoreTokenRegistry }, { StoreControlState },
    { ZMES_DEFAULTS }, { encodeDecision, readDecidedAlarm, DECIDED_SUFFIX }
  ] = await Promise.all([
    dist('store/sqlite/sqlite-store.js'), dist('delivery/engine.js'), dist('delivery/engine-events.js'), dist('delivery/retry-policy.js'),
    dist('delivery/http-transport.js'), dist('clock.js'), dist('channels/fcm/index.js'), dist('channels/webhook/webhook-channel.js'),
    dist('channels/webhook/webhook-directory.js'), dist('entities/catalog.js'), dist('registry/token-registry.js'),
    dist('registry/control-state.js'), dist('config/zmes/zmes-schema.js'), dist('decision/decided-alarm.js')
  ])
  const { pino } = await import('pino')
  const { request, Agent } = await import('undici')

  const TOKENS = Number(process.env.BENCH_FCM_TOKENS ?? 1000)
  const WEBHOOKS = Number(process.env.BENCH_FCM_WEBHOOKS ?? 10)
  const ALARMS = Number(process.env.BENCH_FCM_ALARMS ?? 3)

  const worker = new Worker(SELF)
  const fromWorker = (cmd) => new Promise((resolve) => {
    const on = (m) => { if (m.cmd === cmd) { worker.off('message', on); resolve(m) } }
    worker.on('message', on)
  })
  const { port } = await fromWorker('listening')
  const origin = `http://127.0.0.1:${port}`

  const dataDir = mkdtempSync(join(process.env.BENCH_DATA_DIR ?? tmpdir(), 'herald-fcm-bench-'))
  const store = new SqliteStore({ file: join(dataDir, 'herald.db'), synchronous: 'normal' })
  await store.migrate()
  const logger = pino({ level: 'warn' })
  const registry = await StoreTokenRegistry.load(store)
  const control = await StoreControlState.load(store)
  const month = new Date().getMonth()
  const tokenOf = (i) => `bench${String(i).padStart(5, '0')}:APA91bH-${'x'.repeat(140)}`
  await registry.importTokens(Array.from({ length: TOKENS }, (_, i) => ({
    token: tokenOf(i), platform: i % 2 === 0 ? 'android' : 'ios', monlist: '', intlist: '', pushstate: 'enabled', appversion: '1.6.009', invocations: { count: 0, at: month }, profile: null
  })))
  const config = {
    ...ZMES_DEFAULTS,
    fcm: { ...ZMES_DEFAULTS.fcm, fcm_v1_url: `${origin}/send_push`, fcm_v1_key: 'bench-key' },
    customize: { ...ZMES_DEFAULTS.customize, timezone: 'UTC' }
  }
  const agent = createHttpAgent()
  const fcm = await FcmChannel.create({ config: () => config, tokens: registry, control, dispatcher: agent, clock: systemClock, logger })
  const directory = await WebhookDirectory.load(store)
  for (let i = 0; i < WEBHOOKS; i++) {
    directory.put(await store.createWebhook({
      name: `bench-${i}`, active: true, url: `${origin}/hook/${i}`, batch_size: 1, send_attempts: 10, filters: {}, verbose: null,
      secret: null, previous_secret: null, previous_secret_until: null, created_by: null
    }, new Date()))
  }
  const webhooks = new WebhookChannel({
    directory, catalog: await EntityCatalog.load(store), dispatcher: agent, clock: systemClock, timeoutMs: 10_000,
    verboseDefault: false, publicBaseUrl: '', userAgent: 'herald-bench'
  })
  const events = new EngineEvents((err) => logger.error({ err }, 'listener'))
  const engine = new DeliveryEngine({
    store, channels: new Map([[fcm.name, fcm], [webhooks.name, webhooks]]), clock: systemClock, retryPolicy: new RetryPolicy(), events
  })
  await engine.start()
  let lastDelivered = 0
  let deliveredCount = 0
  let failures = 0
  events.on('delivery:sent', () => { deliveredCount++; lastDelivered = now() })
  events.on('delivery:failed', () => { failures++ })
  events.on('delivery:retry', () => { failures++ })

  const rows = []
  // Baseline: the transport alone. Same pool settings, same receiver, same bodies' size, no store.
  {
    const eventId = 'baseline'
    const bare = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000, connections: CONNECTIONS, pipelining: 1 })
    worker.postMessage({ cmd: 'arm', eventId, pushes: TOKENS, hooks: 0 })
    const done = fromWorker('complete')
    const t0 = now()
    const body = (t) => JSON.stringify({ token: t, title: 'Front Door Alarm', body: 'Motion All at 10:15 AM, 12-Mar', sound: 'default', badge: 1, log_message_id: 'NONE', data: { mid: '3', eid: eventId, notification_foreground: 'true' }, android: { icon: 'ic_stat_notification', priority: 'high' } })
    await Promise.all(Array.from({ length: TOKENS }, async (_, i) => {
      const res = await request(`${origin}/send_push`, { dispatcher: bare, method: 'POST', body: body(tokenOf(i)), headers: { 'content-type': 'application/json', authorization: 'bench-key' } })
      await res.body.dump()
    }))
    const { pushes } = await done
    rows.push(figures('bare fan-out (baseline)', t0, pushes, [], NaN, now()))
    await bare.close()
  }

  for (let n = 1; n <= ALARMS; n++) {
    const eventId = String(900_000 + n)
    const alarm = { monitor_id: 3, monitor_name: 'Front Door', event_id: Number(eventId), phase: 'start', cause: 'Motion All' }
    const decidedAt = Date.now()
    const data = encodeDecision(alarm, {
      phase: 'start', cause: 'Motion All', notes: null, detection: [], hook: null, hookConfigured: false, userscript: null, frameType: null,
      startHookResult: null, rules: { allowed: true, rulesObject: {}, rule: null, reason: 'bench' }, channels: {}, alarmSeq: 0, decidedAt
    })
    const id = `3/${eventId}/start`
    const incoming = { type: 'alarm', id, key: `alarm:${id}${DECIDED_SUFFIX}`, transition: null, data, json: JSON.stringify(data) }
    const decided = readDecidedAlarm({ ...incoming, seq: 0, receivedAt: decidedAt })
    worker.postMessage({ cmd: 'arm', eventId, pushes: TOKENS, hooks: WEBHOOKS })
    const done = fromWorker('complete')
    const deliveredBefore = deliveredCount
    const t0 = now()
    const results = await store.ingest([incoming], () => [...directory.routes(incoming), ...fcm.routes(decided, Date.now())], Date.now())
    const ingestMs = now() - t0
    engine.enqueued(results)
    const limit = new Promise((resolve) => setTimeout(() => resolve(null), ALARM_LIMIT_MS).unref())
    const got = await Promise.race([done, limit])
    const arrivals = got ?? await (async () => { worker.postMessage({ cmd: 'collect' }); return await fromWorker('partial') })()
    const deadline = now() + 5000
    while (deliveredCount - deliveredBefore < TOKENS + WEBHOOKS && now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2))
    rows.push(figures(`alarm ${n}${n === 1 ? ' (cold)' : ''}`, t0, arrivals.pushes, arrivals.hooks, ingestMs, lastDelivered))
  }

  printTable(rows, { tokens: TOKENS, webhooks: WEBHOOKS, failures })
  await engine.close()
  await agent.close()
  await store.close()
  worker.postMessage({ cmd: 'close' })
  rmSync(dataDir, { recursive: true, force: true })
  clearTimeout(watchdog)
  const complete = rows.every((r) => r.pushes === TOKENS)
  process.exitCode = complete && failures === 0 ? 0 : 1
}

function percentile (sorted, p) {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]
}

function figures (label, t0, pushes, hooks, ingestMs, deliveredAt) {
  const lat = pushes.map((p) => p.at - t0).sort((a, b) => a - b)
  const hookLat = hooks.map((h) => h.at - t0).sort((a, b) => a - b)
  const lastArrival = Math.max(lat.at(-1) ?? NaN, hookLat.at(-1) ?? -Infinity)
  return {
    label,
    pushes: pushes.length,
    hooks: hooks.length,
    ingestMs,
    allArrivedMs: lastArrival,
    allDeliveredMs: Number.isNaN(deliveredAt) ? NaN : deliveredAt - t0,
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    max: lat.at(-1) ?? NaN,
    hookMax: hookLat.at(-1) ?? NaN
  }
}

function printTable (rows, { tokens, webhooks, failures }) {
  const f = (v) => Number.isNaN(v) ? '—' : v.toFixed(1)
  console.log(`\nFCM fan-out: one alarm → ${tokens} push tokens (proxy stand-in on loopback) + ${webhooks} webhooks; times in ms from the ingest call`)
  console.log('| run | pushes | webhooks | ingest (routes + tx) | last arrival | last delivery recorded | push p50 | push p99 | push max | webhook max |')
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
  for (const r of rows) {
    console.log(`| ${r.label} | ${r.pushes} | ${r.hooks} | ${f(r.ingestMs)} | ${f(r.allArrivedMs)} | ${f(r.allDeliveredMs)} | ${f(r.p50)} | ${f(r.p99)} | ${f(r.max)} | ${f(r.hookMax)} |`)
  }
  console.log(`failed or retried attempts: ${failures}`)
}
