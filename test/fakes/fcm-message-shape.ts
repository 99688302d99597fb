/*
 * The checks FCM HTTP v1 makes on a `messages:send` body, as far as Herald's messages go: unknown
 * fields are refused (proto JSON), `data` values must be strings, enums and durations have their
 * formats, and the payload has a 4 KB limit. Each problem is a google.rpc.BadRequest field violation.
 */

export interface FieldViolation {
  readonly field: string
  readonly description: string
}

const MESSAGE_KEYS = ['name', 'data', 'notification', 'android', 'webpush', 'apns', 'fcm_options', 'token', 'topic', 'condition']
const NOTIFICATION_KEYS = ['title', 'body', 'image']
const ANDROID_KEYS = ['collapse_key', 'priority', 'ttl', 'restricted_package_name', 'data', 'notification', 'fcm_options', 'direct_boot_ok']
const ANDROID_NOTIFICATION_KEYS = [
  'title', 'body', 'icon', 'color', 'sound', 'tag', 'click_action', 'body_loc_key', 'body_loc_args', 'title_loc_key', 'title_loc_args',
  'channel_id', 'ticker', 'sticky', 'event_time', 'local_only', 'notification_priority', 'default_sound', 'default_vibrate_timings',
  'default_light_settings', 'vibrate_timings', 'visibility', 'notification_count', 'light_settings', 'image', 'bypass_proxy_notification'
]
const APNS_KEYS = ['headers', 'payload', 'fcm_options']
const APNS_FCM_OPTIONS_KEYS = ['analytics_label', 'image']
const PAYLOAD_LIMIT_BYTES = 4096

type Json = Record<string, unknown>

function isObject (v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

export function checkSendRequest (body: unknown): FieldViolation[] {
  const out: FieldViolation[] = []
  const bad = (field: string, description: string): void => { out.push({ field, description }) }
  if (!isObject(body)) return [{ field: '', description: 'Invalid JSON payload received.' }]
  for (const k of Object.keys(body)) if (k !== 'message' && k !== 'validate_only') bad(k, `Invalid JSON payload received. Unknown name "${k}": Cannot find field.`)
  const m = body.message
  if (!isObject(m)) return [...out, { field: 'message', description: 'Required.' }]
  unknownKeys(m, MESSAGE_KEYS, 'message', bad)
  const targets = ['token', 'topic', 'condition'].filter((k) => m[k] !== undefined)
  if (targets.length !== 1) bad('message', 'Exactly one of token, topic or condition must be set.')
  if (m.token !== undefined && (typeof m.token !== 'string' || m.token === '')) bad('message.token', 'Invalid registration token')
  if (m.data !== undefined) {
    if (!isObject(m.data)) bad('message.data', 'must be a map')
    else for (const [k, v] of Object.entries(m.data)) if (typeof v !== 'string') bad(`message.data[${k}]`, 'Invalid value: data values must be strings')
  }
  if (m.notification !== undefined) stringMap(m.notification, NOTIFICATION_KEYS, 'message.notification', bad)
  if (m.android !== undefined) {
    const a = m.android
    if (!isObject(a)) bad('message.android', 'must be an object')
    else {
      unknownKeys(a, ANDROID_KEYS, 'message.android', bad)
      if (a.priority !== undefined && a.priority !== 'NORMAL' && a.priority !== 'HIGH') bad('message.android.priority', `Invalid value at 'message.android.priority' (type.googleapis.com/google.firebase.fcm.v1.AndroidMessagePriority), "${String(a.priority)}"`)
      if (a.ttl !== undefined && (typeof a.ttl !== 'string' || !/^\d+(\.\d{1,9})?s$/.test(a.ttl))) bad('message.android.ttl', `Invalid value at 'message.android.ttl' (type.googleapis.com/google.protobuf.Duration), ${JSON.stringify(a.ttl)}`)
      if (a.notification !== undefined) stringMap(a.notification, ANDROID_NOTIFICATION_KEYS, 'message.android.notification', bad)
    }
  }
  if (m.apns !== undefined) {
    const a = m.apns
    if (!isObject(a)) bad('message.apns', 'must be an object')
    else {
      unknownKeys(a, APNS_KEYS, 'message.apns', bad)
      if (a.headers !== undefined) {
        if (!isObject(a.headers)) bad('message.apns.headers', 'must be a map')
        else for (const [k, v] of Object.entries(a.headers)) if (typeof v !== 'string') bad(`message.apns.headers[${k}]`, 'header values must be strings')
      }
      if (a.payload !== undefined && (!isObject(a.payload) || (a.payload.aps !== undefined && !isObject(a.payload.aps)))) bad('message.apns.payload', 'aps must be an object')
      if (a.fcm_options !== undefined) stringMap(a.fcm_options, APNS_FCM_OPTIONS_KEYS, 'message.apns.fcm_options', bad)
    }
  }
  const payload = Buffer.byteLength(JSON.stringify({ data: m.data ?? {}, notification: m.notification ?? {} }))
  if (payload > PAYLOAD_LIMIT_BYTES) bad('message', `Message is too big (${payload} bytes of payload, limit ${PAYLOAD_LIMIT_BYTES})`)
  return out
}

function unknownKeys (o: Json, allowed: readonly string[], path: string, bad: (field: string, description: string) => void): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) bad(`${path}.${k}`, `Invalid JSON payload received. Unknown name "${k}" at '${path}': Cannot find field.`)
}

function stringMap (v: unknown, allowed: readonly string[], path: string, bad: (field: string, description: string) => void): void {
  if (!isObject(v)) {
    bad(path, 'must be an object')
    return
  }
  unknownKeys(v, allowed, path, bad)
  for (const [k, value] of Object.entries(v)) if (typeof value !== 'string' && typeof value !== 'boolean') bad(`${path}.${k}`, 'must be a string')
}
