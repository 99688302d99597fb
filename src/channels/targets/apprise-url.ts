/*
 * The scheme-independent part of an Apprise-style target URL. WHATWG `URL` cannot be used: these
 * URLs put tokens where URL syntax expects a host (`pover://<user key>@<app token>`,
 * `tgram://123456:AAH…/42`, which `URL` reads as a host with port "AAH…"). So the string is only
 * cut into its pieces here, `scheme://[user[:password]@]authority[/segment…][?query]`, and each
 * service decides what its pieces mean. `#` is an ordinary character: no target has a fragment,
 * Apprise writes Slack channels as `/#channel`, and a password or a click URL may hold one.
 */

/** Longer than any real target URL (an e-mail target with a dozen recipients is ~600 characters). */
export const MAX_URL_LENGTH = 4096

/** Shown instead of a password or token. */
export const MASK = '****'

/**
 * What is wrong with a URL, in words for the person who wrote it. Thrown by the parsers and
 * caught by parseTargetUrl, which turns it into a ConfigError (INI) or a ValidationError (API).
 */
export class TargetUrlProblem extends Error {
  override readonly name = 'TargetUrlProblem'
}

export interface AppriseUrl {
  /** Lower-cased. */
  readonly scheme: string
  /** Percent-decoded; undefined when there is no `@`. */
  readonly user: string | undefined
  /** Percent-decoded; undefined when the user part has no `:`. */
  readonly password: string | undefined
  /** Percent-decoded text between `://` (or `@`) and the first `/`: a host, host:port or a token. */
  readonly authority: string
  /** Percent-decoded path segments; empty segments (`//`, a trailing `/`) are left out. */
  readonly segments: readonly string[]
  /** Lower-cased keys, percent-decoded values. */
  readonly query: ReadonlyMap<string, string>
  /** The pieces as written, for masked display. */
  readonly raw: {
    readonly user: string | undefined
    readonly password: string | undefined
    readonly authority: string
    readonly segments: readonly string[]
    readonly query: string | undefined
  }
}

// Spaces and control characters (C0, DEL, C1) never belong in a URL; decoded, they would end up
// in a header (X-Gotify-Key) or an SMTP command.
const CONTROL = /[\u0000-\u0020\u007f-\u009f]/
const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]{0,31}):\/\//

/** Cuts a target URL into its pieces. @throws TargetUrlProblem */
export function splitTargetUrl (raw: string): AppriseUrl {
  if (raw.length > MAX_URL_LENGTH) throw new TargetUrlProblem(`is ${raw.length} characters long; at most ${MAX_URL_LENGTH} are accepted`)
  const control = CONTROL.exec(raw)
  if (control !== null) {
    throw new TargetUrlProblem(`contains ${control[0] === ' ' ? 'a space' : 'a control character'} at position ${control.index + 1} (write spaces and special characters percent-encoded)`)
  }
  const scheme = SCHEME.exec(raw)
  if (scheme === null) throw new TargetUrlProblem('is not a target URL: expected <service>://… such as ntfys://host/topic')
  let rest = raw.slice(scheme[0].length)

  let rawQuery: string | undefined
  const question = rest.indexOf('?')
  if (question >= 0) {
    rawQuery = rest.slice(question + 1)
    rest = rest.slice(0, question)
  }
  const slash = rest.indexOf('/')
  const authorityPart = slash >= 0 ? rest.slice(0, slash) : rest
  const rawSegments = slash >= 0 ? rest.slice(slash + 1).split('/').filter((s) => s !== '') : []

  // The last `@` ends the user part: a password may hold an unencoded `@`, a host never does.
  const at = authorityPart.lastIndexOf('@')
  const userInfo = at >= 0 ? authorityPart.slice(0, at) : undefined
  const rawAuthority = at >= 0 ? authorityPart.slice(at + 1) : authorityPart
  let rawUser: string | undefined
  let rawPassword: string | undefined
  if (userInfo !== undefined) {
    const colon = userInfo.indexOf(':')
    rawUser = colon >= 0 ? userInfo.slice(0, colon) : userInfo
    rawPassword = colon >= 0 ? userInfo.slice(colon + 1) : undefined
  }

  return {
    scheme: (scheme[1] as string).toLowerCase(),
    user: rawUser === undefined ? undefined : decode(rawUser, 'the user name'),
    password: rawPassword === undefined ? undefined : decode(rawPassword, 'the password'),
    authority: decode(rawAuthority, 'the host'),
    segments: rawSegments.map((s, i) => decode(s, `path segment ${i + 1}`)),
    query: parseQuery(rawQuery),
    raw: { user: rawUser, password: rawPassword, authority: rawAuthority, segments: rawSegments, query: rawQuery }
  }
}

function decode (text: string, what: string): string {
  let decoded: string
  try {
    decoded = decodeURIComponent(text)
  } catch {
    throw new TargetUrlProblem(`has a malformed percent-encoding in ${what}`)
  }
  if (CONTROL.test(decoded.replaceAll(' ', ''))) throw new TargetUrlProblem(`has a control character in ${what} (after percent-decoding)`)
  return decoded
}

