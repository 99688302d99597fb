/*
 * Push tokens never reach a log line whole: with zmNinja's public proxy key, a token is all it
 * takes to push to that phone. zmES showed the last 10 characters; Herald shows the first 6, which
 * are as distinctive and line up with how the token list of the API is shown.
 */

export function maskToken (token: string): string {
  return token.length <= 6 ? '…' : `${token.slice(0, 6)}…`
}

/** A lane `fcm:<token>` as a log line may show it. */
export function maskLane (lane: string): string {
  const i = lane.indexOf(':')
  return i === -1 ? lane : `${lane.slice(0, i + 1)}${maskToken(lane.slice(i + 1))}`
}
