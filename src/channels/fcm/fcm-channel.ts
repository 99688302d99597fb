import type { Logger } from 'pino'
import type { Dispatcher } from 'undici'
import type { Clock } from '../../clock.js'
import type { ZmesConfig } from '../../config/zmes/zmes-schema.js'
import { readDecidedAlarm, type AlarmRecipients, type DecidedAlarm } from '../../decision/decided-alarm.js'
import { laneOf, type BatchDescription, type Channel, type Outcome, type TargetState } from '../../delivery/contract.js'
import { toError } from '../../errors.js'
import type { ControlState, MonitorNotifyState, TokenRegistry } from '../../registry/contract.js'
import { monthIndex } from '../../registry/token-registry.js'
import type { ClaimedBatch, Route } from '../../store/store.js'
import { ZonedStrftime } from '../time-format/zoned-strftime.js'
import { pushStyle, renderPush } from './push-text.js'
import type { PushSender } from './push-sender.js'
import { selectSender } from './select-sender.js'
import { MAX_PUSHES_PER_MONTH, overMonthlyCap, tokenVerdict } from './token-filter.js'
import { maskToken } from './token-mask.js'

export const FCM_CHANNEL = 'fcm'
export const FCM_GROUP = 'alarms'

export interface FcmChannelOptions {
  /** The zmES settings in force; read for every alarm and push, so escontrol `edit` applies to the next one. */
  readonly config: () => ZmesConfig
  readonly tokens: TokenRegistry
  readonly control: ControlState
  /** Herald's pooled undici Agent. */
  readonly dispatcher: Dispatcher
  readonly clock: Clock
  readonly logger: Logger
  /** Per request (push, or OAuth token). @defaultValue 10_000 */
  readonly timeoutMs?: number
  /** Attempts per push before it is given up; with the engine's backoff 10 cover about 6 minutes. @defaultValue 10 */
  readonly maxAttempts?: number
  /** The event server's open sockets, told of each push (spec §4 supplementary alarm); none without an event server. */
  readonly liveApps?: LiveApps
}

/**
 * The app side of a token: the zmNinja socket that registered it, while it is open. zmES keeps a
 * token and its socket in one entry (spec §2) and, after a push, sends that socket the alarm
 * marked supplementary, so the app open on the phone lists the alarm without alerting twice.
 */
export interface LiveApps {
  /** Sends the supplementary alarm to the open socket of `token`, if one holds it. */
  supplement (token: string, alarm: DecidedAlarm): void
}

const DEFAULTS = { timeoutMs: 10_000, maxAttempts: 10 }

/**
 * zmNinja's mobile pushes (spec §6, §9.4, §10.2, §14.2) as a delivery-engine channel: one lane per
 * registered token (`fcm:<token>`), one push per delivery, so a dead token or a slow answer holds
 * up only that phone, and a push that fails for want of a network is retried instead of lost.
 *
 * Per token, differences from zmES on purpose:
 *  - intervals work, per token, persisted (quirks 1 and 12); a throttle mark is set when the alarm
 *    is routed, with the decision time, so the push and the websocket alarm of one alarm count once;
 *  - an invalid or unregistered token is removed from memory and store at once (quirk 10);
 *  - escontrol mute (-1) silences ends too and force-notify (1) lets them through, as on the
 *    websocket; zmES consulted escontrol for starts only;
 *  - failed sends are retried (connection errors, 408/429/5xx, Retry-After honoured); zmES tried once.
 *
 * As in zmES, a token's open socket (liveApps) gets the alarm from here, marked supplementary, after
 * the first attempt of each push; the web channel leaves such sockets alone (pushesTo).
 */
export class FcmChannel implements Channel, AlarmRecipients {
  readonly name = FCM_CHANNEL
  readonly channel = 'fcm' as const
  /** One lane per token: forgotten when empty, so a thousand tokens do not stay in memory. */
  readonly transientLanes = true
  readonly #o: FcmChannelOptions
  #sender: PushSender | undefined
  /** Why the channel cannot push (its settings were refused while `[fcm] enable` was off). */
  #unavailable: Error | undefined
  /** The transport options #sender was picked with (see transportOf). */
  #transport: string
  readonly #maxAttempts: number
  /** Token → month (0–11) whose monthly cap was already logged. */
  readonly #capLogged = new Map<string, number>()
  #time: ZonedStrftime
  /** The `[customize] timezone` value #time was made for ('' = the server's zone). */
  #timeSetting: string
  #unavailableLogged = false

  private constructor (options: FcmChannelOptions, time: ZonedStrftime, sender: PushSender | undefined, unavailable: Error | undefined) {
    this.#o = options
    this.#sender = sender
    this.#unavailable = unavailable
    this.#transport = transportOf(options.config())
    this.#maxAttempts = options.maxAttempts ?? DEFAULTS.maxAttempts
    this.#time = time
    this.#timeSetting = options.config().customize.timezone ?? ''
  }