function parseQuery (rawQuery: string | undefined): Map<string, string> {
  const query = new Map<string, string>()
  if (rawQuery === undefined) return query
  for (const pair of rawQuery.split('&')) {
    if (pair === '') continue
    const eq = pair.indexOf('=')
    const key = decode(eq >= 0 ? pair.slice(0, eq) : pair, 'a query option name').toLowerCase()
    const value = eq >= 0 ? decode(pair.slice(eq + 1), `?${key}=`) : ''
    if (query.has(key)) throw new TargetUrlProblem(`gives ?${key}= twice`)
    query.set(key, value)
  }
  return query
}

/** Rejects query options a service does not know: a misspelt `?priorty=` must not be silently ignored. */
export function checkOptions (url: AppriseUrl, service: string, known: readonly string[]): void {
  for (const key of url.query.keys()) {
    if (!known.includes(key)) {
      throw new TargetUrlProblem(`has an unknown option ?${key}= (${service} knows ${known.map((k) => `?${k}=`).join(', ')})`)
    }
  }
}

export interface HostPort {
  readonly host: string
  readonly port: number | undefined
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/
const IPV6 = /^\[[0-9A-Fa-f:.]{2,45}\]$/

/** The authority as a host name (or `[IPv6]`) and an optional port. @throws TargetUrlProblem */
export function hostPort (url: AppriseUrl): HostPort {
  const authority = url.authority
  if (authority === '') throw new TargetUrlProblem('has no host')
  let host = authority
  let port: string | undefined
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']')
    host = end >= 0 ? authority.slice(0, end + 1) : authority
    const after = end >= 0 ? authority.slice(end + 1) : ''
    if (after !== '') {
      if (!after.startsWith(':')) throw new TargetUrlProblem(`has a malformed host "${authority}"`)
      port = after.slice(1)
    }
  } else {
    const colon = authority.indexOf(':')
    if (colon >= 0) {
      host = authority.slice(0, colon)
      port = authority.slice(colon + 1)
    }
  }
  if (!HOSTNAME.test(host) && !IPV6.test(host)) throw new TargetUrlProblem(`has an invalid host name "${clip(host)}"`)
  if (port === undefined) return { host, port: undefined }
  const n = Number(port)
  if (!/^\d{1,5}$/.test(port) || n < 1 || n > 65535) throw new TargetUrlProblem(`has an invalid port "${clip(port)}" (1 to 65535)`)
  return { host, port: n }
}

export function origin (tls: boolean, hp: HostPort): string {
  return `${tls ? 'https' : 'http'}://${hp.host}${hp.port === undefined ? '' : `:${hp.port}`}`
}

/**
 * `?base=`: where a service's API lives, for self-hosting, proxies and tests
 * (`?base=http://127.0.0.1:8099`). An http(s) URL without credentials, query or fragment; a path
 * is kept as a prefix. Returned without a trailing slash. @throws TargetUrlProblem
 */
export function baseOption (url: AppriseUrl): string | undefined {
  const value = url.query.get('base')
  if (value === undefined) return undefined
  let parsed: URL
  try {
    parsed = new URL(value)
  } catch {
    throw new TargetUrlProblem('has an invalid ?base= (expected http://host[:port][/path])')
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TargetUrlProblem('has a ?base= that is not http:// or https://')
  if (parsed.username !== '' || parsed.password !== '') throw new TargetUrlProblem('has credentials in ?base=; they belong in the target URL itself')
  if (parsed.search !== '' || parsed.hash !== '') throw new TargetUrlProblem('has a query or # in ?base=')
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`
}

/** `yes`/`no` style option; `fallback` when absent. @throws TargetUrlProblem */
export function flagOption (url: AppriseUrl, key: string, fallback: boolean): boolean {
  const value = url.query.get(key)
  if (value === undefined) return fallback
  switch (value.toLowerCase()) {
    case 'yes': case 'true': case '1': case 'on': return true
    case 'no': case 'false': case '0': case 'off': return false
    default: throw new TargetUrlProblem(`has ?${key}=${clip(value)}; expected yes or no`)
  }
}

export interface MaskParts {
  readonly user?: boolean
  readonly password?: boolean
  readonly authority?: boolean
  /** Indexes into `segments`. */
  readonly segments?: readonly number[]
}

/** The URL as written, with the parts that hold secrets replaced by `****`. */
export function maskedUrl (url: AppriseUrl, hide: MaskParts): string {
  const r = url.raw
  let out = `${url.scheme}://`
  if (r.user !== undefined) {
    out += hide.user === true ? MASK : r.user
    if (r.password !== undefined) out += `:${hide.password === true ? MASK : r.password}`
    out += '@'
  }
  out += hide.authority === true ? MASK : r.authority
  r.segments.forEach((s, i) => { out += `/${hide.segments?.includes(i) === true ? MASK : s}` })
  if (r.query !== undefined && r.query !== '') out += `?${r.query}`
  return out
}

/** A piece of hostile input quoted back in an error, cut short. */
export function clip (text: string, max = 40): string {
  return text.length > max ? `${text.slice(0, max)}…` : text
}
