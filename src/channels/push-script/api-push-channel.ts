import type { Logger } from 'pino'
import type { Clock } from '../../clock.js'
import type { ZmesConfig } from '../../config/zmes/zmes-schema.js'
import { laneOf, type BatchDescription, type Channel, type Outcome, type TargetState } from '../../delivery/contract.js'
import { readDecidedAlarm, type AlarmRecipients, type DecidedAlarm } from '../../decision/decided-alarm.js'
import type { ClaimedBatch, Route } from '../../store/store.js'

export const API_CHANNEL = 'api'
/** A push script that keeps failing is given up after this many runs (about 2 minutes of backoff). */
const MAX_ATTEMPTS = 6

/** What the channel needs from the process runner (src/decision/hooks). */
export interface ScriptRunner {
  run (request: ScriptRequest): Promise<ScriptResult>
}

export interface ScriptRequest {
  readonly command: string
  readonly args: readonly string[]
  readonly timeoutMs: number
  readonly signal: AbortSignal
}

export interface ScriptResult {
  readonly exitCode: number | null
  readonly signal: string | null
  readonly timedOut: boolean
  readonly stdout: string
  readonly stderr: string
  readonly durationMs: number
  /** Set when the script could not be started (ENOENT, EACCES…). */
  readonly error: string | null
}

export interface ApiPushChannelOptions {
  readonly config: () => ZmesConfig
  readonly runner: ScriptRunner
  readonly clock: Clock
  readonly logger: Logger
}

/**
 * zmES's `api` channel (§10.5): `api_push_script <eid> <mid> <MonitorName> <Cause> event_start|event_end
 * [<event dir>]` for every decided start and end the routing allows. Unlike zmES, where the exit
 * status was only logged, the script runs through the delivery engine: killed after
 * `api_push_timeout`, retried with backoff when it fails, every run in the attempt log. One lane
 * per alarm, so a hanging script holds up only the alarm it is about, and that alarm's end still
 * follows its start.
 */
export class ApiPushChannel implements Channel, AlarmRecipients {
  readonly name = API_CHANNEL
  readonly channel = 'api'
  readonly transientLanes = true
  readonly #o: ApiPushChannelOptions

  constructor (options: ApiPushChannelOptions) {
    this.#o = options
  }

  enabled (): boolean {
    const push = this.#o.config().push
    return push.use_api_push && script(push.api_push_script) !== undefined
  }

  routes (alarm: DecidedAlarm): readonly Route[] {
    if (alarm.phase === 'update') return []
    const target = `${alarm.monitorId}/${alarm.eventId}`
    return [{ channel: API_CHANNEL, target, lane: laneOf(API_CHANNEL, target), group: 'alarms' }]
  }

  target (): TargetState {
    // Switched off since: what waits is not pushed, but kept for when it is switched on again.
    return this.enabled() ? { kind: 'ready', batchSize: 1, maxAttempts: MAX_ATTEMPTS } : { kind: 'paused' }
  }

  describe (batch: ClaimedBatch): BatchDescription {
    return { worker: `ApiPush(${batch.target})`, noun: 'api push' }
  }

  async deliver (batch: ClaimedBatch, signal: AbortSignal): Promise<Outcome> {
    const config = this.#o.config()
    const command = script(config.push.api_push_script)
    const started = this.#o.clock.now()
    if (command === undefined) return { kind: 'retry', error: 'api_push_script is not set', statusCode: null, latencyMs: null }
    for (const item of batch.items) {
      const alarm = readDecidedAlarm(item.event)
      if (alarm === undefined) continue
      const args = apiPushArguments(alarm, config)
      const result = await this.#o.runner.run({ command, args, timeoutMs: config.push.api_push_timeout * 1000, signal })
      const latencyMs = this.#o.clock.now() - started
      if (result.error !== null) return { kind: 'retry', error: `api_push_script could not run: ${result.error}`, statusCode: null, latencyMs }
      if (result.timedOut) return { kind: 'retry', error: `api_push_script timed out after ${config.push.api_push_timeout} s and was killed`, statusCode: null, latencyMs }
      if (result.exitCode !== 0) {
        const why = result.signal !== null ? `killed by ${result.signal}` : `exit ${String(result.exitCode)}`
        const stderr = result.stderr.trim().split('\n')[0] ?? ''
        return { kind: 'retry', error: `api_push_script failed (${why})${stderr !== '' ? `: ${stderr.slice(0, 200)}` : ''}`, statusCode: null, latencyMs }
      }
      this.#o.logger.debug({ monitorId: alarm.monitorId, eventId: alarm.eventId, phase: alarm.phase, ms: result.durationMs }, 'api push script done')
    }
    return { kind: 'delivered', statusCode: null, latencyMs: this.#o.clock.now() - started }
  }
}

/** §10.5's argument vector (each value passed as one argument, never through the shell). */
export function apiPushArguments (alarm: DecidedAlarm, config: ZmesConfig): string[] {
  const args = [alarm.eventId, alarm.monitorId, alarm.monitorName, alarm.cause, alarm.phase === 'end' ? 'event_end' : 'event_start']
  if (config.hook.hook_pass_image_path && alarm.eventPath !== null) args.push(alarm.eventPath)
  return args
}

function script (value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value
}
