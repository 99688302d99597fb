/*
 * Typed readings of zmES option text, after the §5.1 steps (secret, override, yes/no → 1/0,
 * templates, trim). They follow what zmeventnotification.pl does with the value, and say so in a
 * warning where Perl's reading would surprise an operator.
 */

/**
 * `message` says why the text is not a value of the option's type. A `warning` accompanies a value
 * that is accepted but probably not what its author meant.
 */
export type Parsed<T> =
  | { readonly ok: true, readonly value: T, readonly warning?: string }
  | { readonly ok: false, readonly message: string }

const ok = <T>(value: T, warning?: string): Parsed<T> => warning === undefined ? { ok: true, value } : { ok: true, value, warning }
const bad = <T>(message: string): Parsed<T> => ({ ok: false, message })

export function text (value: string): Parsed<string> {
  return ok(value)
}

/** Words an operator writes for "off" that Perl nevertheless reads as true. */
const FALSE_LOOKING = new Set(['false', 'off', 'none', 'n', 'disable', 'disabled'])

/**
 * Perl truthiness, as zmES tests its booleans: after yes/no became 1/0, only `0` and the empty
 * string are false. `off` or `false` therefore mean true, exactly as in zmES; the warning says so.
 */
export function perlBoolean (value: string): Parsed<boolean> {
  const truthy = value !== '' && value !== '0'
  if (truthy && FALSE_LOOKING.has(value.toLowerCase())) {
    return ok(true, `"${value}" counts as true, as in zmES (only no, 0 and an empty value are false); write no`)
  }
  return ok(truthy)
}

const INTEGER = /^[+-]?\d+$/

/**
 * Plain decimal integers within [min, max]. Perl would read `5s` as 5 and `abc` as 0; a typo in a
 * port or a timeout is better reported than guessed.
 */
export function integer (min?: number, max?: number): (value: string) => Parsed<number> {
  const rule = min !== undefined && max !== undefined
    ? `an integer from ${min} to ${max}`
    : min !== undefined ? `an integer of at least ${min}` : 'an integer'
  return (value) => {
    const n = INTEGER.test(value) ? Number(value) : Number.NaN
    if (!Number.isSafeInteger(n) || (min !== undefined && n < min) || (max !== undefined && n > max)) {
      return bad(`must be ${rule}, got ${JSON.stringify(value)}`)
    }
    return ok(n)
  }
}

/** A free-form word that zmES passes on; other words are kept but flagged. */
export function oneOfWords (words: readonly string[]): (value: string) => Parsed<string> {
  return (value) => words.includes(value)
    ? ok(value)
    : ok(value, `expected one of ${words.join(', ')}, got ${JSON.stringify(value)}; passed on as written`)
}

/**
 * `skip_monitors`, `hook_skip_monitors`: comma-separated monitor ids. zmES splits on `,` without
 * trimming, so `3, 5` silently fails to skip monitor 5 there; Herald trims each item.
 */
export function monitorIds (value: string): Parsed<number[]> {
  const ids: number[] = []
  const wrong: string[] = []
  for (const item of value.split(',')) {
    const id = item.trim()
    if (id === '') continue
    const n = /^\d+$/.test(id) ? Number(id) : 0
    if (!Number.isSafeInteger(n) || n < 1) wrong.push(id)
    else if (!ids.includes(n)) ids.push(n)
  }
  if (wrong.length > 0) {
    return bad(`must be a comma-separated list of monitor ids (positive integers), got ${wrong.map((w) => JSON.stringify(w)).join(', ')}`)
  }
  return ok(ids)
}

/**
 * The channels a `*_notify_on_hook_*` list can name: zmES's four, then Herald's own (`webhooks`
 * with an `alarms` filter section, and the push `targets`). `all` is every one of them: an operator
 * who writes `all` means everything Herald can tell.
 */
export type ZmesChannel = 'web' | 'fcm' | 'mqtt' | 'api' | 'webhooks' | 'targets'
export const ZMES_CHANNELS: readonly ZmesChannel[] = Object.freeze(['web', 'fcm', 'mqtt', 'api', 'webhooks', 'targets'])

/**
 * `*_notify_on_hook_*` lists: comma-separated, case-insensitive, blanks allowed; `all` is every
 * channel; `none` and unknown words add none (spec §5.2). Unknown words are not an error in zmES,
 * but a misspelt channel silently disables notifications, hence the warning.
 */
export function notifyChannels (value: string): Parsed<ZmesChannel[]> {
  const chosen = new Set<ZmesChannel>()
  const unknown: string[] = []
  for (const item of value.toLowerCase().split(',')) {
    const word = item.trim()
    if (word === '' || word === 'none') continue
    if (word === 'all') for (const channel of ZMES_CHANNELS) chosen.add(channel)
    else if ((ZMES_CHANNELS as readonly string[]).includes(word)) chosen.add(word as ZmesChannel)
    else unknown.push(word)
  }
  const channels = ZMES_CHANNELS.filter((c) => chosen.has(c))
  if (unknown.length === 0) return ok(channels)
  const words = unknown.map((w) => JSON.stringify(w)).join(', ')
  return ok(channels, `unknown channel ${words} means no channel (valid: web, fcm, mqtt, api, webhooks, targets, all, none)`)
}
