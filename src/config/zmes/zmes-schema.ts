import {
  integer,
  monitorIds,
  notifyChannels,
  oneOfWords,
  perlBoolean,
  text,
  type Parsed,
  type ZmesChannel
} from './zmes-values.js'

/*
 * Every option of zmeventnotification.ini (spec §5.2) with zmES's BUILT-IN defaults. The sample
 * ini that ships with zmES sets different values (restart_interval = 0, use_hooks = yes, …); a
 * re-implementation must behave like zmES with the key absent, so the defaults below follow
 * zmeventnotification.pl's `DEFAULT_*` constants, not the sample.
 *
 * Optional strings are `undefined` when the key is absent and `''` when it is written empty
 * (`picture_url =`): zmES treats an empty value as set (spec §5.1 step 1), and Perl then reads
 * it as false, so consumers test `!value` for "not configured".
 */

export { ZMES_CHANNELS, type ZmesChannel } from './zmes-values.js'

export interface ZmesGeneral {
  /** Path of the secrets INI; relative paths are taken from the config file's folder. @defaultValue undefined */
  readonly secrets: string | undefined
  /** Substituted for `{{base_data_path}}`. @defaultValue '/var/lib/zmeventnotification' */
  readonly base_data_path: string
  /** Enables the escontrol admin category (§3.7). @defaultValue false */
  readonly use_escontrol_interface: boolean
  /** @defaultValue '/var/lib/zmeventnotification/misc/escontrol_interface.dat' */
  readonly escontrol_interface_file: string
  /** Read only when `use_escontrol_interface` is on, as in zmES. @defaultValue undefined */
  readonly escontrol_interface_password: string | undefined
  /** Seconds between self-restarts, 0 = never (spec §15 quirk 15: absent means 2 h). @defaultValue 7200 */
  readonly restart_interval: number
  /** Monitors whose events are ignored entirely. @defaultValue [] */
  readonly skip_monitors: readonly number[]
}

export interface ZmesNetwork {
  /** @defaultValue 9000 */
  readonly port: number
  /** As written, brackets included: strip `[` `]` before binding. @defaultValue '[::]' */
  readonly address: string
}

export interface ZmesAuth {
  /** @defaultValue true */
  readonly enable: boolean
  /** Seconds a connection may stay unauthenticated, 1–86400. @defaultValue 20 */
  readonly timeout: number
}

export interface ZmesPush {
  /** The `api` channel (§10.5). @defaultValue false */
  readonly use_api_push: boolean
  /** Read only when `use_api_push` is on, as in zmES. @defaultValue undefined */
  readonly api_push_script: string | undefined
  /** Herald: seconds before a push script (and its children) is killed and retried. @defaultValue 60 */
  readonly api_push_timeout: number
}

export interface ZmesFcm {
  /** FCM channel and token registration. @defaultValue true */
  readonly enable: boolean
  /** @defaultValue true */
  readonly use_fcmv1: boolean
  /** @defaultValue false */
  readonly replace_push_messages: boolean
  /** @defaultValue '/var/lib/zmeventnotification/push/tokens.txt' */
  readonly token_file: string
  /** strftime format of the push body's time. @defaultValue '%I:%M %p, %d-%b' */
  readonly date_format: string
  /** `high` or `normal`. @defaultValue 'high' */
  readonly fcm_android_priority: string
  /** Seconds, passed to the proxy. @defaultValue undefined */
  readonly fcm_android_ttl: number | undefined
  /** @defaultValue false */
  readonly fcm_log_raw_message: boolean
  /** @defaultValue 'NONE' */
  readonly fcm_log_message_id: string
  /** Sent verbatim as the proxy's `Authorization` header. @defaultValue zmES's built-in token */
  readonly fcm_v1_key: string
  /** @defaultValue 'https://us-central1-zoneminder-ninja.cloudfunctions.net/send_push' */
  readonly fcm_v1_url: string
  /** Legacy API key; not read by zmES 6.1.29 either. @defaultValue undefined */
  readonly api_key: string | undefined
  /** v7: a Firebase service-account JSON; set, pushes go to FCM HTTP v1 directly instead of the proxy. @defaultValue undefined */
  readonly fcm_service_account_file: string | undefined
  /** Herald: base URL of the FCM HTTP v1 API (tests point it at a local fake). @defaultValue 'https://fcm.googleapis.com' */
  readonly fcm_api_url: string
}

