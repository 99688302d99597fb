import { HERALD_VERSION } from '../../version.js'

/**
 * The version zmNinja sees when Herald does not report its own (below). zmNinja refuses servers
 * older than 6.0 with an "upgrade the ES" popup, and compares versions numerically part by part,
 * so the value must be a plain `major.minor.patch`. 7.0.0 says "speaks the 6.1.29 protocol plus
 * v7's additions" (websocket `Picture`, token `profile`), which is what Herald implements.
 */
export const ES_COMPAT_VERSION = '7.0.0'

/** The `version` of the auth and control/version replies: Herald's own once it is ≥ 6.0. */
export function esVersion (herald: string = HERALD_VERSION): string {
  const major = Number(/^(\d+)\./.exec(herald)?.[1] ?? Number.NaN)
  return Number.isInteger(major) && major >= 6 && /^\d+\.\d+\.\d+$/.test(herald) ? herald : ES_COMPAT_VERSION
}
