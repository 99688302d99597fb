/**
 * One hook run from invocation to result, with zmES's result semantics (spec §9.2) and the log
 * lines an operator needs. Never throws: every hook problem becomes a failed run.
 */
import type { Logger } from 'pino'
import type { JsonValue } from '../../events/event.js'
import { toError } from '../../errors.js'
import { describeInvocation, type HookInvocation, type HookKind } from './hook-invocation.js'
import { DEFAULT_MAX_DETECTION_BYTES, isPerlFalse, parseHookOutput, type FrameType } from './hook-output.js'
import { runHookProcess, type HookProcessOutcome } from './hook-process.js'

/** Why a run never started: the pool's queue was full, or Herald was closing. */
export type HookSkipReason = 'queue full' | 'shutting down'

/** Everything the decision record keeps about one run. */
export interface HookRun {
  kind: HookKind
  /** The configured command string. */
  command: string
  args: readonly string[]
  eventId: string
  monitorId: string
  pid: number | null
  exitCode: number | null
  signal: NodeJS.Signals | null
  /** 0 = success; anything else is a failure. `1` also for timeouts, signals, skips and spawn errors. */
  result: number
  text: string
  detection: JsonValue
  /** The JSON part as printed when accepted, else `[]` (userscripts get this). */
  detectionJson: string
  frameType: FrameType | null
  timedOut: boolean
  /** Killed because Herald closed. */
  aborted: boolean
  skipped: HookSkipReason | null
  /** Spawn error, or why the JSON part was rejected. */
  error: string | null
  /** From spawn until the process tree was gone; excludes time waiting in the pool's queue. */
  durationMs: number
  /** Time spent waiting in the pool's queue. */
  queuedMs: number
  /** At most 64 KiB (HookRunOptions.maxStderrBytes). */
  stderr: string
  /** stdout passed its cap and was cut; the JSON part is then usually rejected too. */
  truncated: boolean
}

export interface HookRunOptions {
  logger: Logger
  /** `[hook] hook_timeout` in ms. @defaultValue 60000 */
  timeoutMs?: number
  /** SIGTERM → SIGKILL grace in ms. @defaultValue 2000 */
  killGraceMs?: number
  signal?: AbortSignal
  /** The hooks' environment; undefined = Herald's own (PATH included). */
  env?: NodeJS.ProcessEnv
  maxStdoutBytes?: number
  maxStderrBytes?: number
  maxDetectionBytes?: number
}

export const DEFAULT_HOOK_TIMEOUT_MS = 60_000
export const DEFAULT_KILL_GRACE_MS = 2000
/** How much of stderr goes into the warn line. */
const STDERR_LOG_LINES = 10
const STDERR_LOG_CHARS = 2000

export async function runHook (inv: HookInvocation, options: HookRunOptions): Promise<HookRun> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_HOOK_TIMEOUT_MS
  const log = options.logger.child({ hook: inv.kind, eventId: inv.eventId, monitorId: inv.monitorId })
  const what = describeInvocation(inv)
  log.debug({ command: inv.command, args: inv.args }, `running ${what}`)
  let outcome: HookProcessOutcome
  try {
    outcome = await runHookProcess(inv.command, inv.args, {
      timeoutMs,
      killGraceMs: options.killGraceMs ?? DEFAULT_KILL_GRACE_MS,
      maxStdoutBytes: options.maxStdoutBytes,
      maxStderrBytes: options.maxStderrBytes,
      env: options.env,
      signal: options.signal
    })
  } catch (e: unknown) {
    // runHookProcess does not reject; this keeps the promise of runHook true even if it ever did.
    const err = toError(e)
    log.error({ err }, `${what} failed unexpectedly, treated as failure`)
    return skippedOrFailedRun(inv, { error: err.message })
  }
  const run = toHookRun(inv, outcome, options.maxDetectionBytes ?? DEFAULT_MAX_DETECTION_BYTES)
  logRun(log, what, run, outcome, timeoutMs)
  return run
}

function invocationFields ({ kind, command, args, eventId, monitorId }: HookInvocation): Pick<HookRun, 'kind' | 'command' | 'args' | 'eventId' | 'monitorId'> {
  return { kind, command, args, eventId, monitorId }
}

