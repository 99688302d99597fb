/** Herald's own version (package.json keeps the same), reported in User-Agent and /healthz. */
export const HERALD_VERSION = '0.1.0'
