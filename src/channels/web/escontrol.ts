import type { Logger } from 'pino'
import type { FieldProblem } from '../../errors.js'
import { resolveOverrideName } from '../../config/zmes/overrides.js'
import type { ZmesConfig } from '../../config/zmes/zmes-schema.js'
import type { ControlState, MonitorNotifyState } from '../../registry/contract.js'
import type { Connection } from './connection.js'
import { isObject, type Message } from './protocol.js'
import { escontrolSuccess, fail } from './replies.js'

/** The zmES settings as read from the file with a given set of overrides. */
export interface ZmesReadout {
  readonly config: ZmesConfig
  /** `[ssl] enable` was written in the file or by an override, not just defaulted (see listener.ts). */
  readonly sslExplicit: boolean
  readonly problems: readonly FieldProblem[]
}

export interface EscontrolHost {
  config (): ZmesConfig
  readonly control: ControlState
  readonly logger: Logger
  /** Reads the settings with these overrides, without applying them. */
  readConfig (overrides: ReadonlyMap<string, string>): ZmesReadout
  /** Puts settings into effect at once, except the listener's (those wait for `restart`). */
  apply (readout: ZmesReadout): void
  /** escontrol `restart`: re-read everything and rebind if needed, without ending the process. */
  restart (): Promise<void>
}

/**
 * Options only read when the listener starts (or, for the token file, when Herald starts): an
 * `edit` of one of them is stored at once but takes effect at the next `restart`, and the reply's
 * `restart_required` says so. Every other option applies to the next message or alarm.
 */
export const RESTART_OPTIONS: ReadonlySet<string> = new Set([
  'network.port', 'network.address', 'ssl.enable', 'ssl.cert', 'ssl.key', 'fcm.token_file',
  // What the MQTT connection, the FCM transport, the hook pool and the rules source are built
  // from: at Herald's start, and again at escontrol `restart`.
  'fcm.use_fcmv1', 'fcm.fcm_service_account_file', 'fcm.fcm_api_url',
  'mqtt.enable', 'mqtt.server', 'mqtt.port', 'mqtt.username', 'mqtt.password', 'mqtt.tls_ca', 'mqtt.tls_cert',
  'mqtt.tls_key', 'mqtt.tls_insecure', 'mqtt.tick_interval', 'mqtt.qos', 'mqtt.herald_topic',
  'hook.max_parallel_hooks', 'hook.max_queued_hooks', 'hook.hook_timeout', 'customize.es_rules', 'customize.timezone'
])

/* Masked by name, like `herald check-config` (config/zmes/describe.ts) does. */
const SECRET_NAME = /(?:^|_)(?:password|key|token|secret)$/
const MASK = '********'

/**
 * The admin commands of spec §3.7, for a connection that logged in with category `escontrol`.
 * Overrides and per-monitor states live in the store (ControlState) and outrank the ini file.
 * Differences from zmES, on purpose: override names are namespaced (quirk 7, overrides.ts) and a
 * name or value that would apply nowhere is refused (BADKEY / BADVALUE) instead of stored; an
 * unknown command's NOTSUPPORTED has `event: "escontrol"` (quirk 6, as v7); `get` also carries
 * `effective`, the settings in force with secrets masked; `edit` says which options wait for a
 * restart.
 */
export async function handleEscontrol (host: EscontrolHost, conn: Connection, msg: Message): Promise<void> {
  if (!host.config().general.use_escontrol_interface) {
    conn.send(fail('escontrol', '', 'ESCONTROLDISABLED'))
    return
  }
  if (conn.category !== 'escontrol') {
    conn.send(fail('escontrol', 'command', 'NOTCONTROL'))
    return
  }
  const data = msg.data
  if (!isObject(data)) {
    conn.send(fail('escontrol', 'command', 'NODATA'))
    return
  }
  const { control } = host
  switch (data.command) {
    case 'get':
      conn.send(escontrolSuccess('', msg, { response: JSON.stringify(settingsMap(control)), effective: maskedConfig(host.config()) }))
      return
    case 'mute':
    case 'unmute': {
      const state: MonitorNotifyState = data.command === 'mute' ? -1 : 1
      const ids = Array.isArray(data.monitors)
        ? data.monitors.filter((m) => typeof m === 'string' || typeof m === 'number').map(String)
        : [...control.monitorStates().keys()]
      await control.setMonitorStates(ids, state)
      host.logger.info({ monitors: ids, state }, `escontrol: ${data.command} monitors ${ids.join(',')}`)
      conn.send(escontrolSuccess('', msg))
      return
    }
    case 'edit':
      await edit(host, conn, msg, data)
      return
    case 'reset':
      // zmES answers first, then resets.
      conn.send(escontrolSuccess('command', msg))
      await control.reset()
      host.apply(host.readConfig(control.overrides()))
      host.logger.info('escontrol: overrides and monitor states reset')
      return
    case 'restart':
      conn.send(escontrolSuccess('command', msg))
      host.logger.info('escontrol: restart requested')
      await host.restart()
      return
    default:
      conn.send(fail('escontrol', 'command', 'NOTSUPPORTED', { request: msg }))
  }
}

async function edit (host: EscontrolHost, conn: Connection, msg: Message, data: Record<string, unknown>): Promise<void> {
  const key = data.key
  const val = overrideText(data.val)
  if (typeof key !== 'string' || key === '' || val === undefined) {
    conn.send(fail('escontrol', 'command', 'NODATA', { request: msg }))
    return
  }
  const target = resolveOverrideName(key)
  if (!target.ok) {
    conn.send(fail('escontrol', '', 'BADKEY', { request: msg, message: target.reason }))
    return
  }
  const overrides = new Map(host.control.overrides())
  overrides.set(key, val)
  const readout = host.readConfig(overrides)
  const field = `[${target.section}] ${target.key}`
  const problem = readout.problems.find((p) => p.field === field || p.field.startsWith(`${field} `))
  if (problem !== undefined) {
    conn.send(fail('escontrol', '', 'BADVALUE', { request: msg, message: problem.message }))
    return
  }
  await host.control.setOverride(key, val)
  host.apply(readout)
  const id = `${target.section}.${target.key}`
  const restart = RESTART_OPTIONS.has(id) ? [id] : []
  host.logger.info({ key, option: id, value: SECRET_NAME.test(target.key) ? MASK : val, restartRequired: restart.length > 0 }, `escontrol: ${id} overridden`)
  conn.send(escontrolSuccess('', msg, { restart_required: restart }))
}

/** JSON values as zmES would store them: booleans as Perl's 1/0, numbers as written. */
function overrideText (value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  if (typeof value === 'boolean') return value ? '1' : '0'
  return undefined
}

/** zmES's settings map: `notifications` per monitor, then every override by the name it was given. */
function settingsMap (control: ControlState): Record<string, unknown> {
  const map: Record<string, unknown> = { notifications: Object.fromEntries(control.monitorStates()) }
  for (const [name, value] of control.overrides()) {
    const key = name.slice(name.indexOf('.') + 1)
    map[name] = SECRET_NAME.test(key) ? MASK : value
  }
  return map
}

function maskedConfig (config: ZmesConfig): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {}
  for (const [section, values] of Object.entries(config) as Array<[string, Record<string, unknown>]>) {
    const masked: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(values)) {
      masked[key] = value !== undefined && value !== '' && SECRET_NAME.test(key) ? MASK : value ?? null
    }
    out[section] = masked
  }
  return out
}
