export { FcmChannel, FCM_CHANNEL, FCM_GROUP, type FcmChannelOptions, type LiveApps } from './fcm-channel.js'
export { maskLane, maskToken } from './token-mask.js'
export { MAX_PUSHES_PER_MONTH } from './token-filter.js'
export type { Push, PushSender, PushStyle, PushVerdict } from './push-sender.js'
