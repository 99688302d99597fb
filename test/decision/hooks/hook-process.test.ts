import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, symlink, mkdir, access } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runHookProcess, type HookProcessOptions } from '../../../src/decision/hooks/hook-process.js'
import { fixture, isGone } from './support.js'

const FAST: HookProcessOptions = { timeoutMs: 300, killGraceMs: 100 }

/** SIGKILL is asynchronous: give the kernel a moment, but never seconds. */
async function waitGone (pid: number): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    if (isGone(pid)) return true
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return false
}

async function readPid (file: string): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const text = await readFile(file, 'utf8').catch(() => '')
    if (text.trim() !== '') return Number(text.trim())
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error(`no pid in ${file}`)
}

async function exists (path: string): Promise<boolean> {
  return await access(path).then(() => true, () => false)
}

let dir: string
before(async () => { dir = await mkdtemp(join(tmpdir(), 'herald-hooks-')) })
after(async () => { await rm(dir, { recursive: true, force: true }) })

describe('arguments reach the hook verbatim', () => {
  test('a hostile monitor name and cause arrive byte for byte and run nothing', async () => {
    const pwned = join(dir, 'pwned')
    const victim = join(dir, 'x')
    await mkdir(victim)
    const name = `Front "door" $(touch ${pwned}) \`touch ${pwned}\`; rm -rf ${victim}`
    const cause = `Motion'; touch ${pwned}; echo '\nline two\n$HOME ${'$'}{IFS} & | > ${pwned} \\ \t end`
    const args = ['123', '3', name, cause, '', ' leading and trailing ', '--SPLIT--', 'ümlaut ✓']
    const out = await runHookProcess(fixture('echo-args.sh'), args, FAST)
    assert.equal(out.exitCode, 0)
    const [count, ...received] = out.stdout.split('\0').slice(0, -1)
    assert.equal(count, String(args.length))
    assert.deepEqual(received, args)
    assert.equal(await exists(pwned), false, 'a command substitution ran')
    assert.equal(await exists(victim), true, 'the rm ran')
  })

  test('a configured command keeps its shell syntax: variable assignment and a quoted path with a space', async () => {
    const spaced = join(dir, 'with space')
    await mkdir(spaced, { recursive: true })
    await symlink(fixture('print-env.sh'), join(spaced, 'print env.sh'))
    const command = `FOO=bar '${join(spaced, 'print env.sh')}'`
    const out = await runHookProcess(command, ['1', 'Front door'], FAST)
    assert.equal(out.exitCode, 0)
    assert.equal(out.stdout, 'FOO=bar\n1\nFront door\n')
  })

  test('the configured command may be quoted the way zmES ini values keep it', async () => {
    const out = await runHookProcess(`'${fixture('echo-args.sh')}'`, ['a b'], FAST)
    assert.equal(out.stdout, '1\0a b\0')
  })

  test('a NUL byte in an argument is a spawn error, not an exception', async () => {
    const out = await runHookProcess(fixture('echo-args.sh'), ['a\0b'], FAST)
    assert.equal(out.pid, null)
    assert.ok(out.spawnError instanceof Error)
  })

  test('a missing script is exit status 127 with the shell\'s complaint on stderr', async () => {
    const out = await runHookProcess(join(dir, 'no-such-hook.sh'), ['1'], FAST)
    assert.equal(out.exitCode, 127)
    assert.match(out.stderr, /not found|No such file/)
  })

  test('an empty command is refused without spawning', async () => {
    const out = await runHookProcess('   ', [], FAST)
    assert.equal(out.pid, null)
    assert.match(out.spawnError?.message ?? '', /empty/)
  })
})

