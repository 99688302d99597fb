import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HookPool } from '../../../src/decision/hooks/hook-pool.js'
import type { HookInvocation } from '../../../src/decision/hooks/hook-invocation.js'
import { captureLogs, fixture, isGone, WARN } from './support.js'

function hook (command: string, eventId: number, args: string[] = []): HookInvocation {
  return { kind: 'start', command, args: [String(eventId), ...args], eventId: String(eventId), monitorId: '1' }
}

/** The most runs that overlapped, from the start/end lines sleep-short.sh appends. */
function maxOverlap (log: string): number {
  let now = 0
  let max = 0
  for (const line of log.trim().split('\n')) {
    now += line.startsWith('start ') ? 1 : -1
    max = Math.max(max, now)
  }
  return max
}

let dir: string
before(async () => { dir = await mkdtemp(join(tmpdir(), 'herald-hook-pool-')) })
after(async () => { await rm(dir, { recursive: true, force: true }) })

describe('max_parallel_hooks', () => {
  test('with max_parallel_hooks=2, ten 100 ms hooks never run more than 2 at once and start in FIFO order', async () => {
    const logFile = join(dir, 'fifo.log')
    let pool: HookPool | undefined
    let maxRunning = 0
    const { logger, lines } = captureLogs(() => { maxRunning = Math.max(maxRunning, pool?.running ?? 0) })
    pool = new HookPool({ logger, maxParallel: 2, timeoutMs: 5000, killGraceMs: 100 })
    const runs = await Promise.all(Array.from({ length: 10 }, async (_, i) => await pool.run(hook(fixture('sleep-short.sh'), i, [logFile]))))
    assert.deepEqual(runs.map((r) => r.result), Array(10).fill(0))
    assert.deepEqual(runs.map((r) => r.text), runs.map((_, i) => `[a] detected:person:${i}`))
    const started = lines.filter((l) => l.msg.startsWith('running start hook')).map((l) => l.eventId)
    assert.deepEqual(started, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'])
    assert.equal(maxOverlap(await readFile(logFile, 'utf8')), 2)
    assert.ok(maxRunning <= 2)
    assert.ok((runs[9]?.queuedMs ?? 0) >= 300, 'the last run waited in the queue')
    assert.equal(pool.startedTotal, 10)
    assert.equal(pool.running, 0)
    assert.equal(pool.queued, 0)
    await pool.close()
  })

  test('queue wait does not count against the hook timeout', async () => {
    const { logger } = captureLogs()
    const pool = new HookPool({ logger, maxParallel: 1, timeoutMs: 250, killGraceMs: 100 })
    const logFile = join(dir, 'wait.log')
    // Each run takes ~100 ms; the fourth waits ~300 ms, longer than its 250 ms timeout.
    const runs = await Promise.all([0, 1, 2, 3].map(async (i) => await pool.run(hook(fixture('sleep-short.sh'), i, [logFile]))))
    assert.deepEqual(runs.map((r) => r.timedOut), [false, false, false, false])
    assert.deepEqual(runs.map((r) => r.result), [0, 0, 0, 0])
    assert.equal(pool.timedOutTotal, 0)
    await pool.close()
  })

  test('a full queue refuses the overflow as a failure with one warn line naming the bound', async () => {
    const { logger, lines } = captureLogs()
    const pool = new HookPool({ logger, maxParallel: 1, maxQueued: 3, timeoutMs: 5000, killGraceMs: 100 })
    const logFile = join(dir, 'bound.log')
    const pending = [0, 1, 2, 3, 4, 5].map(async (i) => await pool.run(hook(fixture('sleep-short.sh'), i, [logFile])))
    assert.equal(pool.running, 1)
    assert.equal(pool.queued, 3)
    const runs = await Promise.all(pending)
    assert.deepEqual(runs.map((r) => r.result), [0, 0, 0, 0, 1, 1])
    assert.deepEqual(runs.map((r) => r.skipped), [null, null, null, null, 'queue full', 'queue full'])
    assert.equal(runs[4]?.pid, null)
    assert.equal(pool.rejectedTotal, 2)
    assert.equal(pool.startedTotal, 4)
    const full = lines.filter((l) => l.msg.startsWith('hook queue full'))
    assert.deepEqual(full.map((l) => [l.level, l.msg]), [
      [WARN, 'hook queue full (3 waiting, max_parallel_hooks=1): start hook for event 4 of monitor 1 not run, treated as failure'],
      [WARN, 'hook queue full (3 waiting, max_parallel_hooks=1): start hook for event 5 of monitor 1 not run, treated as failure']
    ])
    await pool.close()
  })

  test('200 simultaneous requests with max_parallel_hooks=8 all finish, none lost, at most 8 processes', async () => {
    let pool: HookPool | undefined
    let maxRunning = 0
    const { logger } = captureLogs(() => { maxRunning = Math.max(maxRunning, pool?.running ?? 0) })
    pool = new HookPool({ logger, maxParallel: 8, timeoutMs: 10_000, killGraceMs: 100 })
    // A shell builtin as the hook: the test measures the pool, not fork+exec of a script.
    const command = "printf '[a] detected:person:%s\\n'"
    const runs = await Promise.all(Array.from({ length: 200 }, async (_, i) => await pool.run(hook(command, i))))
    assert.equal(runs.length, 200)
    assert.ok(runs.every((r, i) => r.result === 0 && r.text === `[a] detected:person:${i}`))
    assert.equal(new Set(runs.map((r) => r.pid)).size, 200)
    assert.ok(maxRunning <= 8, `saw ${maxRunning} running`)
    assert.equal(pool.startedTotal, 200)
    assert.equal(pool.rejectedTotal, 0)
    await pool.close()
  })

  test('max_parallel_hooks=0 runs everything at once, without listener-leak warnings', async () => {
    const warnings: Error[] = []
    const onWarning = (w: Error): void => { warnings.push(w) }
    process.on('warning', onWarning)
    const { logger } = captureLogs()
    const pool = new HookPool({ logger, maxParallel: 0, maxQueued: 0, timeoutMs: 5000, killGraceMs: 100 })
    const pending = Array.from({ length: 12 }, async (_, i) => await pool.run(hook('sleep 0.1; echo', i)))
    assert.equal(pool.running, 12)
    assert.equal(pool.queued, 0)
    const runs = await Promise.all(pending)
    await new Promise((resolve) => setImmediate(resolve))
    process.off('warning', onWarning)
    assert.deepEqual(runs.map((r) => r.text), runs.map((_, i) => String(i)))
    assert.deepEqual(warnings, [])
    await pool.close()
  })

  test('timeouts are counted', async () => {
    const { logger } = captureLogs()
    const pool = new HookPool({ logger, maxParallel: 2, timeoutMs: 200, killGraceMs: 100 })
    const run = await pool.run(hook(`'${fixture('sleep-forever.sh')}' /dev/null`, 1))
    assert.equal(run.timedOut, true)
    assert.equal(pool.timedOutTotal, 1)
    await pool.close()
  })

  test('invalid options are refused when the pool is made', () => {
    const { logger } = captureLogs()
    assert.throws(() => new HookPool({ logger, maxParallel: -1 }), /invalid maxParallel/)
    assert.throws(() => new HookPool({ logger, maxQueued: 1.5 }), /invalid maxQueued/)
    assert.throws(() => new HookPool({ logger, timeoutMs: 0 }), /invalid timeoutMs/)
  })
})

describe('close()', () => {
  test('queued requests fail as shutting down, running hooks are killed, and close waits for them', async () => {
    const { logger, lines } = captureLogs()
    const pool = new HookPool({ logger, maxParallel: 1, timeoutMs: 5000, killGraceMs: 100 })
    const pidFile = join(dir, 'close.pid')
    const running = pool.run(hook(`'${fixture('sleep-forever.sh')}' '${pidFile}'`, 1))
    const queued = [2, 3].map(async (i) => await pool.run(hook(fixture('quick.sh'), i)))
    for (let i = 0; i < 50 && (await readFile(pidFile, 'utf8').catch(() => '')) === ''; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    const child = Number((await readFile(pidFile, 'utf8')).trim())
    const started = Date.now()
    await pool.close()
    assert.ok(Date.now() - started < 4000, 'close waited for the running hook\'s 5 s timeout instead of killing it')
    assert.equal(pool.running, 0)
    const first = await running
    assert.equal(first.aborted, true)
    assert.equal(first.result, 1)
    assert.ok(first.pid !== null && isGone(first.pid))
    for (let i = 0; i < 50 && !isGone(child); i++) await new Promise((resolve) => setTimeout(resolve, 10))
    assert.ok(isGone(child), 'the hook\'s child survived close()')
    const rest = await Promise.all(queued)
    assert.deepEqual(rest.map((r) => [r.result, r.skipped, r.pid]), [[1, 'shutting down', null], [1, 'shutting down', null]])
    assert.ok(lines.some((l) => l.level === WARN && l.msg === 'Herald is shutting down: 2 queued hook run(s) not started, treated as failures'))
    assert.ok(lines.some((l) => l.level === WARN && l.msg === 'start hook for event 1 of monitor 1 killed: Herald is shutting down'))
    const late = await pool.run(hook(fixture('quick.sh'), 4))
    assert.equal(late.skipped, 'shutting down')
    assert.equal(pool.startedTotal, 1)
  })
})

describe('configure() (escontrol restart)', () => {
  test('a higher max_parallel_hooks starts the waiting hook at once; a new hook_timeout holds for runs that start after it', async () => {
    const { logger, lines } = captureLogs()
    const pool = new HookPool({ logger, maxParallel: 1, timeoutMs: 5000, killGraceMs: 100 })
    const pidFile = join(dir, 'configure.pid')
    const first = pool.run(hook(`'${fixture('sleep-forever.sh')}' '${pidFile}'`, 1))
    const second = pool.run(hook(fixture('quick.sh'), 2))
    assert.deepEqual([pool.running, pool.queued], [1, 1])
    pool.configure({ maxParallel: 2, maxQueued: 1000, timeoutMs: 200 })
    const quick = await second
    assert.equal(quick.result, 0, 'ran beside the first without waiting for it')
    assert.equal(pool.running, 1)
    const late = await pool.run(hook(`'${fixture('sleep-forever.sh')}' '${join(dir, 'configure-late.pid')}'`, 3))
    assert.equal(late.timedOut, true, 'the new 200 ms timeout')
    assert.ok(lines.some((l) => l.msg === 'hook pool: max_parallel_hooks=2, max_queued_hooks=1000, hook_timeout=0.2 s'))
    await pool.close()
    assert.equal((await first).timedOut, false, 'the first run kept the timeout it started with')
  })

  test('a value the constructor would refuse is refused and leaves the pool as it was', async () => {
    const pool = new HookPool({ logger: captureLogs().logger, maxParallel: 3, maxQueued: 7, timeoutMs: 4000 })
    assert.throws(() => pool.configure({ maxParallel: 1, maxQueued: -1, timeoutMs: 1000 }), RangeError)
    assert.deepEqual([pool.maxParallel, pool.maxQueued, pool.timeoutMs], [3, 7, 4000])
    await pool.close()
  })
})
