export { TargetsChannel, type TargetsChannelOptions } from './targets-channel.js'
export {
  TargetRegistry,
  TARGETS_CHANNEL,
  TARGETS_GROUP,
  TARGETS_SETTING,
  TARGET_NAME,
  TARGET_PHASES,
  MAX_TARGETS,
  type ConfiguredTarget,
  type Target,
  type TargetPhase,
  type TargetRegistryOptions,
  type TargetSettings,
  type TargetSettingsStore,
  type TargetWrite
} from './target-registry.js'
export { readConfiguredTargets, TARGETS_SECTION } from './ini-targets.js'
export { parseTargetUrl, TARGET_SCHEMES, type ParsedTargetUrl } from './target-url.js'
export { MASK, MAX_URL_LENGTH } from './apprise-url.js'
export { SERVICES, type ServiceName, type ServiceTarget } from './service.js'
export { renderTargetMessage, type TargetMessage } from './target-message.js'