export interface ZmesMqtt {
  /** @defaultValue false */
  readonly enable: boolean
  /** `host` or `host:port`. @defaultValue '127.0.0.1' */
  readonly server: string
  /** Messages go to `<topic>/<monitorId>`. @defaultValue 'zoneminder' */
  readonly topic: string
  /** @defaultValue undefined */
  readonly username: string | undefined
  /** @defaultValue undefined */
  readonly password: string | undefined
  /** @defaultValue undefined */
  readonly tls_ca: string | undefined
  /** @defaultValue undefined */
  readonly tls_cert: string | undefined
  /** @defaultValue undefined */
  readonly tls_key: string | undefined
  /** @defaultValue false */
  readonly tls_insecure: boolean
  /** Seconds between keep-alive ticks, 1–65535. @defaultValue 15 */
  readonly tick_interval: number
  /** @defaultValue false */
  readonly retain: boolean
  /** Herald: port when `server` has none. @defaultValue undefined (1883, 8883 with TLS) */
  readonly port: number | undefined
  /** Herald: QoS of every publish (zmES publishes with 0). @defaultValue 1 */
  readonly qos: number
  /** Herald: prefix of Herald's own topics (`<prefix>/events/<type>/<camera>`); empty = off. @defaultValue 'herald' */
  readonly herald_topic: string
}

export interface ZmesSsl {
  /** @defaultValue true */
  readonly enable: boolean
  /** @defaultValue undefined */
  readonly cert: string | undefined
  /** @defaultValue undefined */
  readonly key: string | undefined
}

export interface ZmesCustomize {
  /** Path of es_rules.json (§7). @defaultValue undefined */
  readonly es_rules: string | undefined
  /** @defaultValue false */
  readonly console_logs: boolean
  /** @defaultValue 5 */
  readonly es_debug_level: number
  /** @defaultValue 5 */
  readonly event_check_interval: number
  /** @defaultValue 300 */
  readonly monitor_reload_interval: number
  /** @defaultValue false */
  readonly read_alarm_cause: boolean
  /** @defaultValue false */
  readonly tag_alarm_event_id: boolean
  /** Read but unused by zmES 6.1.29. @defaultValue false */
  readonly use_custom_notification_sound: boolean
  /** @defaultValue false */
  readonly include_picture: boolean
  /** @defaultValue true */
  readonly send_event_start_notification: boolean
  /** @defaultValue false */
  readonly send_event_end_notification: boolean
  /** Template of §10.6. @defaultValue undefined */
  readonly picture_url: string | undefined
  /** @defaultValue undefined */
  readonly picture_portal_username: string | undefined
  /** @defaultValue undefined */
  readonly picture_portal_password: string | undefined
  /** Master hook switch; it lives in [customize], not [hook]. @defaultValue false */
  readonly use_hooks: boolean
  /** Herald: IANA time zone for es_rules and push times (`Europe/Berlin`); unset = the server's. @defaultValue undefined */
  readonly timezone: string | undefined
}

export interface ZmesHook {
  /** 0 = unlimited. @defaultValue 0 */
  readonly max_parallel_hooks: number
  /** Falls back to the legacy key `hook_script` when absent, empty or `0`. @defaultValue undefined */
  readonly event_start_hook: string | undefined
  /** @defaultValue undefined */
  readonly event_start_hook_notify_userscript: string | undefined
  /** @defaultValue undefined */
  readonly event_end_hook: string | undefined
  /** @defaultValue undefined */
  readonly event_end_hook_notify_userscript: string | undefined
  /** Deduplicated, in the order of ZMES_CHANNELS. @defaultValue [] (`none`) */
  readonly event_start_notify_on_hook_success: readonly ZmesChannel[]
  /** @defaultValue [] */
  readonly event_start_notify_on_hook_fail: readonly ZmesChannel[]
  /** @defaultValue [] */
  readonly event_end_notify_on_hook_success: readonly ZmesChannel[]
  /** @defaultValue [] */
  readonly event_end_notify_on_hook_fail: readonly ZmesChannel[]
  /** @defaultValue true */
  readonly event_end_notify_if_start_success: boolean
  /** @defaultValue false */
  readonly use_hook_description: boolean
  /** @defaultValue true */
  readonly keep_frame_match_type: boolean
  /** @defaultValue [] */
  readonly hook_skip_monitors: readonly number[]
  /** @defaultValue false */
  readonly hook_pass_image_path: boolean
  /** Herald: seconds before a hook and all its children are killed (a failure). @defaultValue 60 */
  readonly hook_timeout: number
  /** Herald: hooks waiting for a `max_parallel_hooks` slot; beyond it a hook is not run (failure). @defaultValue 1000 */
  readonly max_queued_hooks: number
}

export interface ZmesConfig {
  readonly general: ZmesGeneral
  readonly network: ZmesNetwork
  readonly auth: ZmesAuth
  readonly push: ZmesPush
  readonly fcm: ZmesFcm
  readonly mqtt: ZmesMqtt
  readonly ssl: ZmesSsl
  readonly customize: ZmesCustomize
  readonly hook: ZmesHook
}

