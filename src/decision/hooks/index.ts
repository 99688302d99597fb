export { HookPool, DEFAULT_MAX_QUEUED_HOOKS, type HookPoolLimits, type HookPoolOptions } from './hook-pool.js'
export {
  runHook,
  skippedOrFailedRun,
  DEFAULT_HOOK_TIMEOUT_MS,
  DEFAULT_KILL_GRACE_MS,
  type HookRun,
  type HookRunOptions,
  type HookSkipReason
} from './hook-run.js'
export {
  startHookInvocation,
  endHookInvocation,
  userScriptInvocation,
  describeInvocation,
  describeKind,
  type HookInvocation,
  type HookKind,
  type HookEventContext,
  type HookArgOptions
} from './hook-invocation.js'
export {
  parseHookOutput,
  frameTypeOf,
  stripFrameMatchType,
  isPerlFalse,
  SPLIT_MARKER,
  DEFAULT_MAX_DETECTION_BYTES,
  type FrameType,
  type HookOutput
} from './hook-output.js'
export {
  runHookProcess,
  shellArgv,
  DEFAULT_MAX_STDOUT_BYTES,
  DEFAULT_MAX_STDERR_BYTES,
  type HookProcessOptions,
  type HookProcessOutcome
} from './hook-process.js'
