/**
 * Runs one configured hook command as a process tree Herald can always take down again.
 *
 * zmES ran hooks with Perl backticks: no timeout, and a hook's stray children lived on after it
 * (issues #384, #437: hundreds of stuck `zm_detect.py`/`grep` processes). Here every run gets its
 * own process group (`detached: true` makes the shell a session and group leader), and the whole
 * group is killed when the run times out, when Herald aborts it, and — with SIGKILL — as soon as
 * the hook's main process has exited, so no process outlives its event.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import { toError } from '../../errors.js'

export interface HookProcessOptions {
  /** Wall-clock limit from spawn until the group gets SIGTERM. Must be positive. */
  timeoutMs: number
  /** Time between SIGTERM and SIGKILL of the group after a timeout or an abort. */
  killGraceMs: number
  /** Stop collecting stdout after this many bytes (the rest is read and discarded). @defaultValue 1 MiB */
  maxStdoutBytes?: number
  /** Stop collecting stderr after this many bytes. @defaultValue 64 KiB */
  maxStderrBytes?: number
  /**
   * The hook's environment. Undefined means Herald's own environment, PATH included: zmES forced
   * `PATH=/bin:/usr/bin`, but Herald may run from systemd or a container where hooks live elsewhere.
   */
  env?: NodeJS.ProcessEnv
  /** Aborting kills the group like a timeout does (SIGTERM, grace, SIGKILL). */
  signal?: AbortSignal
  /**
   * After the main process exited and the group was killed, how long to wait for the output pipes
   * to close. Only a descendant that left the group (setsid) can hold them open longer; Herald then
   * stops reading instead of waiting for it. @defaultValue 1000
   */
  drainMs?: number
}

export interface HookProcessOutcome {
  /** Pid of the shell, which is also the process group id; null when nothing was spawned. */
  pid: number | null
  exitCode: number | null
  /** The signal that ended the main process, e.g. `SIGTERM` after a timeout. */
  signal: NodeJS.Signals | null
  stdout: string
  stdoutTruncated: boolean
  stderr: string
  stderrTruncated: boolean
  timedOut: boolean
  /** Ended by the abort signal (Herald shutting down). */
  aborted: boolean
  /** The process could not be started (ENOENT, E2BIG, a NUL byte in an argument, …). */
  spawnError: Error | null
  durationMs: number
}

export const DEFAULT_MAX_STDOUT_BYTES = 1024 * 1024
export const DEFAULT_MAX_STDERR_BYTES = 64 * 1024
const DEFAULT_DRAIN_MS = 1000

/** `$0` of the hook shell: it names Herald in `ps` output and in the shell's own error messages. */
const SHELL_NAME = 'herald-hook'

/**
 * The argument vector for `/bin/sh`. The configured command keeps its shell syntax (`FOO=bar
 * '/path/script.sh'`, pipes, zmES-style quoted paths); the dynamic values are appended as `"$@"`,
 * so they reach the last simple command as separate, verbatim arguments — the same place zmES
 * pasted them textually, minus the injection. Trailing whitespace is dropped, because a trailing
 * newline would turn `"$@"` into a command of its own.
 */
export function shellArgv (command: string, args: readonly string[]): string[] {
  return ['-c', `${command.trimEnd()} "$@"`, SHELL_NAME, ...args]
}

/** The outcome of a run that never had a process: refused before spawn, or spawn failed. */
function notSpawned (spawnError: Error | null, aborted: boolean, startedAt: number): HookProcessOutcome {
  return {
    pid: null,
    exitCode: null,
    signal: null,
    stdout: '',
    stdoutTruncated: false,
    stderr: '',
    stderrTruncated: false,
    timedOut: false,
    aborted,
    spawnError,
    durationMs: elapsedSince(startedAt)
  }
}

