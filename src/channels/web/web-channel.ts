import type { Logger } from 'pino'
import type { Clock } from '../../clock.js'
import type { HeraldEvent } from '../../events/event.js'
import type { AlarmRecipients, DecidedAlarm } from '../../decision/decided-alarm.js'
import type { LiveApps } from '../fcm/fcm-channel.js'
import { toError } from '../../errors.js'
import { laneOf, type BatchDescription, type Channel, type Outcome, type TargetState } from '../../delivery/contract.js'
import type { ClaimedBatch, Route } from '../../store/store.js'
import { renderAlarm, viewAlarm, viewDecided, type AlarmView } from './alarm-payload.js'
import { pictureSettings } from '../picture/picture-url.js'
import { textFrame } from './text-frame.js'
import type { EventServer } from './event-server.js'
import { throttled } from '../../registry/monitor-filter.js'

export const WEB_CHANNEL = 'web'
/** The one lane of the channel: alarms go out to the connected clients in the order they came in. */
export const WEB_TARGET = 'clients'
export const WEB_GROUP = 'alarms'
const WEB_LANE = laneOf(WEB_CHANNEL, WEB_TARGET)
const ROUTE: Route = Object.freeze({ channel: WEB_CHANNEL, target: WEB_TARGET, lane: WEB_LANE, group: WEB_GROUP })

export interface WebChannelOptions {
  readonly server: EventServer
  readonly clock: Clock
  readonly logger: Logger
}

/**
 * The push channel as the fan-out sees it. A socket whose token it pushes to is zmES's FCM entry
 * (spec §2, §10.1): checked against `fcm` only, and told by the push channel (the supplementary
 * alarm), so the web channel must not tell it too.
 */
export interface PushedTokens {
  pushesTo (token: string): boolean
}

/**
 * zmNinja's live alarms (spec §4, §9.4, §10.1) as a delivery-engine channel. The engine stores
 * each alarm and hands it over in order; deliver() sends it to every authenticated connection
 * that is open at that moment. A client that is not connected gets nothing, as in zmES: push
 * notifications (FCM) are what reach phones that are away.
 *
 * Per connection, differences from zmES on purpose:
 *  - intervals work (positional intlist, quirk 1) and are kept per push token, persisted, when the
 *    connection registered one (quirks 12, §16), else per connection in memory;
 *  - a token registered on several connections gets one alarm per event (the newest connection's);
 *  - escontrol mute (-1) silences end notifications too, and force-notify (1) lets them through;
 *    zmES consults escontrol only for starts (§3.7). A monitor with no escontrol state follows the
 *    normal rules (zmES force-notifies it and logs an error);
 *  - escontrol admin logins get no alarms (zmES broadcasts to them like to any client, §3.2);
 *  - quirk 11: a connection whose token has `pushstate: disabled` still gets websocket alarms.
 *    The app is open and listening; "disabled" is about pushes to the phone when it is not.
 *
 * As in zmES, a connection whose token the push channel serves (leavePushedTokensTo) gets no
 * plain alarm: when the decision leaves out `fcm` the phone is not told at all (seed §3.2.1), and
 * when it allows `fcm` the push channel sends it the alarm marked supplementary (supplement()),
 * whether or not `web` is allowed.
 */
export class WebChannel implements Channel, AlarmRecipients, LiveApps {
  readonly name = WEB_CHANNEL
  readonly channel = 'web'
  readonly #o: WebChannelOptions
  #pushes: PushedTokens | undefined

  constructor (options: WebChannelOptions) {
    this.#o = options
  }

  /**
   * Hands the sockets of pushed tokens over to the push channel. A setter rather than an option
   * because the two channels need each other and the push channel is made after this one; wired
   * once, before the engine starts. Without it every socket is a plain websocket client.
   */
  leavePushedTokensTo (pushes: PushedTokens): void {
    this.#pushes = pushes
  }

  enabled (): boolean {
    return true
  }

  /**
   * The decision has applied send_event_*_notification, skip_monitors, the hook lists and the
   * rules; which connections get the alarm is decided when it is sent, against the connections
   * open then.
   */
  routes (alarm: DecidedAlarm): readonly Route[] {
    return alarm.phase === 'update' ? [] : [ROUTE]
  }

  target (_target: string): TargetState {
    return { kind: 'ready', batchSize: 1, maxAttempts: 0 }
  }

  describe (batch: ClaimedBatch): BatchDescription {
    return { worker: `Web(clients) worker(type=${batch.group})`, noun: 'alarm' }
  }

