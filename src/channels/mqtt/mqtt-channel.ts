import { randomBytes } from 'node:crypto'
import { isDeepStrictEqual } from 'node:util'
import type { Logger } from 'pino'
import type { Clock } from '../../clock.js'
import type { ZmesConfig } from '../../config/zmes/zmes-schema.js'
import { readDecidedAlarm, type AlarmRecipients, type DecidedAlarm } from '../../decision/decided-alarm.js'
import { laneOf, type BatchDescription, type Channel, type Outcome, type TargetState } from '../../delivery/contract.js'
import { toError } from '../../errors.js'
import type { HeraldEvent, IncomingEvent } from '../../events/event.js'
import type { ControlState } from '../../registry/contract.js'
import type { ClaimedBatch, Route } from '../../store/store.js'
import { BrokerConnection } from './broker-connection.js'
import { renderEventMessage } from './event-message.js'
import type { MqttMessage } from './mqtt-message.js'
import { resolveMqttSettings, topicProblem, type MqttSettings } from './mqtt-settings.js'
import { renderZmesMessage } from './zmes-message.js'

export const MQTT_CHANNEL = 'mqtt'
/** The one lane: every message goes to the one broker, in the order Herald stored the events. */
export const MQTT_TARGET = 'broker'
export const MQTT_GROUP = 'messages'
export const MQTT_LANE = laneOf(MQTT_CHANNEL, MQTT_TARGET)
const ROUTE: Route = Object.freeze({ channel: MQTT_CHANNEL, target: MQTT_TARGET, lane: MQTT_LANE, group: MQTT_GROUP })

/** Messages per batch: published back to back, then every PUBACK awaited. */
const BATCH_SIZE = 50

export interface MqttChannelOptions {
  /**
   * The zmES settings as they are now (escontrol overrides applied). `[mqtt]`'s connection
   * options, `enable`, `qos` and `herald_topic` are read when the channel is built and at escontrol
   * `restart` (prepareRestart); `topic`, `retain`, `[hook] keep_frame_match_type` and `[general]
   * use_escontrol_interface` per message.
   */
  readonly config: () => ZmesConfig
  /** escontrol per-monitor states; without it no monitor is muted. */
  readonly control?: Pick<ControlState, 'monitorStates'>
  readonly clock: Clock
  readonly logger: Logger
  /**
   * Called whenever the client (re)connects, the first connect included. Wire it to
   * `engine.retryNow(MQTT_LANE)` so that what waited during an outage goes out at once instead
   * of at its backoff time.
   */
  readonly onReconnect?: () => void
  /** @defaultValue `herald-<8 random hex digits>` */
  readonly clientId?: string
  /** @defaultValue 2000 */
  readonly reconnectPeriodMs?: number
  /** @defaultValue 10000 */
  readonly connectTimeoutMs?: number
  /** How long a batch waits for its PUBACKs before it is retried. @defaultValue 20000 */
  readonly ackTimeoutMs?: number
}

/**
 * MQTT (spec §10.4, sources-and-channels §3.9) as a delivery-engine channel with one lane,
 * `mqtt:broker`. Each queued event becomes up to two PUBLISHes, in this order:
 *  - for a decided alarm start or end: zmES's `<topic>/<MonitorId>` message, QoS `[mqtt] qos`
 *    (zmES used 0), retained per `[mqtt] retain`;
 *  - when `herald_topic` is set: `<herald_topic>/events/<type>/<camera>` (event-message.ts), QoS 1.
 * A batch is delivered when the broker acknowledged all of its messages; anything else retries
 * the whole batch, so delivery is at-least-once and in order. While the broker is down deliver()
 * fails at once and the messages wait in the store, not in mqtt.js.
 *
 * Per recipient, MQTT is zmES's pseudo-connection with an empty monlist and intlist: every
 * monitor, no interval throttle. escontrol mute (-1) still silences a monitor, as zmES's
 * per-connection check does for starts; here it silences ends too (like the web channel), and it
 * is read when the alarm is decided.
 */
export class MqttChannel implements Channel, AlarmRecipients {
  readonly name = MQTT_CHANNEL
  readonly channel = MQTT_CHANNEL
  readonly #o: MqttChannelOptions
  readonly #clientId: string
  #settings: MqttSettings
  #connection: BrokerConnection | undefined
  #started = false

  /** @throws ConfigError when `[mqtt]` is enabled and wrong (see resolveMqttSettings). */
  constructor (options: MqttChannelOptions) {
    this.#o = options
    this.#clientId = options.clientId ?? `herald-${randomBytes(4).toString('hex')}`
    const { settings, warnings } = resolveMqttSettings(options.config().mqtt)
    this.#settings = settings
    for (const w of warnings) options.logger.warn(w)
    this.#connection = this.#connectionFor(settings)
  }