/** Runs `command` through `/bin/sh -c` with `args` as positional parameters. Never rejects. */
export async function runHookProcess (
  command: string,
  args: readonly string[],
  options: HookProcessOptions
): Promise<HookProcessOutcome> {
  const startedAt = performance.now()
  const failed = (error: Error, aborted = false): HookProcessOutcome => notSpawned(aborted ? null : error, aborted, startedAt)

  if (options.signal?.aborted === true) return failed(new Error('aborted before start'), true)
  if (command.trim() === '') return failed(new Error('the hook command is empty'))

  let child: ChildProcess
  try {
    child = spawn('/bin/sh', shellArgv(command, args), {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: options.env
    })
  } catch (e: unknown) {
    // Synchronous failures: an argument with a NUL byte, an invalid option.
    return failed(toError(e))
  }
  return await new Promise((resolve) => {
    new HookProcess(child, options, startedAt, resolve).watch()
  })
}

/** Output of one stream, collected up to a byte cap; the rest is read and dropped so the pipe never fills. */
class CappedOutput {
  readonly #cap: number
  readonly #chunks: Buffer[] = []
  #size = 0
  truncated = false

  constructor (cap: number) {
    this.#cap = cap
  }

  push (chunk: Buffer): void {
    if (this.#size >= this.#cap) {
      this.truncated = true
      return
    }
    const room = this.#cap - this.#size
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk
    if (kept.length < chunk.length) this.truncated = true
    this.#chunks.push(kept)
    this.#size += kept.length
  }

  text (): string {
    return Buffer.concat(this.#chunks, this.#size).toString('utf8')
  }
}

/**
 * The life of one spawned shell. It finishes once the main process has exited, its group has had
 * a final SIGKILL, and the pipes are closed (or `drainMs` has passed).
 */
class HookProcess {
  readonly #child: ChildProcess
  readonly #options: HookProcessOptions
  readonly #startedAt: number
  readonly #resolve: (outcome: HookProcessOutcome) => void
  readonly #stdout: CappedOutput
  readonly #stderr: CappedOutput
  #timeoutTimer: NodeJS.Timeout | undefined
  #graceTimer: NodeJS.Timeout | undefined
  #drainTimer: NodeJS.Timeout | undefined
  #terminating = false
  #timedOut = false
  #aborted = false
  #exited = false
  #closed = false
  #done = false
  #exitCode: number | null = null
  #signal: NodeJS.Signals | null = null
  readonly #onAbort = (): void => {
    if (this.#exited || this.#terminating) return
    this.#aborted = true
    this.#terminate()
  }

  constructor (
    child: ChildProcess,
    options: HookProcessOptions,
    startedAt: number,
    resolve: (outcome: HookProcessOutcome) => void
  ) {
    this.#child = child
    this.#options = options
    this.#startedAt = startedAt
    this.#resolve = resolve
    this.#stdout = new CappedOutput(options.maxStdoutBytes ?? DEFAULT_MAX_STDOUT_BYTES)
    this.#stderr = new CappedOutput(options.maxStderrBytes ?? DEFAULT_MAX_STDERR_BYTES)
  }

