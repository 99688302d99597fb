import { readFileSync } from 'node:fs'
import type { IClientOptions } from 'mqtt'
import { ConfigError, type FieldProblem } from '../../errors.js'
import type { ZmesMqtt } from '../../config/zmes/zmes-schema.js'
import type { QoS } from './mqtt-message.js'

/*
 * `[mqtt]` resolved once at start (spec §5.2): the broker address, TLS files read, login decided.
 * zmES reads the connection options only at startup too; what follows escontrol edits (topic,
 * retain, keep_frame_match_type) is read per message by the channel instead.
 */

export interface MqttTls {
  /** `tls_ca`; undefined = the system's CAs. */
  readonly ca: Buffer | undefined
  /** `tls_cert` + `tls_key` (mutual TLS); both or neither. */
  readonly cert: Buffer | undefined
  readonly key: Buffer | undefined
  /** `tls_insecure`: accept any broker certificate. */
  readonly insecure: boolean
}

export interface MqttSettings {
  readonly enable: boolean
  readonly host: string
  readonly port: number
  /** null = plain TCP. */
  readonly tls: MqttTls | null
  /** Set only when zmES would log in: username and password both given. */
  readonly login: { readonly username: string, readonly password: string } | null
  /** `tick_interval`, as the MQTT keep-alive. */
  readonly keepaliveSeconds: number
  readonly qos: QoS
  /** `herald_topic`; '' = Herald's own topics are off (no events, no availability). */
  readonly heraldTopic: string
}

export interface ResolvedMqtt {
  readonly settings: MqttSettings
  /** Accepted but probably not meant; the caller logs them. */
  readonly warnings: readonly string[]
}

export type ReadFile = (file: string) => Buffer

const PLAIN_PORT = 1883
const TLS_PORT = 8883

/**
 * Checks `[mqtt]` and reads its files. Nothing is checked while `enable` is off, as zmES does not
 * look at the section then.
 * @throws ConfigError naming every bad `[mqtt]` key: a server that is not `host` or `host:port`,
 *   an unreadable CA, certificate or key, a certificate without its key, a topic with a wildcard.
 */
export function resolveMqttSettings (mqtt: ZmesMqtt, readFile: ReadFile = readFileSync): ResolvedMqtt {
  const warnings: string[] = []
  const problems: FieldProblem[] = []
  const qos = mqtt.qos as QoS
  const off: MqttSettings = { enable: false, host: '', port: 0, tls: null, login: null, keepaliveSeconds: mqtt.tick_interval, qos, heraldTopic: '' }
  if (!mqtt.enable) return { settings: off, warnings }

  const address = parseServer(mqtt.server, problems)
  const tls = resolveTls(mqtt, readFile, problems, warnings)
  for (const [key, topic] of [['topic', mqtt.topic], ['herald_topic', mqtt.herald_topic]] as const) {
    const why = topicProblem(topic)
    if (why !== undefined) problems.push({ field: `[mqtt] ${key}`, message: why })
  }
  if (problems.length > 0) throw new ConfigError(problems)
  if (address?.port !== undefined && mqtt.port !== undefined && mqtt.port !== address.port) {
    warnings.push(`[mqtt] port ${mqtt.port} is ignored: [mqtt] server names port ${address.port}`)
  }

  return {
    settings: {
      enable: true,
      host: address?.host ?? '',
      port: address?.port ?? mqtt.port ?? (tls === null ? PLAIN_PORT : TLS_PORT),
      tls,
      login: resolveLogin(mqtt, warnings),
      keepaliveSeconds: mqtt.tick_interval,
      qos,
      heraldTopic: mqtt.herald_topic
    },
    warnings
  }
}

/** `host`, `host:port`, `[v6]`, `[v6]:port`; a bare IPv6 literal (`::1`) is a host without port. */
function parseServer (server: string, problems: FieldProblem[]): { host: string, port: number | undefined } | undefined {
  const field = '[mqtt] server'
  const s = server.trim()
  const fail = (message: string): undefined => {
    problems.push({ field, message })
    return undefined
  }
  if (s === '') return fail('is empty; write host or host:port (e.g. 127.0.0.1:1883)')
  if (s.includes('://')) return fail(`write host or host:port, not a URL (got ${JSON.stringify(server)}); TLS is switched on by tls_ca`)
  let host = s
  let port: string | undefined
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(s)
  if (bracketed !== null) {
    host = bracketed[1] ?? ''
    port = bracketed[2]
  } else if (s.indexOf(':') === s.lastIndexOf(':') && s.includes(':')) {
    host = s.slice(0, s.indexOf(':'))
    port = s.slice(s.indexOf(':') + 1)
  }
  if (host === '' || /[\s/@]/.test(host)) return fail(`${JSON.stringify(server)} is not host or host:port`)
  if (port === undefined) return { host, port: undefined }
  const n = /^\d{1,5}$/.test(port) ? Number(port) : Number.NaN
  if (!(n >= 1 && n <= 65535)) return fail(`port must be 1 to 65535, got ${JSON.stringify(port)} in ${JSON.stringify(server)}`)
  return { host, port: n }
}

