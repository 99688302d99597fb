/*
 * Every message the event server sends, in the exact shapes of spec §4 (zmES 6.1.29). Key order
 * follows the spec's examples; clients parse JSON, so it only matters to people reading captures.
 */

export type Reply = Readonly<Record<string, unknown>>

export type FailReason =
  | 'BADAUTH'
  | 'ESCONTROLDISABLED'
  | 'NOAUTH'
  | 'BADJSON'
  | 'PUSHDISABLED'
  | 'MISSINGPLATFORM'
  | 'MISSINGMONITORLIST'
  | 'MISSINGINTERVALLIST'
  | 'NOTCONTROL'
  | 'NODATA'
  | 'NOTSUPPORTED'
  // Herald's own, for cases zmES has no answer to (documented in event-server.ts).
  | 'RATELIMITED'
  | 'BADKEY'
  | 'BADVALUE'
  | 'BADMONITORLIST'
  | 'BADINTERVALLIST'

export function fail (event: string | null, type: string, reason: FailReason, extra: Reply = {}): Reply {
  return { event, type, status: 'Fail', reason, ...extra }
}

export function authSuccess (version: string): Reply {
  return { event: 'auth', type: '', status: 'Success', reason: '', version }
}

export function versionReply (version: string): Reply {
  return { event: 'control', type: 'version', status: 'Success', reason: '', version }
}

/** `{"event":"malformed",…}`: zmES's answer to text that is not a JSON object. */
export const BAD_JSON = fail('malformed', '', 'BADJSON')

/** escontrol successes: `get`, `mute`, `unmute` and `edit` have type '', `reset` and `restart` type 'command' (§3.7). */
export function escontrolSuccess (type: '' | 'command', request: unknown, extra: Reply = {}): Reply {
  return { event: 'escontrol', type, status: 'Success', request, ...extra }
}
