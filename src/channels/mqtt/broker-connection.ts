import type { Logger } from 'pino'
import type { MqttClient } from 'mqtt'
import { toError } from '../../errors.js'
import type { MqttMessage } from './mqtt-message.js'
import { availabilityTopic, brokerUrl, clientOptions, type ClientTuning, type MqttSettings } from './mqtt-settings.js'

export interface BrokerConnectionOptions extends ClientTuning {
  readonly settings: MqttSettings
  readonly logger: Logger
  /** How long publish() waits for every PUBACK before it gives the batch back for a retry. */
  readonly ackTimeoutMs: number
  /** Called on every successful connect, the first one included. */
  readonly onConnect: () => void
}

/** The broker is not there; the batch waits in the store and is retried. */
export class BrokerUnavailableError extends Error {
  override readonly name = 'BrokerUnavailableError'
}

const CLOSE_TIMEOUT_MS = 2000

/**
 * One mqtt.js client that reconnects by itself. Retrying is the delivery engine's job, not
 * mqtt.js's: publish() fails at once while the client is offline (nothing is queued inside
 * mqtt.js), and when a connection drops, the QoS 1/2 messages mqtt.js still holds are removed
 * instead of being re-sent on reconnect. The engine then re-sends the whole batch in order; a
 * second copy of a message whose PUBACK was lost is the at-least-once price.
 */
export class BrokerConnection {
  readonly #o: BrokerConnectionOptions
  readonly #url: string
  #client: MqttClient | undefined
  /** Set by start(): mqtt.js is loaded then, so Herald without MQTT never loads it. */
  #starting: Promise<void> | undefined
  #closed = false
  /** The last connection error, logged once (a dead broker would otherwise log every reconnect). */
  #lastError: string | undefined
  #wasConnected = false
  /** The publish() calls waiting for acknowledgements, failed at once when the connection drops. */
  readonly #waiting = new Set<(err: Error) => void>()

  constructor (options: BrokerConnectionOptions) {
    this.#o = options
    this.#url = brokerUrl(options.settings)
  }

  get url (): string {
    return this.#url
  }

  get connected (): boolean {
    return this.#client?.connected === true
  }

  /** Starts connecting and returns at once: a broker that is down must not hold up Herald's start. */
  start (): void {
    this.#starting ??= import('mqtt').then(({ connect }) => {
      if (!this.#closed) this.#connect(connect(clientOptions(this.#o.settings, this.#o)))
    }, (err: unknown) => { this.#o.logger.error({ err: toError(err) }, 'mqtt: cannot load the MQTT client') })
  }

  #connect (client: MqttClient): void {
    const { settings, logger } = this.#o
    this.#client = client
    const login = settings.login === null ? '' : ` as ${settings.login.username}`
    client.on('connect', () => {
      this.#lastError = undefined
      this.#wasConnected = true
      logger.info(`mqtt: connected to ${this.#url}${login}`)
      const available = availabilityTopic(settings)
      if (available !== undefined) {
        client.publish(available, 'online', { qos: 1, retain: true }, (err) => {
          // mqtt.js calls back with null, not undefined, on success.
          if (err !== undefined && err !== null) logger.warn({ err }, `mqtt: cannot publish ${available} = online`)
        })
      }
      this.#o.onConnect()
    })
    client.on('close', () => {
      const lost = new BrokerUnavailableError(`connection to ${this.#url} closed before the broker acknowledged the batch`)
      for (const fail of this.#waiting) fail(lost)
      // Whatever mqtt.js still holds would be re-sent on reconnect, ahead of and beside the
      // engine's retry of the same batch.
      dropOutgoing(client)
      if (this.#wasConnected && !client.disconnecting) {
        this.#wasConnected = false
        logger.warn(`mqtt: connection to ${this.#url} lost; reconnecting every ${this.#o.reconnectPeriodMs} ms`)
      }
    })
    client.on('error', (err) => {
      const message = toError(err).message
      if (message === this.#lastError) {
        logger.debug(`mqtt: ${this.#url}: ${message}`)
        return
      }
      this.#lastError = message
      logger.error(`mqtt: ${this.#url}: ${message}; retrying every ${this.#o.reconnectPeriodMs} ms, messages wait in the delivery queue`)
    })
  }

  /**
   * Publishes the messages in order and resolves when the broker has acknowledged every one (QoS
   * 1 and 2) or, for QoS 0, when they were written to the socket: QoS 0 has no acknowledgement,
   * so a message on a connection that dies right after is lost.
   * @throws BrokerUnavailableError when not connected, when the connection closes first, or
   *   after ackTimeoutMs; any other Error from mqtt.js as it is.
   */
  async publish (messages: readonly MqttMessage[], signal: AbortSignal): Promise<void> {
    const client = this.#client
    if (client === undefined || !client.connected) {
      throw new BrokerUnavailableError(`not connected to ${this.#url}${this.#lastError === undefined ? '' : ` (${this.#lastError})`}`)
    }
    if (messages.length === 0) return
    await new Promise<void>((resolve, reject) => {
      let left = messages.length
      let settled = false
      const finish = (err?: Error): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        this.#waiting.delete(finish)
        signal.removeEventListener('abort', onAbort)
        if (err === undefined) resolve()
        else reject(err)
      }
      const onAbort = (): void => { finish(new BrokerUnavailableError('shutting down')) }
      const timer = setTimeout(() => {
        finish(new BrokerUnavailableError(`no acknowledgement from ${this.#url} within ${this.#o.ackTimeoutMs} ms`))
      }, this.#o.ackTimeoutMs)
      this.#waiting.add(finish)
      if (signal.aborted) onAbort()
      else signal.addEventListener('abort', onAbort, { once: true })
      for (const m of messages) {
        if (settled) break
        client.publish(m.topic, m.payload, { qos: m.qos, retain: m.retain }, (err) => {
          if (err !== undefined && err !== null) finish(toError(err))
          else if (--left === 0) finish()
        })
      }
    })
  }

  /** Publishes `offline` (retained) when connected, then disconnects cleanly; bounded in time. */
  async close (): Promise<void> {
    this.#closed = true
    await this.#starting
    const client = this.#client
    if (client === undefined) return
    this.#client = undefined
    const available = availabilityTopic(this.#o.settings)
    if (client.connected && available !== undefined) {
      await withTimeout(client.publishAsync(available, 'offline', { qos: 1, retain: true }), CLOSE_TIMEOUT_MS).catch((err: unknown) => {
        this.#o.logger.warn({ err: toError(err) }, `mqtt: cannot publish ${available} = offline`)
      })
    }
    // end(false) would wait for every unacknowledged message; the engine has stopped, so none matters.
    dropOutgoing(client)
    const ended = await withTimeout(client.endAsync(!client.connected), CLOSE_TIMEOUT_MS).then(() => true, () => false)
    if (!ended) client.stream.destroy()
  }
}

function dropOutgoing (client: MqttClient): void {
  for (const id of Object.keys(client.outgoing)) client.removeOutgoingMessage(Number(id))
}

async function withTimeout<T> (promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(new Error(`timed out after ${ms} ms`)) }, ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}