/**
 * TLS is on with a CA file (as in zmES) or with a client certificate (mutual TLS implies TLS; the
 * broker is then checked against the system's CAs). zmES switched TLS on only when a username and
 * password were also set (quirk 13); Herald does not ask for them.
 */
function resolveTls (mqtt: ZmesMqtt, readFile: ReadFile, problems: FieldProblem[], warnings: string[]): MqttTls | null {
  const set = (v: string | undefined): v is string => v !== undefined && v !== ''
  const { tls_ca: caFile, tls_cert: certFile, tls_key: keyFile } = mqtt
  if (set(certFile) !== set(keyFile)) {
    const [has, lacks] = set(certFile) ? ['tls_cert', 'tls_key'] : ['tls_key', 'tls_cert']
    problems.push({ field: `[mqtt] ${has}`, message: `is set but ${lacks} is not; a client certificate needs both` })
  }
  if (!set(caFile) && !set(certFile) && !set(keyFile)) {
    if (mqtt.tls_insecure) warnings.push('[mqtt] tls_insecure has no effect: TLS is off without tls_ca (or tls_cert and tls_key)')
    return null
  }
  const read = (key: string, file: string | undefined): Buffer | undefined => {
    if (!set(file)) return undefined
    try {
      return readFile(file)
    } catch (error) {
      problems.push({ field: `[mqtt] ${key}`, message: `cannot read ${file}: ${describeFsError(error)}` })
      return undefined
    }
  }
  return { ca: read('tls_ca', caFile), cert: read('tls_cert', certFile), key: read('tls_key', keyFile), insecure: mqtt.tls_insecure }
}

/** zmES logs in only when both are defined; one without the other connects anonymously. */
function resolveLogin (mqtt: ZmesMqtt, warnings: string[]): MqttSettings['login'] {
  const { username, password } = mqtt
  if (username !== undefined && username !== '' && password !== undefined) return { username, password }
  if (username !== undefined && username !== '') warnings.push('[mqtt] username is set but password is not: connecting without a login, as zmES does')
  else if (password !== undefined && password !== '') warnings.push('[mqtt] password is set but username is not: connecting without a login, as zmES does')
  return null
}

/** Publishing to a topic with a wildcard is a protocol error: the broker would drop the connection. */
export function topicProblem (topic: string): string | undefined {
  if (/[+#\u0000]/.test(topic)) return `${JSON.stringify(topic)} must not contain + or # (MQTT wildcards)`
  return undefined
}

function describeFsError (error: unknown): string {
  const e = error as NodeJS.ErrnoException
  if (e.code === 'ENOENT') return 'file does not exist'
  if (e.code === 'EACCES') return 'permission denied'
  if (e.code === 'EISDIR') return 'is a directory'
  return e.message
}

export interface ClientTuning {
  readonly clientId: string
  readonly reconnectPeriodMs: number
  readonly connectTimeoutMs: number
}

/** Where the availability topic lives; undefined when Herald's own topics are off. */
export function availabilityTopic (settings: MqttSettings): string | undefined {
  return settings.heraldTopic === '' ? undefined : `${settings.heraldTopic}/available`
}

/**
 * The mqtt.js options for these settings. QoS 0 publishes are never queued while offline
 * (`queueQoSZero: false`): the delivery engine keeps what waits, durably and in order.
 */
export function clientOptions (settings: MqttSettings, tuning: ClientTuning): IClientOptions {
  const options: IClientOptions = {
    protocol: settings.tls === null ? 'mqtt' : 'mqtts',
    host: settings.host,
    port: settings.port,
    clientId: tuning.clientId,
    clean: true,
    keepalive: settings.keepaliveSeconds,
    reconnectPeriod: tuning.reconnectPeriodMs,
    connectTimeout: tuning.connectTimeoutMs,
    // A refused login (or a broker that says "unavailable") is retried too: the broker's ACLs may be
    // fixed without restarting Herald.
    reconnectOnConnackError: true,
    queueQoSZero: false,
    resubscribe: false
  }
  if (settings.login !== null) {
    options.username = settings.login.username
    options.password = settings.login.password
  }
  const available = availabilityTopic(settings)
  if (available !== undefined) options.will = { topic: available, payload: Buffer.from('offline'), qos: 1, retain: true }
  if (settings.tls !== null) {
    const { ca, cert, key, insecure } = settings.tls
    if (ca !== undefined) options.ca = ca
    if (cert !== undefined) options.cert = cert
    if (key !== undefined) options.key = key
    options.rejectUnauthorized = !insecure
  }
  return options
}

/** `mqtt://host:port` or `mqtts://…`, for log lines (never with the login). */
export function brokerUrl (settings: MqttSettings): string {
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host
  return `${settings.tls === null ? 'mqtt' : 'mqtts'}://${host}:${settings.port}`
}
