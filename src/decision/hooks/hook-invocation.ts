/**
 * The argument vectors zmES gives its hooks and userscripts (spec §9.2), in the same order. zmES
 * pasted them into the command string inside double quotes; Herald passes each one as a separate
 * argument (see shellArgv), so a monitor name such as `Front "door" $(reboot)` arrives verbatim and
 * runs nothing, and the userscript's JSON keeps its inner quotes.
 */
import type { HookRun } from './hook-run.js'

/** `start`/`end` are detection hooks (their output is parsed); userscripts run after them. */
export type HookKind = 'start' | 'end' | 'start-userscript' | 'end-userscript'

export interface HookInvocation {
  kind: HookKind
  /** The configured command string, run through `/bin/sh -c`. */
  command: string
  args: readonly string[]
  /** For logs and the decision record. */
  eventId: string
  monitorId: string
}

export interface HookEventContext {
  eventId: number | string
  monitorId: number | string
  monitorName: string
  /** ZM storage path + event relative path, e.g. `/var/cache/zoneminder/events/2/2019-10-06/33989`; null when unknown. */
  eventPath?: string | null
}

export interface HookArgOptions {
  /** `[hook] hook_pass_image_path`: append the event directory when it is known. @defaultValue false */
  passImagePath?: boolean
}

/** `<event_start_hook> <eid> <mid> <MonitorName> <start cause>` [`<event dir>`] */
export function startHookInvocation (command: string, event: HookEventContext, cause: string, options: HookArgOptions = {}): HookInvocation {
  return invocation('start', command, event, [String(event.eventId), String(event.monitorId), event.monitorName, cause], options)
}

/** `<event_end_hook> <eid> <mid> <MonitorName> <Events.Notes>` [`<event dir>`] */
export function endHookInvocation (command: string, event: HookEventContext, notes: string, options: HookArgOptions = {}): HookInvocation {
  return invocation('end', command, event, [String(event.eventId), String(event.monitorId), event.monitorName, notes], options)
}

/**
 * `<script> <hook result> <eid> <mid> <MonitorName> <hook text> <hook json>` [`<event dir>`], run
 * after the start or end hook whose run is `hook`.
 */
export function userScriptInvocation (
  script: string,
  phase: 'start' | 'end',
  hook: HookRun,
  event: HookEventContext,
  options: HookArgOptions = {}
): HookInvocation {
  const args = [String(hook.result), String(event.eventId), String(event.monitorId), event.monitorName, hook.text, hook.detectionJson]
  return invocation(`${phase}-userscript`, script, event, args, options)
}

/** `start hook`, `end userscript`: how logs name a run. */
export function describeKind (kind: HookKind): string {
  switch (kind) {
    case 'start': return 'start hook'
    case 'end': return 'end hook'
    case 'start-userscript': return 'start userscript'
    case 'end-userscript': return 'end userscript'
    default: {
      const never: never = kind
      return never
    }
  }
}

/** `start hook for event 123 of monitor 3`. */
export function describeInvocation (inv: HookInvocation): string {
  return `${describeKind(inv.kind)} for event ${inv.eventId} of monitor ${inv.monitorId}`
}

function invocation (kind: HookKind, command: string, event: HookEventContext, args: string[], options: HookArgOptions): HookInvocation {
  if (options.passImagePath === true && event.eventPath != null && event.eventPath !== '') args.push(event.eventPath)
  return { kind, command, args, eventId: String(event.eventId), monitorId: String(event.monitorId) }
}
