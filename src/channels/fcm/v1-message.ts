import type { Push, PushStyle } from './push-sender.js'

/**
 * The FCM HTTP v1 `messages:send` body for one push (zmES v7 with `fcm_service_account_file`),
 * for apps built against the user's own Firebase project. Every `data` value is a string, as FCM
 * requires; only the token's platform block is present.
 *
 * Android `tag`: with replace_push_messages one tag for all, so a new alarm replaces the last;
 * without it one tag per event and phase (v7), so alarms stack and the app can still read the
 * event id from a notification whose data Android dropped.
 */
export function renderV1Message (push: Push, style: PushStyle): string {
  const notification: Record<string, string> = { title: push.title, body: push.body }
  if (push.image !== undefined) notification.image = push.image
  const message: Record<string, unknown> = {
    token: push.token,
    notification,
    data: {
      mid: push.monitorId,
      eid: push.eventId,
      monitorName: push.monitorName,
      cause: push.cause,
      notification_foreground: 'true'
    }
  }
  if (push.platform === 'android') {
    const tag = style.replacePushMessages ? 'zmninjapush' : `zmninja_${push.eventId}_event_${push.phase}`
    const androidNotification: Record<string, string> = { tag, icon: 'ic_stat_notification', sound: 'default' }
    if (push.appversion !== 'unknown') androidNotification.channel_id = 'zmninja'
    const android: Record<string, unknown> = { priority: style.androidPriority === 'normal' ? 'NORMAL' : 'HIGH' }
    if (style.androidTtl !== undefined) android.ttl = `${style.androidTtl}s`
    android.notification = androidNotification
    message.android = android
  }
  if (push.platform === 'ios') {
    const headers: Record<string, string> = { 'apns-priority': '10', 'apns-push-type': 'alert' }
    if (style.replacePushMessages) headers['apns-collapse-id'] = 'zmninjapush'
    const apns: Record<string, unknown> = {
      headers,
      payload: {
        aps: {
          alert: { title: push.title, body: push.body },
          badge: push.badge,
          sound: 'default',
          'thread-id': 'zmninja_alarm',
          // Lets the app's notification service extension fetch the picture.
          'mutable-content': 1
        }
      }
    }
    if (push.image !== undefined) apns.fcm_options = { image: push.image }
    message.apns = apns
  }
  return JSON.stringify({ message })
}
