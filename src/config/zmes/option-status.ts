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
    use_api_push: done('the api channel: api_push_script runs for every decided start and end the routing allows'),
    api_push_script: done('run through the delivery engine: killed after api_push_timeout, retried with backoff, in the attempt log'),
    api_push_timeout: done('Herald: seconds before a push script and its children are killed')
  },
  fcm: {
    enable: done('FCM pushes to registered tokens (src/channels/fcm) and token registration'),
    use_fcmv1: done('yes: through the zmNinja proxy; no (Google\'s shut-down legacy API) is refused at start'),
    replace_push_messages: done('Android tag / iOS apns-collapse-id zmninjapush'),
    token_file: done('an existing tokens.txt is imported into Herald\'s store at start and at escontrol restart'),
    date_format: done('strftime of the push body time, in [customize] timezone'),
    fcm_android_priority: done('android priority of proxy and direct pushes'),
    fcm_android_ttl: done('android ttl'),
    fcm_log_raw_message: done('asks the proxy to log the message'),
    fcm_log_message_id: done('passed to the proxy as log_message_id'),
    fcm_v1_key: done('Authorization header of proxy pushes'),
    fcm_v1_url: done('the proxy URL'),
    api_key: ignored('legacy FCM API is shut down'),
    fcm_service_account_file: done('set: pushes go to FCM HTTP v1 directly (OAuth2 service account)'),
    fcm_api_url: done('Herald: base URL of FCM HTTP v1')
  },
  mqtt: {
    enable: done('the MQTT channel (src/channels/mqtt)'),
    server: done('host or host:port'),
    topic: done('zmES messages go to <topic>/<MonitorId>'),
    username: done('login when username and password are both set'),
    password: done('login when username and password are both set'),
    tls_ca: done('enables TLS, with or without a login (quirk 13 fixed)'),
    tls_cert: done('client certificate (mutual TLS)'),
    tls_key: done('client key (mutual TLS)'),
    tls_insecure: done('no peer verification'),
    tick_interval: done('MQTT keep-alive seconds'),
    retain: done('retain flag of zmES messages'),
    port: done('Herald: port when server has none'),
    qos: done('Herald: QoS of every publish (default 1)'),
    herald_topic: done('Herald: prefix of Herald\'s own topics; empty = off')
  },
  ssl: {
    enable: done('TLS on the WebSocket server'),
    cert: done('TLS certificate file'),
    key: done('TLS private key file')
  },
  customize: {
    es_rules: done('mute rules (src/decision/rules), reloaded when the file changes; also GET/PUT /api/v1/rules'),
    console_logs: ignored(LOGGING),
    es_debug_level: ignored(LOGGING),
    event_check_interval: later('ZoneMinder source'),
    monitor_reload_interval: later('ZoneMinder source'),
    read_alarm_cause: later('ZoneMinder source'),
    tag_alarm_event_id: done('push title gets (<eid>)'),
    use_custom_notification_sound: ignored('unused by zmES 6.1.29 too'),
    include_picture: done('picture link in websocket alarms, pushes and targets'),
    send_event_start_notification: done('switch for start notifications of web, fcm and mqtt (api ignores it, as in zmES)'),
    send_event_end_notification: done('switch for end notifications of web, fcm, mqtt and api'),
    picture_url: done('§10.6 template: EVENTID, MONITORID, BESTMATCH, objdetect fallbacks'),
    picture_portal_username: done('appended to picture links'),
    picture_portal_password: done('appended, URL-escaped, to picture links; masked in logs'),
    use_hooks: done('master hook switch of the decision'),
    timezone: done('Herald: IANA time zone of es_rules and push times')
  },
  hook: {
    max_parallel_hooks: done('hooks running at once; more wait in a queue (zmES dropped them)'),
    event_start_hook: done('run for every start with eid, mid, name, cause as separate arguments'),
    event_start_hook_notify_userscript: done('run after the start hook'),
    event_end_hook: done('run for every end with the notes'),
    event_end_hook_notify_userscript: done('run after the end hook'),
    event_start_notify_on_hook_success: done('channels told when the start hook succeeds'),
    event_start_notify_on_hook_fail: done('channels told when the start hook fails'),
    event_end_notify_on_hook_success: done('channels told when the end hook succeeds'),
    event_end_notify_on_hook_fail: done('channels told when the end hook fails'),
    event_end_notify_if_start_success: done('no end notification after a failed start hook'),
    use_hook_description: done('hook text prefixes the cause and notes; detection carried (quirk 9 fixed)'),
    keep_frame_match_type: done('off: the [a]/[s]/[x] prefix is removed from displayed causes'),
    hook_skip_monitors: done('hooks not run for these monitors (success)'),
    hook_pass_image_path: done('appends the event folder (event_path of the alarm) to hook and push script arguments'),
    hook_timeout: done('Herald: hooks and their children are killed after this many seconds'),
    max_queued_hooks: done('Herald: hooks waiting for a slot; beyond it a hook is not run (failure, logged)')
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
