import type { LoadedSettings } from '../load.js'
import { ZMES_ALIASES, isZmesOption, isZmesSection, type ZmesConfig, type ZmesSection } from './zmes-schema.js'

/*
 * What Herald does with each option of zmeventnotification.ini (spec §5.2). Every option is
 * either implemented or reported once at start as `ignored option [section] key: <why>`, so a zmES
 * user learns which of their settings have no effect instead of discovering it in production.
 * Herald grows release by release: to switch an option on, replace its `later(…)` by `done(…)`.
 * The mapped type makes the table complete: an option missing here does not compile.
 */

export type OptionStatus =
  | { readonly status: 'implemented', readonly note: string }
  | { readonly status: 'ignored', readonly reason: string }

/** The Herald releases that will bring the options that are still ignored. */
type Release = 'decision' | 'channels' | 'ZoneMinder source'

const done = (note: string): OptionStatus => ({ status: 'implemented', note })
const ignored = (reason: string): OptionStatus => ({ status: 'ignored', reason })
const later = (release: Release): OptionStatus => ignored(`not implemented yet: arrives with the ${release} release`)

const LOGGING = 'logging is pino: use [log] level'

export const OPTION_STATUS: { readonly [S in ZmesSection]: { readonly [K in keyof ZmesConfig[S]]-?: OptionStatus } } = {
  general: {
    secrets: done('read at start; a relative path is taken from the config file\'s folder'),
    base_data_path: done('expands {{base_data_path}} in every value'),
    use_escontrol_interface: done('enables the escontrol admin category on the WebSocket server'),
    escontrol_interface_file: ignored('escontrol state is kept in Herald\'s store, not in a file'),
    escontrol_interface_password: done('password of the escontrol category; read only when use_escontrol_interface is on'),
    restart_interval: ignored('Herald does not need periodic restarts'),
    skip_monitors: done('alarms of these monitors are dropped at ingest')
  },
  network: {
    port: done('WebSocket server port'),
    address: done('WebSocket listen address, honoured with and without TLS (spec §15 quirk 5 fixed)')
  },
  auth: {
    enable: done('WebSocket login against Herald\'s user provider'),
    timeout: done('seconds before an unauthenticated connection gets NOAUTH and is closed')
  },
  push: {
    use_api_push: later('channels'),
    api_push_script: later('channels')
  },
  fcm: {
    enable: done('accepts push token registration; sending arrives with the channels release'),
    use_fcmv1: later('channels'),
    replace_push_messages: later('channels'),
    token_file: done('an existing tokens.txt is imported into Herald\'s store at start'),
    date_format: later('channels'),
    fcm_android_priority: later('channels'),
    fcm_android_ttl: later('channels'),
    fcm_log_raw_message: later('channels'),
    fcm_log_message_id: later('channels'),
    fcm_v1_key: later('channels'),
    fcm_v1_url: later('channels'),
    api_key: ignored('legacy FCM API is shut down')
  },
  mqtt: {
    enable: later('channels'),
    server: later('channels'),
    topic: later('channels'),
    username: later('channels'),
    password: later('channels'),
    tls_ca: later('channels'),
    tls_cert: later('channels'),
    tls_key: later('channels'),
    tls_insecure: later('channels'),
    tick_interval: later('channels'),
    retain: later('channels')
  },
  ssl: {
    enable: done('TLS on the WebSocket server'),
    cert: done('TLS certificate file'),
    key: done('TLS private key file')
  },
  customize: {
    es_rules: later('decision'),
    console_logs: ignored(LOGGING),
    es_debug_level: ignored(LOGGING),
    event_check_interval: later('ZoneMinder source'),
    monitor_reload_interval: later('ZoneMinder source'),
    read_alarm_cause: later('ZoneMinder source'),
    tag_alarm_event_id: later('channels'),
    use_custom_notification_sound: ignored('unused by zmES 6.1.29 too'),
    include_picture: done('adds Picture to websocket alarms (src/channels/web/alarm-payload.ts); push pictures arrive with the channels release'),
    send_event_start_notification: done('start alarms are routed to the web channel only when on (src/channels/web/web-channel.ts)'),
    send_event_end_notification: done('end alarms are routed to the web channel only when on (src/channels/web/web-channel.ts)'),
    picture_url: done('EVENTID and MONITORID substituted for the websocket Picture; BESTMATCH and objdetect arrive with the decision release'),
    picture_portal_username: done('appended to the websocket Picture URL'),
    picture_portal_password: done('appended, URL-escaped, to the websocket Picture URL'),
    use_hooks: later('decision')
  },
  hook: {
    max_parallel_hooks: later('decision'),
    event_start_hook: later('decision'),
    event_start_hook_notify_userscript: later('decision'),
    event_end_hook: later('decision'),
    event_end_hook_notify_userscript: later('decision'),
    event_start_notify_on_hook_success: later('decision'),
    event_start_notify_on_hook_fail: later('decision'),
    event_end_notify_on_hook_success: later('decision'),
    event_end_notify_on_hook_fail: later('decision'),
    event_end_notify_if_start_success: later('decision'),
    use_hook_description: later('decision'),
    keep_frame_match_type: later('decision'),
    hook_skip_monitors: later('decision'),
    hook_pass_image_path: later('decision')
  }
}

/** Status of an option or legacy alias (which shares its option's status); `undefined` if unknown. */
export function optionStatus (section: string, key: string): OptionStatus | undefined {
  if (!isZmesSection(section)) return undefined
  const target = ZMES_ALIASES.get(`${section}.${key}`)
  const [s, k] = target !== undefined ? target.split('.') as [ZmesSection, string] : [section, key]
  if (!isZmesOption(s, k)) return undefined
  return (OPTION_STATUS[s] as Record<string, OptionStatus>)[k]
}

/**
 * Implemented options that have no effect in this configuration because zmES does not read them
 * then either; reported like ignored options so the operator is not left guessing.
 */
const INACTIVE: ReadonlyMap<string, (zmes: ZmesConfig) => string | undefined> = new Map([
  ['general.escontrol_interface_password', (zmes: ZmesConfig) => zmes.general.use_escontrol_interface ? undefined : '[general] use_escontrol_interface is off']
])

/**
 * One line per option written in the user's file that Herald ignores, in file order:
 * `ignored option [section] key: <why>`. Unknown keys are not listed here (readZmesConfig reports
 * them); neither are options that are only defaulted, since the operator did not ask for them.
 */
export function ignoredOptionLines (settings: LoadedSettings, zmes: ZmesConfig): string[] {
  const lines: string[] = []
  for (const [section, entries] of settings.ini?.sections ?? []) {
    for (const key of entries.keys()) {
      const status = optionStatus(section, key)
      if (status === undefined) continue
      const why = status.status === 'ignored' ? status.reason : INACTIVE.get(`${section}.${key}`)?.(zmes)
      if (why !== undefined) lines.push(`ignored option [${section}] ${key}: ${why}`)
    }
  }
  return lines
}
