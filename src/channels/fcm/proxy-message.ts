import type { Push, PushStyle } from './push-sender.js'

/**
 * The body zmES 6.1.29 POSTs to the zmNinja FCM proxy (`fcm_v1_url`, spec §10.2), key for key in
 * the spec's order. Values keep zmES's types: `badge` a number, `mid`/`eid` and `ttl` strings.
 * Only the token's platform block is present; a platform that is neither gets neither (the proxy
 * then sends an iOS-style message, as it does for zmES).
 */
export function renderProxyMessage (push: Push, style: PushStyle): string {
  const message: Record<string, unknown> = {
    token: push.token,
    title: push.title,
    body: push.body,
    sound: 'default',
    badge: push.badge,
    log_message_id: style.logMessageId,
    data: { mid: push.monitorId, eid: push.eventId, notification_foreground: 'true' }
  }
  if (push.platform === 'android') {
    const android: Record<string, string> = { icon: 'ic_stat_notification', priority: style.androidPriority }
    if (style.androidTtl !== undefined) android.ttl = String(style.androidTtl)
    if (style.replacePushMessages) android.tag = 'zmninjapush'
    // Versions before the `zmninja` notification channel registered without an appversion.
    if (push.appversion !== 'unknown') android.channel = 'zmninja'
    message.android = android
  }
  if (push.platform === 'ios') {
    const headers: Record<string, string> = { 'apns-priority': '10', 'apns-push-type': 'alert' }
    if (style.replacePushMessages) headers['apns-collapse-id'] = 'zmninjapush'
    message.ios = { thread_id: 'zmninja_alarm', headers }
  }
  if (push.image !== undefined) message.image_url = push.image
  if (style.logRawMessage) message.log_raw_message = 'yes'
  return JSON.stringify(message)
}