  /**
   * Checks `[fcm]` and picks the transport (reading the service-account file for direct FCM).
   * @throws ConfigError (HRD_ERR_CONFIG_INVALID) when FCM is enabled and its settings cannot work:
   *   `use_fcmv1 = no`, a missing or invalid service-account file, a bad `fcm_api_url` or
   *   `fcm_v1_url`, an empty `fcm_v1_key`, an unknown `[customize] timezone`.
   */
  static async create (options: FcmChannelOptions): Promise<FcmChannel> {
    const config = options.config()
    const time = new ZonedStrftime(config.customize.timezone)
    try {
      const sender = await selectSender({
        config: options.config,
        dispatcher: options.dispatcher,
        clock: options.clock,
        logger: options.logger,
        timeoutMs: options.timeoutMs ?? DEFAULTS.timeoutMs
      })
      return new FcmChannel(options, time, sender, undefined)
    } catch (err) {
      // With FCM off, settings it would refuse must not stop Herald: it stays off.
      if (config.fcm.enable) throw err
      return new FcmChannel(options, time, undefined, toError(err))
    }
  }

  /**
   * escontrol `restart` (zmES re-executes itself, so every `[fcm]` option applies): when the
   * options the transport is picked with changed (use_fcmv1, fcm_service_account_file,
   * fcm_api_url, or enable turned on after settings refused at start), picks the new transport
   * now and returns what switches to it; undefined when there is nothing to switch. Pushes already
   * sent are not affected; the next attempt uses the new transport.
   * @throws ConfigError when FCM is enabled in `next` and its settings cannot work: nothing changes.
   */
  async prepareRestart (next: ZmesConfig): Promise<(() => void) | undefined> {
    const transport = transportOf(next)
    const refusedAtStart = this.#sender === undefined && next.fcm.enable
    if (transport === this.#transport && !refusedAtStart) return undefined
    // The new sender reads `next` until the switch, and then the live settings, as #sender does.
    let staged: ZmesConfig | undefined = next
    const config = (): ZmesConfig => staged ?? this.#o.config()
    let sender: PushSender | undefined
    let unavailable: Error | undefined
    try {
      sender = await selectSender({ config, dispatcher: this.#o.dispatcher, clock: this.#o.clock, logger: this.#o.logger, timeoutMs: this.#o.timeoutMs ?? DEFAULTS.timeoutMs })
    } catch (err) {
      if (next.fcm.enable) throw err
      unavailable = toError(err)
    }
    return () => {
      staged = undefined
      this.#sender = sender
      this.#unavailable = unavailable
      this.#unavailableLogged = false
      this.#transport = transport
    }
  }

  /** `proxy` or `direct`; undefined when the settings were refused while FCM was off. */
  get mode (): 'proxy' | 'direct' | undefined {
    return this.#sender?.mode
  }

  enabled (): boolean {
    if (!this.#o.config().fcm.enable) return false
    if (this.#sender !== undefined) return true
    if (!this.#unavailableLogged) {
      this.#unavailableLogged = true
      this.#o.logger.error({ err: this.#unavailable }, `fcm: [fcm] enable is on now, but its settings were refused at start; restart Herald after fixing them: ${this.#unavailable?.message ?? ''}`)
    }
    return false
  }

  /**
   * Whether alarms for `token` are this channel's: FCM is on and the app has not turned pushes
   * off. Such a token is zmES's FCM entry (spec §2, §10.1): it is told only when the decision
   * allows `fcm`, and its open socket hears of the alarm from here (the supplementary alarm), never
   * from the web channel. The web channel asks this for every socket that registered a token.
   */
  pushesTo (token: string): boolean {
    const t = this.#o.tokens.get(token)
    return t !== undefined && t.pushstate !== 'disabled' && this.enabled()
  }

  /**
   * The tokens that get a push for this alarm, in registration order; runs as the decision is
   * made, so no I/O. The decision has applied §10.1 routing and the es_rules; this applies the
   * per-token rules (token-filter.ts) and the monthly cap. A start marks every token it routes to
   * as sent (throttle), in memory now and in the store right after, with the alarm's decision time:
   * a decision made again (its store write failed) keeps that time, so its own mark does not hold
   * it back (decision-channel.ts).
   */
  routes (alarm: DecidedAlarm, now: number): readonly Route[] {
    if (alarm.phase === 'update' || !this.enabled()) return []
    const config = this.#o.config()
    const { tokens } = this.#o
    const state: MonitorNotifyState = config.general.use_escontrol_interface ? this.#o.control.monitorStates().get(alarm.monitorId) ?? 0 : 0
    if (state === -1) return []
    const forAlarm = { monitorId: alarm.monitorId, phase: alarm.phase, decidedAt: alarm.decidedAt, state }
    const lastSent = (token: string, monitorId: string): number | undefined => tokens.lastSent(token, monitorId)
    const month = monthIndex(now)
    const routes: Route[] = []
    for (const token of tokens.list()) {
      if (tokenVerdict(token, forAlarm, lastSent) !== 'send') continue
      if (overMonthlyCap(token, month)) {
        this.#logCap(token.token, month)
        continue
      }
      routes.push({ channel: FCM_CHANNEL, target: token.token, lane: laneOf(FCM_CHANNEL, token.token), group: FCM_GROUP })
    }
    if (alarm.phase === 'start') {
      for (const r of routes) {
        tokens.markSent(r.target, alarm.monitorId, alarm.decidedAt).catch((err: unknown) => {
          this.#o.logger.error({ err: toError(err), token: maskToken(r.target) }, 'fcm: cannot record throttle state')
        })
      }
    }
    return routes
  }

  /**
   * A token that was removed (unregistered, or FCM said it is invalid) or whose app turned pushes
   * off is gone: its queue is dropped, so a phone that turns pushes on again does not get a
   * backlog of old alarms. With `[fcm] enable` off the queues wait.
   */
  displayTarget (token: string): string {
    return maskToken(token)
  }

  target (target: string): TargetState {
    if (!this.enabled()) return { kind: 'paused' }
    const token = this.#o.tokens.get(target)
    if (token === undefined || token.pushstate === 'disabled') return { kind: 'gone' }
    return { kind: 'ready', batchSize: 1, maxAttempts: this.#maxAttempts }
  }

  describe (batch: ClaimedBatch): BatchDescription {
    return { worker: `FCM(token=${maskToken(batch.target)}) worker(type=${batch.group})`, noun: 'push notification' }
  }

  async deliver (batch: ClaimedBatch, signal: AbortSignal): Promise<Outcome> {
    const { tokens, logger, clock } = this.#o
    const sender = this.#sender
    if (sender === undefined) return permanent('FCM is not configured')
    const event = batch.items[0]?.event
    const alarm = event === undefined ? undefined : readDecidedAlarm(event)
    if (alarm === undefined || alarm.phase === 'update') return permanent('not a decided alarm start or end')
    const token = tokens.get(batch.target)
    if (token === undefined) return permanent('the token is no longer registered')
    if (token.pushstate === 'disabled') return permanent('the app turned pushes off for this token')
    const config = this.#o.config()
    const push = renderPush(alarm, alarm.phase, token, config, this.#zone(config))
    const verdict = await sender.send(push, pushStyle(config), signal)
    const masked = maskToken(token.token)
    // After the push, whatever FCM answered, as zmES does: the open app learns of the alarm even
    // while FCM is down. Once per alarm: a retry is the same push, and its alarm is listed already.
    if (batch.attempt === 1) this.#o.liveApps?.supplement(token.token, alarm)
    if (verdict.invalidToken !== undefined) {
      this.#capLogged.delete(token.token)
      try {
        await tokens.remove(token.token)
        logger.warn({ token: masked, reason: verdict.invalidToken }, `fcm: token ${masked} removed, FCM does not know it: ${verdict.invalidToken}`)
      } catch (err) {
        logger.error({ err: toError(err), token: masked }, `fcm: cannot remove invalid token ${masked}`)
      }
    } else if (verdict.outcome.kind === 'delivered') {
      // zmES counted in its parent process after the send; a failed write must not resend the push.
      const fail = (err: unknown): void => { logger.error({ err: toError(err), token: masked }, 'fcm: cannot record badge or monthly count') }
      tokens.setBadge(token.token, push.badge).catch(fail)
      tokens.countInvocation(token.token, new Date(clock.now())).catch(fail)
    }
    return verdict.outcome
  }

  #zone (config: ZmesConfig): ZonedStrftime {
    const wanted = config.customize.timezone ?? ''
    if (wanted === this.#timeSetting) return this.#time
    this.#timeSetting = wanted
    try {
      this.#time = new ZonedStrftime(wanted)
    } catch (err) {
      // Changed by escontrol to a zone this system does not know: the last good one stays.
      this.#o.logger.error({ err: toError(err) }, `fcm: ${toError(err).message}; push times stay in ${this.#time.timeZone}`)
    }
    return this.#time
  }

  #logCap (token: string, month: number): void {
    if (this.#capLogged.get(token) === month) return
    this.#capLogged.set(token, month)
    const masked = maskToken(token)
    this.#o.logger.error({ token: masked, limit: MAX_PUSHES_PER_MONTH }, `fcm: token ${masked} had more than ${MAX_PUSHES_PER_MONTH} pushes this month; no more pushes to it until next month`)
  }
}

function permanent (error: string): Outcome {
  return { kind: 'permanent', error, statusCode: null, latencyMs: null }
}

/** The `[fcm]` options selectSender picks the transport with, as one comparable value. */
function transportOf (config: ZmesConfig): string {
  const { use_fcmv1: v1, fcm_service_account_file: file, fcm_api_url: api } = config.fcm
  return JSON.stringify([v1, file ?? '', api])
}
