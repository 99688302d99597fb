import { runHookProcess } from '../../decision/hooks/hook-process.js'
import { DEFAULT_KILL_GRACE_MS } from '../../decision/hooks/hook-run.js'
import type { ScriptRequest, ScriptResult, ScriptRunner } from './api-push-channel.js'

/**
 * Push scripts run like hooks (src/decision/hooks/hook-process.ts): the configured string through
 * `/bin/sh -c`, values as separate arguments, the whole process group killed on timeout or abort.
 */
export const processScriptRunner: ScriptRunner = {
  async run (request: ScriptRequest): Promise<ScriptResult> {
    const out = await runHookProcess(request.command, request.args, {
      timeoutMs: request.timeoutMs,
      killGraceMs: DEFAULT_KILL_GRACE_MS,
      signal: request.signal
    })
    return {
      exitCode: out.exitCode,
      signal: out.signal,
      timedOut: out.timedOut,
      stdout: out.stdout,
      stderr: out.stderr,
      durationMs: out.durationMs,
      error: out.spawnError?.message ?? (out.aborted ? 'Herald is shutting down' : null)
    }
  }
}