export type ZmesSection = keyof ZmesConfig
/** `section.key`, the name used by the status table and by namespaced escontrol overrides. */
export type ZmesOptionId = { [S in ZmesSection]: `${S}.${keyof ZmesConfig[S] & string}` }[ZmesSection]

/** zmES's own default of `fcm_v1_key` (zmeventnotification.pl 6.1.x `DEFAULT_FCM_V1_KEY`). */
const FCM_V1_KEY = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJnZW5lcmF0b3IiOiJab25lTWluZGVyIEluYyIsImlhdCI6MTY0MTAxODg0OCwiY2xpZW50Ijoiem1uaW5qYSJ9.ThaCp6WOlAHWrNUcXLcMB3yMWUI16AR0nePjufXcWEA'

export const ZMES_DEFAULTS: ZmesConfig = {
  general: {
    secrets: undefined,
    base_data_path: '/var/lib/zmeventnotification',
    use_escontrol_interface: false,
    escontrol_interface_file: '/var/lib/zmeventnotification/misc/escontrol_interface.dat',
    escontrol_interface_password: undefined,
    restart_interval: 7200,
    skip_monitors: []
  },
  network: { port: 9000, address: '[::]' },
  auth: { enable: true, timeout: 20 },
  push: { use_api_push: false, api_push_script: undefined, api_push_timeout: 60 },
  fcm: {
    enable: true,
    use_fcmv1: true,
    replace_push_messages: false,
    token_file: '/var/lib/zmeventnotification/push/tokens.txt',
    date_format: '%I:%M %p, %d-%b',
    fcm_android_priority: 'high',
    fcm_android_ttl: undefined,
    fcm_log_raw_message: false,
    fcm_log_message_id: 'NONE',
    fcm_v1_key: FCM_V1_KEY,
    fcm_v1_url: 'https://us-central1-zoneminder-ninja.cloudfunctions.net/send_push',
    api_key: undefined,
    fcm_service_account_file: undefined,
    fcm_api_url: 'https://fcm.googleapis.com'
  },
  mqtt: {
    enable: false,
    server: '127.0.0.1',
    topic: 'zoneminder',
    username: undefined,
    password: undefined,
    tls_ca: undefined,
    tls_cert: undefined,
    tls_key: undefined,
    tls_insecure: false,
    tick_interval: 15,
    retain: false,
    port: undefined,
    qos: 1,
    herald_topic: 'herald'
  },
  ssl: { enable: true, cert: undefined, key: undefined },
  customize: {
    es_rules: undefined,
    console_logs: false,
    es_debug_level: 5,
    event_check_interval: 5,
    monitor_reload_interval: 300,
    read_alarm_cause: false,
    tag_alarm_event_id: false,
    use_custom_notification_sound: false,
    include_picture: false,
    send_event_start_notification: true,
    send_event_end_notification: false,
    picture_url: undefined,
    picture_portal_username: undefined,
    picture_portal_password: undefined,
    use_hooks: false,
    timezone: undefined
  },
  hook: {
    max_parallel_hooks: 0,
    event_start_hook: undefined,
    event_start_hook_notify_userscript: undefined,
    event_end_hook: undefined,
    event_end_hook_notify_userscript: undefined,
    event_start_notify_on_hook_success: [],
    event_start_notify_on_hook_fail: [],
    event_end_notify_on_hook_success: [],
    event_end_notify_on_hook_fail: [],
    event_end_notify_if_start_success: true,
    use_hook_description: false,
    keep_frame_match_type: true,
    hook_skip_monitors: [],
    hook_pass_image_path: false,
    hook_timeout: 60,
    max_queued_hooks: 1000
  }
}

/** Turns the §5.1-processed text of one option into its typed value. */
export type OptionParser<T> = (text: string) => Parsed<T>

/*
 * The mapped type makes this table complete by construction: an option added to ZmesConfig without
 * a parser (or with one of the wrong type) does not compile. Key order is reading order, which
 * matters twice: `use_escontrol_interface` and `use_api_push` decide whether the key after them is
 * read at all, as in zmES.
 */
