import type { ZmesChannel, ZmesConfig } from '../config/zmes/zmes-schema.js'
import type { DecidedPhase } from './decided-alarm.js'

/** What the channel rule of zmES §10.1 needs to know about one decision. */
export interface RoutingFacts {
  readonly phase: DecidedPhase
  /** `use_hooks` on and the phase's hook configured (a hook_skip_monitors monitor counts as configured: its result is 0). */
  readonly hookConfigured: boolean
  /** The phase's hook result; 0 = success. */
  readonly hookResult: number
}

export interface ChannelRuling {
  readonly allowed: boolean
  readonly reason: string
}

/**
 * zmES §10.1, one channel at a time:
 *  - starts need `send_event_start_notification`, ends `send_event_end_notification`. zmES's api
 *    channel ignores the start switch (quirk, kept: an operator may rely on API pushes with start
 *    notifications off). Herald's own webhooks and targets choose phases themselves (webhook
 *    `alarms.phase_in`, target `phases`), so the switches do not apply to them;
 *  - a channel is allowed when it is in the phase's `*_notify_on_hook_success|fail` list by the
 *    hook result, OR the phase's hook is not configured, OR `use_hooks` is off — hence
 *    `event_end_notify_on_hook_success = none` does not stop end notifications without an end hook.
 * Updates are Herald's own (zmES has none): only webhooks hear of them.
 */
export function channelRuling (channel: ZmesChannel, facts: RoutingFacts, config: ZmesConfig): ChannelRuling {
  const { phase } = facts
  if (phase === 'update') {
    return channel === 'webhooks'
      ? { allowed: true, reason: 'alarm updates go to webhooks' }
      : { allowed: false, reason: 'alarm updates go to webhooks only' }
  }
  const ownPhases = channel === 'webhooks' || channel === 'targets'
  if (!ownPhases) {
    if (phase === 'start' && !config.customize.send_event_start_notification && channel !== 'api') {
      return { allowed: false, reason: 'send_event_start_notification is off' }
    }
    if (phase === 'end' && !config.customize.send_event_end_notification) {
      return { allowed: false, reason: 'send_event_end_notification is off' }
    }
  }
  if (!config.customize.use_hooks) return { allowed: true, reason: 'use_hooks is off' }
  if (!facts.hookConfigured) return { allowed: true, reason: `no event_${phase}_hook` }
  const success = facts.hookResult === 0
  const key = `event_${phase}_notify_on_hook_${success ? 'success' : 'fail'}` as const
  const list = config.hook[key]
  return list.includes(channel)
    ? { allowed: true, reason: `hook ${success ? 'succeeded' : 'failed'} and ${key} has ${channel}` }
    : { allowed: false, reason: `hook ${success ? 'succeeded' : 'failed'} and ${key} lacks ${channel}` }
}