/** A run that never started a process (skipped by the pool, or an internal failure): result 1. */
export function skippedOrFailedRun (
  inv: HookInvocation,
  extra: { skipped?: HookSkipReason, error?: string, queuedMs?: number }
): HookRun {
  return {
    ...invocationFields(inv),
    pid: null,
    exitCode: null,
    signal: null,
    result: 1,
    text: '',
    detection: [],
    detectionJson: '[]',
    frameType: null,
    timedOut: false,
    aborted: false,
    skipped: extra.skipped ?? null,
    error: extra.error ?? null,
    durationMs: 0,
    queuedMs: extra.queuedMs ?? 0,
    stderr: '',
    truncated: false
  }
}

function toHookRun (inv: HookInvocation, outcome: HookProcessOutcome, maxDetectionBytes: number): HookRun {
  const isHook = inv.kind === 'start' || inv.kind === 'end'
  // Userscripts' output means nothing to zmES; only detection hooks are parsed.
  const output = isHook
    ? parseHookOutput(outcome.stdout, maxDetectionBytes)
    : { text: outcome.stdout.endsWith('\n') ? outcome.stdout.slice(0, -1) : outcome.stdout, detection: [], detectionJson: '[]', frameType: null, problem: null }
  let result: number
  if (outcome.spawnError !== null || outcome.timedOut || outcome.aborted || outcome.exitCode === null) {
    // zmES computed `$? >> 8`, which is 0 for a signal death; a killed hook is a failure here.
    result = 1
  } else if (isHook && isPerlFalse(output.text)) {
    // zmES: `$hookResult = 1 if !$resTxt`, whatever the exit status.
    result = 1
  } else {
    result = outcome.exitCode
  }
  return {
    ...invocationFields(inv),
    pid: outcome.pid,
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    result,
    text: output.text,
    detection: output.detection,
    detectionJson: output.detectionJson,
    frameType: output.frameType,
    timedOut: outcome.timedOut,
    aborted: outcome.aborted,
    skipped: null,
    error: outcome.spawnError?.message ?? output.problem,
    durationMs: outcome.durationMs,
    queuedMs: 0,
    stderr: outcome.stderr,
    truncated: outcome.stdoutTruncated
  }
}

function logRun (log: Logger, what: string, run: HookRun, outcome: HookProcessOutcome, timeoutMs: number): void {
  if (outcome.spawnError !== null) {
    const hint = (outcome.spawnError as NodeJS.ErrnoException).code === 'E2BIG'
      ? ' (an argument is longer than the system allows: 128 KiB on Linux)'
      : ''
    log.warn({ err: outcome.spawnError }, `${what} could not be started: ${outcome.spawnError.message}${hint}, treated as failure`)
    return
  }
  if (outcome.timedOut) {
    log.warn({ pid: run.pid, durationMs: run.durationMs }, `${what} timed out after ${formatSeconds(timeoutMs)}, killed`)
  } else if (outcome.aborted) {
    log.warn({ pid: run.pid }, `${what} killed: Herald is shutting down`)
  } else if (outcome.signal !== null) {
    log.warn({ pid: run.pid, signal: outcome.signal }, `${what} was killed by ${outcome.signal}, treated as failure`)
  }
  if (outcome.stderr !== '') {
    log.warn({ stderr: firstLines(outcome.stderr), stderrTruncated: outcome.stderrTruncated }, `${what} wrote to stderr`)
  }
  if (outcome.stdoutTruncated) {
    log.warn(`${what} printed more than the output limit; the rest was dropped`)
  }
  if (run.error !== null) {
    log.warn({ error: run.error }, `${what}: ${run.error}; read as no detection`)
  }
  log.debug({ result: run.result, exitCode: run.exitCode, text: run.text, durationMs: run.durationMs }, `${what} returned ${run.result}`)
}

function firstLines (stderr: string): string {
  const lines = stderr.split('\n', STDERR_LOG_LINES + 1)
  let head = lines.slice(0, STDERR_LOG_LINES).join('\n')
  if (head.length > STDERR_LOG_CHARS) head = head.slice(0, STDERR_LOG_CHARS)
  return head.length < stderr.length ? `${head.trimEnd()}\n…` : head.trimEnd()
}

/** `60 s`, `0.3 s`. */
function formatSeconds (ms: number): string {
  return `${ms / 1000} s`
}