export const ZMES_OPTIONS: { readonly [S in ZmesSection]: { readonly [K in keyof ZmesConfig[S]]-?: OptionParser<NonNullable<ZmesConfig[S][K]>> } } = {
  general: {
    secrets: text,
    base_data_path: text,
    use_escontrol_interface: perlBoolean,
    escontrol_interface_file: text,
    escontrol_interface_password: text,
    restart_interval: integer(0),
    skip_monitors: monitorIds
  },
  network: { port: integer(0, 65535), address: text },
  // A day at most: a longer wait protects nothing, and past ~24.8 days Node's timer would fire at once.
  auth: { enable: perlBoolean, timeout: integer(1, 86_400) },
  push: { use_api_push: perlBoolean, api_push_script: text, api_push_timeout: integer(1, 86_400) },
  fcm: {
    enable: perlBoolean,
    use_fcmv1: perlBoolean,
    replace_push_messages: perlBoolean,
    token_file: text,
    date_format: text,
    fcm_android_priority: oneOfWords(['high', 'normal']),
    fcm_android_ttl: integer(0),
    fcm_log_raw_message: perlBoolean,
    fcm_log_message_id: text,
    fcm_v1_key: text,
    fcm_v1_url: text,
    api_key: text,
    fcm_service_account_file: text,
    fcm_api_url: text
  },
  mqtt: {
    enable: perlBoolean,
    server: text,
    topic: text,
    username: text,
    password: text,
    tls_ca: text,
    tls_cert: text,
    tls_key: text,
    tls_insecure: perlBoolean,
    // MQTT's keep-alive field is 16 bits: a larger value makes every CONNECT fail.
    tick_interval: integer(1, 65_535),
    retain: perlBoolean,
    port: integer(1, 65535),
    qos: integer(0, 2),
    herald_topic: text
  },
  ssl: { enable: perlBoolean, cert: text, key: text },
  customize: {
    es_rules: text,
    console_logs: perlBoolean,
    es_debug_level: integer(),
    event_check_interval: integer(1),
    monitor_reload_interval: integer(1),
    read_alarm_cause: perlBoolean,
    tag_alarm_event_id: perlBoolean,
    use_custom_notification_sound: perlBoolean,
    include_picture: perlBoolean,
    send_event_start_notification: perlBoolean,
    send_event_end_notification: perlBoolean,
    picture_url: text,
    picture_portal_username: text,
    picture_portal_password: text,
    use_hooks: perlBoolean,
    timezone: text
  },
  hook: {
    max_parallel_hooks: integer(0),
    event_start_hook: text,
    event_start_hook_notify_userscript: text,
    event_end_hook: text,
    event_end_hook_notify_userscript: text,
    event_start_notify_on_hook_success: notifyChannels,
    event_start_notify_on_hook_fail: notifyChannels,
    event_end_notify_on_hook_success: notifyChannels,
    event_end_notify_on_hook_fail: notifyChannels,
    event_end_notify_if_start_success: perlBoolean,
    use_hook_description: perlBoolean,
    keep_frame_match_type: perlBoolean,
    hook_skip_monitors: monitorIds,
    hook_pass_image_path: perlBoolean,
    hook_timeout: integer(1, 86_400),
    max_queued_hooks: integer(0)
  }
}

export const ZMES_SECTIONS = Object.freeze(Object.keys(ZMES_OPTIONS)) as readonly ZmesSection[]

/**
 * Options Herald adds to zmES's sections. A bare escontrol key that also names one of these (the
 * `port` of [mqtt]) still means zmES's own option, so existing escontrol scripts keep working.
 */
export const HERALD_EXTENSIONS: ReadonlySet<string> = new Set([
  'push.api_push_timeout', 'fcm.fcm_service_account_file', 'fcm.fcm_api_url', 'mqtt.port', 'mqtt.qos',
  'mqtt.herald_topic', 'customize.timezone', 'hook.hook_timeout', 'hook.max_queued_hooks'
])

/** Legacy key names zmES still reads, mapped to the option they feed. */
export const ZMES_ALIASES: ReadonlyMap<string, ZmesOptionId> = new Map([['hook.hook_script', 'hook.event_start_hook']])

export function isZmesSection (name: string): name is ZmesSection {
  return Object.hasOwn(ZMES_OPTIONS, name)
}

/** True for a §5.2 option (not an alias) of that section. */
export function isZmesOption (section: ZmesSection, key: string): boolean {
  return Object.hasOwn(ZMES_OPTIONS[section], key)
}

/** The option keys of a section, in reading order. */
export function zmesKeys (section: ZmesSection): readonly string[] {
  return Object.keys(ZMES_OPTIONS[section])
}

const SECTIONS_BY_KEY = new Map<string, ZmesSection[]>()
for (const section of ZMES_SECTIONS) {
  for (const key of zmesKeys(section)) addSection(key, section)
}
for (const alias of ZMES_ALIASES.keys()) {
  const [section = '', key = ''] = alias.split('.')
  if (isZmesSection(section)) addSection(key, section)
}

function addSection (key: string, section: ZmesSection): void {
  const list = SECTIONS_BY_KEY.get(key) ?? []
  if (!list.includes(section)) list.push(section)
  SECTIONS_BY_KEY.set(key, list)
}

/** The sections with an option (or legacy alias) of this name: `enable` → auth, fcm, mqtt, ssl. */
export function sectionsHaving (key: string): readonly ZmesSection[] {
  return SECTIONS_BY_KEY.get(key) ?? []
}