describe('no hook process outlives its run', () => {
  test('a hook past its timeout is killed together with its background child', async () => {
    const pidFile = join(dir, 'timeout.pid')
    const started = Date.now()
    const out = await runHookProcess(fixture('sleep-forever.sh'), [pidFile], FAST)
    const child = await readPid(pidFile)
    assert.equal(out.timedOut, true)
    assert.equal(out.exitCode, null)
    assert.equal(out.signal, 'SIGTERM')
    assert.ok(Date.now() - started < 10_000, 'it waited for the hook, which never ends by itself')
    assert.ok(out.durationMs >= 300)
    assert.ok(out.pid !== null && await waitGone(out.pid), 'the hook survived')
    assert.ok(await waitGone(child), 'its background child survived')
  })

  test('a hook that ignores SIGTERM gets SIGKILL after the grace, children included', async () => {
    const pidFile = join(dir, 'ignore.pid')
    // The trap in the command itself: the main process (the shell Herald starts) ignores SIGTERM too.
    const command = `trap '' TERM; '${fixture('ignore-term.sh')}'`
    const out = await runHookProcess(command, [pidFile], { timeoutMs: 200, killGraceMs: 150 })
    const child = await readPid(pidFile)
    assert.equal(out.timedOut, true)
    assert.equal(out.signal, 'SIGKILL')
    assert.ok(out.durationMs >= 350)
    assert.ok(await waitGone(child), 'its background child survived')
  })

  test('a hook that exits at once leaves no background child behind, and does not wait for it', async () => {
    const pidFile = join(dir, 'leave.pid')
    const out = await runHookProcess(fixture('leave-child.sh'), [pidFile], { timeoutMs: 5000, killGraceMs: 100 })
    const child = await readPid(pidFile)
    assert.equal(out.exitCode, 0)
    assert.equal(out.timedOut, false)
    assert.equal(out.stdout, 'detected:person\n')
    assert.ok(out.durationMs < 10_000, `took ${out.durationMs} ms: it waited for the child's 30 s sleep`)
    assert.ok(await waitGone(child), 'the background child survived')
  })

  test('a child that left the group cannot hold the run open: Herald stops reading after drainMs', async (t) => {
    const pidFile = join(dir, 'escape.pid')
    const out = await runHookProcess(fixture('escape-group.sh'), [pidFile], { timeoutMs: 5000, killGraceMs: 100, drainMs: 100 })
    const escaped = await readPid(pidFile)
    t.after(() => { try { process.kill(escaped, 'SIGKILL') } catch {} })
    assert.equal(out.exitCode, 0)
    assert.equal(out.stdout, 'detected:person\n')
    assert.ok(out.durationMs < 10_000, `took ${out.durationMs} ms: it waited for the child's 30 s sleep`)
  })

  test('aborting (Herald closing) kills the group and says so', async () => {
    const pidFile = join(dir, 'abort.pid')
    const ac = new AbortController()
    const running = runHookProcess(fixture('sleep-forever.sh'), [pidFile], { timeoutMs: 5000, killGraceMs: 100, signal: ac.signal })
    const child = await readPid(pidFile)
    ac.abort()
    const out = await running
    assert.equal(out.aborted, true)
    assert.equal(out.timedOut, false)
    assert.ok(out.durationMs < 1000)
    assert.ok(await waitGone(child), 'the background child survived')
  })

  test('an already aborted signal starts nothing', async () => {
    const out = await runHookProcess(fixture('quick.sh'), [], { ...FAST, signal: AbortSignal.abort() })
    assert.equal(out.aborted, true)
    assert.equal(out.pid, null)
  })
})

describe('output capture', () => {
  test('stdout and stderr stop collecting at their caps while the hook runs to its end', async () => {
    const out = await runHookProcess(fixture('big-output.sh'), [], { ...FAST, timeoutMs: 5000, maxStdoutBytes: 1000, maxStderrBytes: 100 })
    assert.equal(out.exitCode, 0)
    assert.equal(out.stdout, 'a'.repeat(1000))
    assert.equal(out.stdoutTruncated, true)
    assert.equal(out.stderr, 'e'.repeat(100))
    assert.equal(out.stderrTruncated, true)
  })

  test('by default stdout keeps 1 MiB', async () => {
    const out = await runHookProcess(fixture('big-output.sh'), [], { ...FAST, timeoutMs: 5000 })
    assert.equal(out.stdout.length, 1024 * 1024)
    assert.equal(out.stdoutTruncated, true)
    assert.equal(out.stderr.length, 64 * 1024)
  })

  test('the hook gets Herald\'s environment unless one is given', async () => {
    const inherited = await runHookProcess('echo "$PATH"', [], FAST)
    assert.equal(inherited.stdout, `${process.env.PATH ?? ''}\n`)
    const given = await runHookProcess(fixture('print-env.sh'), [], { ...FAST, env: { FOO: 'given', PATH: '/bin:/usr/bin' } })
    assert.equal(given.stdout, 'FOO=given\n\n')
  })
})
