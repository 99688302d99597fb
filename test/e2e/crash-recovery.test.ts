import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import type { ServerResponse } from 'node:http'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ADMIN_TOKEN, api } from '../helpers/herald.js'
import { Receiver, type ReceivedRequest } from '../helpers/receiver.js'

/*
 * The crash test: Herald is a real child process, killed with SIGKILL while webhook
 * requests are in flight and events are still being posted, then restarted on the same data
 * folder. Every event it acknowledged must reach every webhook, at least once, in order, and a
 * batch that was in flight must come again under the same `webhook-id`.
 */

const REPO = fileURLToPath(new URL('../../', import.meta.url))
const EVENTS = 200
/** Posted before the kill; the rest are posted around it, one of them while Herald dies. */
const BEFORE_KILL = 150
const KILL_AFTER_ACKS = 175

const dataDir = mkdtempSync(join(tmpdir(), 'herald-crash-'))
const children = new Set<ChildProcess>()
let receiver: Receiver | undefined

after(async () => {
  for (const child of children) await killHard(child)
  await receiver?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

interface RunningHerald { readonly child: ChildProcess, readonly url: string, output (): string }

async function spawnHerald (): Promise<RunningHerald> {
  const port = await freePort()
  // Only the settings below: a HERALD_* variable of the developer's shell must not leak in.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('HERALD_')))
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    HERALD_DATA_DIR: dataDir,
    HERALD_HTTP_PORT: String(port),
    HERALD_HTTP_ADDRESS: '127.0.0.1',
    HERALD_ADMIN_TOKEN: ADMIN_TOKEN,
    HERALD_LOG_LEVEL: 'warn',
    // The zmNinja event server would take port 9000; any free port will do here.
    HERALD_NETWORK_PORT: '0'
  }
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  child.once('exit', () => children.delete(child))
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const url = `http://127.0.0.1:${port}`
  // A bound, not a wait: on a loaded 2-core machine tsx's first start can take several seconds.
  const deadline = Date.now() + 30_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Herald exited with ${child.exitCode}:\n${output}`)
    const healthy = await fetch(`${url}/healthz`).then((r) => r.ok, () => false)
    if (healthy) return { child, url, output: () => output }
    if (Date.now() > deadline) throw new Error(`Herald did not become healthy in 30 s:\n${output}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

async function killHard (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGKILL')
  await exited
}

function event (i: number): { type: string, id: string, camera: number } {
  // Runs of 10 of one type, so batches also end where the section changes.
  return { type: Math.floor(i / 10) % 2 === 0 ? 'face_event' : 'car_event', id: `ev-${i}`, camera: 1 }
}

function hookOf (req: ReceivedRequest): string {
  return new URL(req.url, 'http://receiver').searchParams.get('hook') ?? ''
}

function idsIn (req: ReceivedRequest): string[] {
  return (req.json as Array<{ id: string }>).map((item) => item.id)
}

function firstReceipts (requests: readonly ReceivedRequest[]): string[] {
  const seen = new Set<string>()
  for (const req of requests) for (const id of idsIn(req)) seen.add(id)
  return [...seen]
}

describe('crash recovery', () => {
  it('after SIGKILL mid-delivery and a restart, every acknowledged event reaches every webhook, in order, in-flight batches again under the same webhook-id', async () => {
    const rx = receiver = await Receiver.start()
    let phase: 'before-kill' | 'after-restart' = 'before-kill'
    /** Every request that reached the receiver before the kill, with the answer it was (or was not) given. */
    const beforeKill: Array<{ req: ReceivedRequest, res: ServerResponse }> = []
    const perHook = new Map<string, number>()
    rx.respond = (req, res) => {
      if (phase === 'after-restart') {
        res.statusCode = 200
        res.end('ok')
        return
      }
      beforeKill.push({ req, res })
      const n = perHook.get(hookOf(req)) ?? 0
      perHook.set(hookOf(req), n + 1)
      // The first two batches of each webhook are answered slowly; the next one never is.
      if (n < 2) setTimeout(() => { res.statusCode = 200; res.end('ok') }, 200)
    }
    const heldBy = (hook: string) => (perHook.get(hook) ?? 0) > 2

    const first = await spawnHerald()
    const hooks = { a: { batch_size: 5 }, b: { batch_size: 1 } }
    for (const [name, { batch_size }] of Object.entries(hooks)) {
      const created = await api(first.url, 'POST', '/hooks/', { name, url: `${rx.url}?hook=${name}`, batch_size, send_attempts: 0, filters: {} })
      assert.equal(created.status, 201, JSON.stringify(created.body))
    }

    const seqOf = new Map<string, number>()
    const acked: string[] = []
    const post = async (i: number): Promise<void> => {
      const res = await api<{ events: Array<{ seq: number }> }>(first.url, 'POST', '/api/v1/events', event(i))
      assert.equal(res.status, 202, JSON.stringify(res.body))
      seqOf.set(`ev-${i}`, res.body.events[0]?.seq ?? NaN)
      acked.push(`ev-${i}`)
    }
    for (let i = 0; i < BEFORE_KILL; i++) await post(i)

    const deadline = Date.now() + 5000
    while (!(heldBy('a') && heldBy('b'))) {
      assert.ok(Date.now() < deadline, `no request held on both webhooks: ${JSON.stringify([...perHook])}\n${first.output()}`)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }

    // Keep posting; kill Herald while one more post is on the wire, then the rest fail.
    const unacked: number[] = []
    let killedAt = -1
    for (let i = BEFORE_KILL; i < EVENTS; i++) {
      if (killedAt >= 0) {
        unacked.push(i)
        continue
      }
      const posting = post(i)
      if (acked.length === KILL_AFTER_ACKS) {
        first.child.kill('SIGKILL')
        killedAt = i
      }
      await posting.catch((err: unknown) => {
        if (killedAt < 0) throw err
        unacked.push(i)
      })
    }
    await killHard(first.child)
    assert.ok(killedAt >= 0, 'Herald was killed')
    const inFlightAtKill = beforeKill.filter(({ res }) => !res.writableEnded).map(({ req }) => req)
    assert.ok(inFlightAtKill.some((r) => hookOf(r) === 'a') && inFlightAtKill.some((r) => hookOf(r) === 'b'), 'both webhooks had a request in flight')
    const ackedBeforeKill = [...acked]
    assert.ok(ackedBeforeKill.length >= KILL_AFTER_ACKS)

    phase = 'after-restart'
    const requestsBeforeRestart = rx.requests.length
    const second = await spawnHerald()
    // A producer posts again what was not acknowledged; what was stored before is a duplicate.
    const repost = await api<{ events: Array<{ id: string, seq: number }> }>(second.url, 'POST', '/api/v1/events', unacked.map(event))
    assert.equal(repost.status, 202, JSON.stringify(repost.body))
    for (const e of repost.body.events) seqOf.set(e.id, e.seq)

    const all = Array.from({ length: EVENTS }, (_, i) => `ev-${i}`)
    const receivedBy = (hook: string) => new Set(rx.requests.filter((r) => hookOf(r) === hook).flatMap(idsIn))
    const until = Date.now() + 8000
    for (;;) {
      const a = receivedBy('a')
      const b = receivedBy('b')
      if (all.every((id) => a.has(id) && b.has(id))) break
      assert.ok(Date.now() < until, `not everything arrived: a ${a.size}, b ${b.size} of ${EVENTS}\n${second.output()}`)
      await rx.waitForRequests(rx.requests.length + 1, 500).catch(() => {})
    }

    for (const hook of ['a', 'b']) {
      const received = receivedBy(hook)
      const lost = ackedBeforeKill.filter((id) => !received.has(id))
      assert.deepEqual(lost, [], `webhook ${hook} lost events acknowledged with 202 before the kill`)
      const bySeq = [...all].sort((x, y) => (seqOf.get(x) ?? 0) - (seqOf.get(y) ?? 0))
      assert.deepEqual(firstReceipts(rx.requests.filter((r) => hookOf(r) === hook)), bySeq, `webhook ${hook} first receipts follow ingest order`)
    }

    const afterRestart = rx.requests.slice(requestsBeforeRestart)
    for (const held of inFlightAtKill) {
      const id = held.headers['webhook-id']
      assert.equal(typeof id, 'string')
      const again = afterRestart.find((r) => r.headers['webhook-id'] === id)
      assert.ok(again !== undefined, `the batch in flight at the kill (webhook-id ${String(id)}) came again after the restart`)
      assert.equal(hookOf(again), hookOf(held))
      assert.deepEqual(idsIn(again), idsIn(held), 'with the same items')
    }

    const itemsById = new Map<string, string>()
    for (const req of rx.requests) {
      const id = String(req.headers['webhook-id'])
      const items = JSON.stringify(idsIn(req))
      assert.equal(itemsById.get(id) ?? items, items, `every request with webhook-id ${id} carries the same batch`)
      itemsById.set(id, items)
    }
    await killHard(second.child)
  })
})
