import { toError } from '../../errors.js'
import { TargetUrlProblem, splitTargetUrl, type AppriseUrl } from './apprise-url.js'
import { DiscordTarget } from './discord.js'
import { EmailTarget } from './email.js'
import { GotifyTarget } from './gotify.js'
import { NtfyTarget } from './ntfy.js'
import { PushoverTarget } from './pushover.js'
import type { ServiceTarget } from './service.js'
import { SlackTarget } from './slack.js'
import { TelegramTarget } from './telegram.js'

/** The one table of schemes. */
const SCHEMES: Readonly<Record<string, (url: AppriseUrl) => ServiceTarget>> = {
  ntfy: (u) => new NtfyTarget(u),
  ntfys: (u) => new NtfyTarget(u),
  gotify: (u) => new GotifyTarget(u),
  gotifys: (u) => new GotifyTarget(u),
  pover: (u) => new PushoverTarget(u),
  tgram: (u) => new TelegramTarget(u),
  slack: (u) => new SlackTarget(u),
  discord: (u) => new DiscordTarget(u),
  mailto: (u) => new EmailTarget(u),
  mailtos: (u) => new EmailTarget(u)
}

/** Hosts whose raw https webhook URLs are accepted as they are, besides the Apprise forms. */
const RAW_HTTPS: ReadonlyArray<readonly [RegExp, (url: AppriseUrl) => ServiceTarget]> = [
  [/^hooks\.slack\.com$/i, (u) => new SlackTarget(u)],
  [/^(?:(?:ptb|canary)\.)?discord(?:app)?\.com$/i, (u) => new DiscordTarget(u)]
]

export const TARGET_SCHEMES: readonly string[] = Object.freeze([...Object.keys(SCHEMES), 'https (Slack and Discord webhook URLs)'])

export type ParsedTargetUrl =
  | { readonly ok: true, readonly target: ServiceTarget }
  | { readonly ok: false, readonly message: string }

/**
 * Reads one target URL. Never throws, whatever the input (10 kB, control characters, half a
 * URL): every problem comes back as a sentence that says what is wrong, for an INI error or a
 * 400 answer to name.
 */
export function parseTargetUrl (raw: unknown): ParsedTargetUrl {
  if (typeof raw !== 'string') return { ok: false, message: 'must be a string' }
  if (raw.trim() === '') return { ok: false, message: 'must not be empty' }
  try {
    const url = splitTargetUrl(raw.trim())
    const make = url.scheme === 'https' ? rawHttps(url) : SCHEMES[url.scheme]
    if (make === undefined) {
      const known = Object.keys(SCHEMES).map((s) => `${s}://`).join(', ')
      const hint = url.scheme === 'http' || url.scheme === 'https' ? ' (plain http(s) URLs are not targets: use a webhook for them)' : ''
      return { ok: false, message: `has an unknown scheme "${url.scheme.slice(0, 32)}://"${hint}; known: ${known}, and Slack or Discord https:// webhook URLs` }
    }
    return { ok: true, target: make(url) }
  } catch (err) {
    if (err instanceof TargetUrlProblem) return { ok: false, message: passwordCutShort(raw.trim()) ? PASSWORD_CUT_SHORT : err.message }
    // A parser bug must not take the API or the start down with it; it is still reported.
    return { ok: false, message: `cannot be read: ${toError(err).message}` }
  }
}

function rawHttps (url: AppriseUrl): ((url: AppriseUrl) => ServiceTarget) | undefined {
  if (url.user !== undefined) return undefined
  for (const [host, make] of RAW_HTTPS) if (host.test(url.authority)) return make
  return undefined
}

const PASSWORD_CUT_SHORT = 'has a user:password part that seems to hold an unencoded "/", "?" or "#", which end the host part of a URL; ' +
  'percent-encode them in the password (%2F, %3F, %23)'

/**
 * `ntfys://alice:pa/ss@host/topic`: the `/` ends the host part early, so "pa" reads as a port and
 * what follows as a path or an option, and the problem found would quote a piece of the password.
 * Recognised by a user:password-like start (a `:` followed by something that is not a port) and
 * an `@` further on; the answer then says what to fix without quoting anything.
 */
function passwordCutShort (raw: string): boolean {
  const rest = raw.replace(/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//, '')
  const end = rest.search(/[/?#]/)
  if (end < 0) return false
  const head = rest.slice(0, end)
  const colon = head.indexOf(':')
  return !head.includes('@') && colon >= 0 && !/^\d*$/.test(head.slice(colon + 1)) && rest.indexOf('@', end) > end
}