  async deliver (batch: ClaimedBatch): Promise<Outcome> {
    const started = this.#o.clock.now()
    try {
      for (const item of batch.items) await this.broadcast(item.event)
    } catch (err) {
      // A retry would resend to the clients that already have it, and the lane has no attempt
      // limit: an alarm that cannot be broadcast is given up, not retried.
      return { kind: 'permanent', error: toError(err).message, statusCode: null, latencyMs: this.#o.clock.now() - started }
    }
    return { kind: 'delivered', statusCode: null, latencyMs: this.#o.clock.now() - started }
  }

  /**
   * Sends one alarm to every connection that should have it. The frame is built once per alarm
   * (every connection gets the same bytes), so the cost per connection is a filter check and a
   * socket write. Returns how many connections it went to.
   */
  async broadcast (event: HeraldEvent): Promise<number> {
    const alarm = viewAlarm(event)
    // A decided alarm passed the switches when it was decided; one queued undecided (by an older
    // Herald) is checked against them now.
    if (alarm === undefined || (alarm.decidedAt === undefined && !this.#wanted(alarm.phase, alarm.monitorId))) return 0
    const { server, clock, logger } = this.#o
    const config = server.config()
    // A monitor is listed (state 0) when its first alarm is decided: see herald.ts.
    const state = config.general.use_escontrol_interface ? server.control.monitorStates().get(alarm.monitorId) ?? 0 : 0
    if (state === -1) return 0
    const frame = textFrame(Buffer.from(renderAlarm(alarm, pictureSettings(config), config.hook.keep_frame_match_type)))
    const start = alarm.phase === 'start'
    // The throttle clock is the decision time, shared with the FCM channel: the push and the
    // websocket alarm of one alarm count as one notification of the token.
    const now = alarm.decidedAt ?? clock.now()
    const tokensSent = new Set<string>()
    const marks: Array<Promise<void>> = []
    const { tokens } = server
    const conns = [...server.connections()]
    let sent = 0
    // Newest first: when a token sits on two sockets, the older one is the likelier to be dead.
    for (let i = conns.length - 1; i >= 0; i--) {
      const conn = conns[i]
      if (conn === undefined || conn.state !== 'valid' || conn.category !== 'normal') continue
      if (state !== 1 && !conn.watches(alarm.monitorId)) continue
      const token = conn.token
      if (token !== '' && (tokensSent.has(token) || this.#pushes?.pushesTo(token) === true)) continue
      if (start && state !== 1 && throttled(conn.intervalFor(alarm.monitorId), token !== '' ? tokens.lastSent(token, alarm.monitorId) : conn.lastSent.get(alarm.monitorId), now)) continue
      server.deliver(conn, frame)
      sent++
      if (token !== '') tokensSent.add(token)
      if (start) {
        if (token !== '') marks.push(tokens.markSent(token, alarm.monitorId, now))
        else conn.lastSent.set(alarm.monitorId, now)
      }
    }
    // Sending never waits for the throttle bookkeeping, and a failed write must not resend the alarm.
    for (const r of await Promise.allSettled(marks)) {
      if (r.status === 'rejected') logger.error({ err: toError(r.reason) }, 'web channel: cannot record throttle state')
    }
    logAlarm(logger, alarm, sent)
    return sent
  }

  /**
   * Sends the supplementary alarm (spec §4) to the newest open socket of `token`, as the push
   * channel asks after it pushed the alarm. Which tokens are told (the decision's `fcm` verdict,
   * their monlist, interval and escontrol state) was settled when the push was routed.
   */
  supplement (token: string, alarm: DecidedAlarm): void {
    const { server, logger } = this.#o
    const conn = server.newestHolder(token)
    if (conn === undefined) return
    const config = server.config()
    const view = viewDecided(alarm)
    server.deliver(conn, textFrame(Buffer.from(renderAlarm(view, pictureSettings(config), config.hook.keep_frame_match_type, true))))
    logger.debug({ monitorId: view.monitorId, eventId: view.eventId, phase: view.phase, remote: conn.remote }, `web: supplementary alarm ${view.phase} of monitor ${view.monitorId} event ${view.eventId} sent to ${conn.remote}`)
  }

  #wanted (phase: unknown, monitorId: unknown): boolean {
    const config = this.#o.server.config()
    if (phase === 'start') {
      if (!config.customize.send_event_start_notification) return false
    } else if (phase === 'end') {
      if (!config.customize.send_event_end_notification) return false
    } else {
      return false
    }
    return !config.general.skip_monitors.includes(Number(monitorId))
  }
}

function logAlarm (logger: Logger, alarm: AlarmView, sent: number): void {
  logger.debug({ monitorId: alarm.monitorId, eventId: alarm.eventId, phase: alarm.phase, clients: sent }, `web: alarm ${alarm.phase} of monitor ${alarm.monitorId} event ${alarm.eventId} sent to ${sent} clients`)
}
