/*
 * The zmES registries the event server keeps: push tokens (tokens.txt), their per-monitor
 * throttle state, and the escontrol overrides. Store-backed and cached in memory, because the
 * alarm fan-out reads them for every connection of every alarm.
 */

export type PushState = 'enabled' | 'disabled'

/** One push token, with exactly the fields of a tokens.txt record (spec §6) plus Herald's. */
export interface PushToken {
  readonly token: string
  /** `android` | `ios` (other strings are kept as given). */
  readonly platform: string
  /** Comma-separated monitor ids; '' = all monitors. */
  readonly monlist: string
  /** Comma-separated seconds, positional with monlist; '' = no throttling. */
  readonly intlist: string
  readonly pushstate: PushState
  /** Client version, or `unknown`. */
  readonly appversion: string
  readonly badge: number
  /** Pushes this month; `at` is the month index 0–11 it belongs to. */
  readonly invocations: { readonly count: number, readonly at: number }
  /** zmES v7's optional profile name. */
  readonly profile: string | null
  readonly createdAt: number
  readonly updatedAt: number
}

export interface TokenRegistration {
  readonly token: string
  readonly platform: string
  /** Absent, '' or '-1': keep the current value (new tokens: all monitors). */
  readonly monlist?: string
  readonly intlist?: string
  /** Absent or '': enabled. */
  readonly pushstate?: string
  readonly appversion?: string
  readonly profile?: string
}

export interface TokenRegistry {
  /** Creates or updates a token; what is not given is kept. */
  register (registration: TokenRegistration): Promise<PushToken>
  get (token: string): PushToken | undefined
  list (): readonly PushToken[]
  setFilter (token: string, monlist: string, intlist: string): Promise<void>
  setBadge (token: string, badge: number): Promise<void>
  /** Counts one push for the token in the current month (resetting on a new month). */
  countInvocation (token: string, now: Date): Promise<void>
  /** Removes a token for good (unregistered or invalid); true when it existed. */
  remove (token: string): Promise<boolean>
  /**
   * Throttle state: when a start notification for `monitorId` last went to `recipient` (a token,
   * or a connection id for sockets without a token). Persisted for tokens, so intervals hold
   * across restarts.
   */
  lastSent (recipient: string, monitorId: string): number | undefined
  markSent (recipient: string, monitorId: string, at: number): Promise<void>
  /**
   * Drops the throttle state of a recipient that is not a token (a socket that closed), so
   * connection ids do not pile up in memory. A token's state is kept: it outlives its sockets.
   */
  forget (recipient: string): void
}

/** escontrol per-monitor state: 1 force notify, 0 normal rules, -1 force mute. */
export type MonitorNotifyState = -1 | 0 | 1

export interface ControlState {
  /** Option overrides from escontrol `edit`, by the name the client gave (`section.key` or `key`). */
  overrides (): ReadonlyMap<string, string>
  setOverride (key: string, value: string): Promise<void>
  monitorStates (): ReadonlyMap<string, MonitorNotifyState>
  setMonitorStates (monitorIds: readonly string[], state: MonitorNotifyState): Promise<void>
  /** escontrol `reset`: clears every override and sets every known monitor to 0. */
  reset (): Promise<void>
}
