export { EventServer, DEFAULT_LIMITS, type EventServerLimits, type EventServerOptions } from './event-server.js'
export { WebChannel, WEB_CHANNEL, WEB_GROUP, WEB_TARGET, type PushedTokens, type WebChannelOptions } from './web-channel.js'
export { ES_COMPAT_VERSION, esVersion } from './es-version.js'
export { RESTART_OPTIONS, type ZmesReadout } from './escontrol.js'