  /**
   * escontrol `restart` (zmES re-executes itself, so every `[mqtt]` option applies): checks the
   * new settings now and returns what switches to them, or undefined when nothing the connection
   * is built from changed. The switch disconnects (`available` = `offline`) and connects anew; a
   * batch being published on the old connection fails and is sent again on the new one.
   * @throws ConfigError when the new `[mqtt]` is enabled and wrong: nothing changes then.
   */
  prepareRestart (next: ZmesConfig): (() => Promise<void>) | undefined {
    const { settings, warnings } = resolveMqttSettings(next.mqtt)
    if (isDeepStrictEqual(settings, this.#settings)) return undefined
    return async () => {
      for (const w of warnings) this.#o.logger.warn(w)
      const old = this.#connection
      this.#settings = settings
      this.#connection = this.#connectionFor(settings)
      await old?.close()
      if (this.#started) this.#connection?.start()
      this.#o.logger.info(settings.enable ? `mqtt: settings changed by escontrol restart; connecting to ${this.#connection?.url ?? ''}` : 'mqtt: switched off by escontrol restart')
    }
  }

  #connectionFor (settings: MqttSettings): BrokerConnection | undefined {
    if (!settings.enable) return undefined
    const o = this.#o
    return new BrokerConnection({
      settings,
      logger: o.logger,
      clientId: this.#clientId,
      reconnectPeriodMs: o.reconnectPeriodMs ?? 2000,
      connectTimeoutMs: o.connectTimeoutMs ?? 10_000,
      ackTimeoutMs: o.ackTimeoutMs ?? 20_000,
      onConnect: () => { o.onReconnect?.() }
    })
  }

  /** `[mqtt] enable`, as it was at start or at the last escontrol restart. */
  enabled (): boolean {
    return this.#settings.enable
  }

  /** True while connected to the broker (for health checks). */
  connected (): boolean {
    return this.#connection?.connected === true
  }

  /** Connects in the background; returns at once. */
  start (): void {
    this.#started = true
    this.#connection?.start()
  }

  /** Publishes `<herald_topic>/available` = `offline` and disconnects. Call after engine.close(). */
  async close (): Promise<void> {
    this.#started = false
    await this.#connection?.close()
  }

  /**
   * The decision's part, inside its store transaction: the §10.1 routing and es_rules have allowed
   * MQTT; what is left is escontrol mute. An update has no zmES message and is queued only for
   * Herald's own topic.
   */
  routes (alarm: DecidedAlarm, _now: number): readonly Route[] {
    if (!this.#settings.enable || this.#muted(alarm.monitorId)) return []
    if (alarm.phase === 'update' && this.#settings.heraldTopic === '') return []
    return [ROUTE]
  }

  /**
   * The ingest router's part: every event that is not an alarm goes to Herald's own topic when
   * `herald_topic` is set. Alarms arrive decided, through routes().
   */
  routeEvent (event: IncomingEvent): Route | undefined {
    if (!this.#settings.enable || this.#settings.heraldTopic === '' || event.type === 'alarm') return undefined
    return ROUTE
  }

  /**
   * Disabled means gone: what was queued for MQTT before a restart with `enable = no` is dropped,
   * so that it neither pins its events in the store nor replays stale alarms (and retained
   * states) months later when MQTT is switched on again. A broker outage is not this: the lane
   * keeps everything and retries.
   */
  target (target: string): TargetState {
    if (!this.#settings.enable || target !== MQTT_TARGET) return { kind: 'gone' }
    return { kind: 'ready', batchSize: BATCH_SIZE, maxAttempts: 0 }
  }

  describe (batch: ClaimedBatch): BatchDescription {
    return { worker: `MQTT(${this.#connection?.url ?? 'disabled'}) worker(type=${batch.group})`, noun: 'MQTT message' }
  }

  async deliver (batch: ClaimedBatch, signal: AbortSignal): Promise<Outcome> {
    const { clock } = this.#o
    const started = clock.now()
    const connection = this.#connection
    if (connection === undefined) return { kind: 'permanent', error: 'MQTT is disabled', statusCode: null, latencyMs: null }
    let messages: MqttMessage[]
    try {
      messages = batch.items.flatMap((item) => this.render(item.event))
    } catch (err) {
      return { kind: 'permanent', error: toError(err).message, statusCode: null, latencyMs: null }
    }
    try {
      await connection.publish(messages, signal)
    } catch (err) {
      // An outage, a lost connection, a broker that did not acknowledge: all worth waiting for.
      // What no retry could fix (a wildcard in a topic) is refused before the PUBLISH, above.
      return { kind: 'retry', error: toError(err).message, statusCode: null, latencyMs: clock.now() - started }
    }
    return { kind: 'delivered', statusCode: null, latencyMs: clock.now() - started }
  }

  /**
   * The PUBLISHes for one stored event, in order: zmES's (decided start or end), then Herald's.
   * @throws Error when an escontrol edit set `[mqtt] topic` to something that cannot be published.
   */
  render (event: HeraldEvent): MqttMessage[] {
    const config = this.#o.config()
    const out: MqttMessage[] = []
    const alarm = readDecidedAlarm(event)
    if (alarm !== undefined) {
      const why = topicProblem(config.mqtt.topic)
      if (why !== undefined) throw new Error(`[mqtt] topic ${why}`)
      const zmes = renderZmesMessage(alarm, {
        topic: config.mqtt.topic,
        retain: config.mqtt.retain,
        qos: this.#settings.qos,
        keepFrameMatchType: config.hook.keep_frame_match_type
      })
      if (zmes !== undefined) out.push(zmes)
    }
    if (this.#settings.heraldTopic !== '') out.push(renderEventMessage(event, this.#settings.heraldTopic))
    return out
  }

  #muted (monitorId: string): boolean {
    const control = this.#o.control
    if (control === undefined || !this.#o.config().general.use_escontrol_interface) return false
    return control.monitorStates().get(monitorId) === -1
  }
}
