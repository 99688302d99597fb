import strftime from 'strftime'
import { ConfigError } from '../../errors.js'

/*
 * strftime in a named time zone, for the time in push texts (`[fcm] date_format`). zmES formats
 * with Perl's POSIX::strftime in the C locale on the server's local time; Herald formats in
 * `[customize] timezone` when it is set.
 *
 * The `strftime` package can only shift by one fixed offset, and its `%Z` names the process's zone
 * whatever offset it was given. So the zone's offset at the formatted instant is read from Intl
 * (DST-correct: the offset of that instant, not of today), the wall time is formatted as if it were
 * UTC, and the three conversions that depend on the zone itself (`%z`, `%:z`, `%Z`) and the one that
 * depends on the instant (`%s`) are filled in beforehand.
 */

const utcStrftime = strftime.utc()

/* A conversion with its flags: `%%` stays as it is; only the zone-dependent ones are replaced. */
const CONVERSION = /%([-_0^#:]*)([A-Za-z%+])/g

/*
 * Composite conversions as the C locale spells them (Perl's POSIX::strftime under zmES). The
 * package's en-US `%c` ends in `%Z`, which would name the wrong zone, so composites are expanded
 * here first.
 */
const C_LOCALE: Readonly<Record<string, string>> = {
  c: '%a %b %e %H:%M:%S %Y', D: '%m/%d/%y', F: '%Y-%m-%d', R: '%H:%M', T: '%H:%M:%S', X: '%H:%M:%S', x: '%m/%d/%y', r: '%I:%M:%S %p', v: '%e-%b-%Y'
}

export class ZonedStrftime {
  /** The resolved IANA name, e.g. `Europe/Berlin`. */
  readonly timeZone: string
  readonly #parts: Intl.DateTimeFormat
  readonly #zoneName: Intl.DateTimeFormat

  /**
   * @param timeZone IANA name; undefined or '' = the server's zone.
   * @param field the configuration key named when `timeZone` is unknown.
   * @throws ConfigError (HRD_ERR_CONFIG_INVALID) when Node does not know the zone.
   */
  constructor (timeZone?: string, field = 'customize.timezone') {
    const zone = timeZone === '' ? undefined : timeZone
    try {
      this.#parts = new Intl.DateTimeFormat('en-US', {
        timeZone: zone, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', hourCycle: 'h23'
      })
      this.#zoneName = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'short' })
    } catch {
      throw new ConfigError([{ field, message: `"${String(timeZone)}" is not a time zone this system knows; use an IANA name such as Europe/Berlin or America/New_York` }])
    }
    this.timeZone = this.#parts.resolvedOptions().timeZone
  }

  /** Offset of the zone from UTC at `at`, in minutes (east positive: Berlin in summer is 120). */
  offsetMinutes (at: number): number {
    const p: Record<string, number> = {}
    for (const part of this.#parts.formatToParts(at)) {
      if (part.type !== 'literal') p[part.type] = Number(part.value)
    }
    const wall = Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1, (p.hour ?? 0) % 24, p.minute ?? 0, p.second ?? 0)
    return Math.round((wall - Math.floor(at / 1000) * 1000) / 60_000)
  }

  /** Formats `at` (ms since the epoch) with strftime conversions, English names (the C locale). */
  format (format: string, at: number): string {
    const offset = this.offsetMinutes(at)
    const expanded = format.replace(CONVERSION, (whole: string, _flags: string, conv: string) => C_LOCALE[conv] ?? whole)
    const prepared = expanded.replace(CONVERSION, (whole: string, flags: string, conv: string) => {
      switch (conv) {
        case 'z': return escapePercent(offsetText(offset, flags.includes(':')))
        case 'Z': return escapePercent(this.#abbreviation(at))
        case 's': return String(Math.floor(at / 1000))
        default: return whole
      }
    })
    return utcStrftime(prepared, new Date(at + offset * 60_000))
  }

  #abbreviation (at: number): string {
    return this.#zoneName.formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? ''
  }
}

function offsetText (minutes: number, colon: boolean): string {
  const sign = minutes < 0 ? '-' : '+'
  const abs = Math.abs(minutes)
  const hh = String(Math.floor(abs / 60)).padStart(2, '0')
  const mm = String(abs % 60).padStart(2, '0')
  return `${sign}${hh}${colon ? ':' : ''}${mm}`
}

function escapePercent (text: string): string {
  return text.replaceAll('%', '%%')
}