  watch (): void {
    const child = this.#child
    child.stdout?.on('data', (chunk: Buffer) => { this.#stdout.push(chunk) })
    child.stderr?.on('data', (chunk: Buffer) => { this.#stderr.push(chunk) })
    // Reading errors on our side of a pipe change nothing about the outcome.
    child.stdout?.on('error', () => {})
    child.stderr?.on('error', () => {})
    child.on('error', (err) => {
      // Only spawn failures (ENOENT for /bin/sh, EAGAIN, E2BIG) arrive here: kill() is not used on
      // the ChildProcess. Without a pid there is no process and there will be no 'exit'.
      if (child.pid === undefined) this.#finishUnspawned(err)
    })
    child.on('exit', (code, signal) => { this.#onExit(code, signal) })
    child.on('close', () => {
      this.#closed = true
      this.#maybeFinish()
    })
    if (child.pid === undefined) return
    this.#timeoutTimer = setTimeout(() => {
      this.#timeoutTimer = undefined
      if (this.#exited || this.#terminating) return
      this.#timedOut = true
      this.#terminate()
    }, this.#options.timeoutMs)
    this.#options.signal?.addEventListener('abort', this.#onAbort, { once: true })
  }

  #terminate (): void {
    this.#terminating = true
    this.#killGroup('SIGTERM')
    this.#graceTimer = setTimeout(() => {
      this.#graceTimer = undefined
      // The 'exit' that follows finishes the run.
      this.#killGroup('SIGKILL')
    }, this.#options.killGraceMs)
  }

  #onExit (code: number | null, signal: NodeJS.Signals | null): void {
    this.#exited = true
    this.#exitCode = code
    this.#signal = signal
    this.#clearTimer('timeout')
    this.#clearTimer('grace')
    // Whatever the hook left running in its group (`cmd &`, or a child still handling SIGTERM
    // after the main process gave up) dies with it: no process outlives its run.
    this.#killGroup('SIGKILL')
    this.#maybeFinish()
  }

  #maybeFinish (): void {
    if (this.#done || !this.#exited) return
    if (this.#closed) {
      this.#finish()
      return
    }
    this.#drainTimer ??= setTimeout(() => {
      this.#drainTimer = undefined
      // Timers run before I/O in a loop turn: after a stall of the event loop the pipes' data and
      // close may be waiting behind this timer. setImmediate lets that I/O in first, so a loaded
      // Herald does not read a finished hook's output as empty.
      setImmediate(() => {
        if (this.#done) return
        // A descendant that escaped the group still holds a pipe: stop reading rather than wait.
        this.#child.stdout?.destroy()
        this.#child.stderr?.destroy()
        this.#finish()
      })
    }, this.#options.drainMs ?? DEFAULT_DRAIN_MS)
  }

  #finish (): void {
    if (this.#done) return
    this.#done = true
    this.#clearTimer('timeout')
    this.#clearTimer('grace')
    this.#clearTimer('drain')
    this.#options.signal?.removeEventListener('abort', this.#onAbort)
    this.#resolve({
      pid: this.#child.pid ?? null,
      exitCode: this.#exitCode,
      signal: this.#signal,
      stdout: this.#stdout.text(),
      stdoutTruncated: this.#stdout.truncated,
      stderr: this.#stderr.text(),
      stderrTruncated: this.#stderr.truncated,
      timedOut: this.#timedOut,
      aborted: this.#aborted,
      spawnError: null,
      durationMs: elapsedSince(this.#startedAt)
    })
  }

  #finishUnspawned (err: Error): void {
    if (this.#done) return
    this.#done = true
    this.#clearTimer('timeout')
    this.#options.signal?.removeEventListener('abort', this.#onAbort)
    this.#resolve(notSpawned(err, false, this.#startedAt))
  }

  #killGroup (signal: NodeJS.Signals): void {
    const pid = this.#child.pid
    if (pid === undefined) return
    try {
      process.kill(-pid, signal)
    } catch {
      // ESRCH: the group is already empty. EPERM: a member changed its user (setuid) — nothing
      // Herald may do about it.
    }
  }

  #clearTimer (which: 'timeout' | 'grace' | 'drain'): void {
    if (which === 'timeout' && this.#timeoutTimer !== undefined) {
      clearTimeout(this.#timeoutTimer)
      this.#timeoutTimer = undefined
    } else if (which === 'grace' && this.#graceTimer !== undefined) {
      clearTimeout(this.#graceTimer)
      this.#graceTimer = undefined
    } else if (which === 'drain' && this.#drainTimer !== undefined) {
      clearTimeout(this.#drainTimer)
      this.#drainTimer = undefined
    }
  }
}

/** Whole milliseconds; performance.now() does not jump with the wall clock. */
function elapsedSince (start: number): number {
  return Math.round(performance.now() - start)
}
