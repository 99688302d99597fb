import { ConfigError } from '../../errors.js'
import { WEEKDAYS, type Weekday } from './rules-file.js'

/** The wall clock of one place at one instant: what es_rules compare against. */
export interface LocalTime {
  readonly weekday: Weekday
  readonly hour: number
  readonly minute: number
  readonly second: number
}

/**
 * The zone es_rules read their times in: the server's own by default (as zmES, which uses
 * localtime), or an IANA name from `[customize] timezone`. Intl does the conversion, so an instant
 * inside a DST change maps to the wall time people saw then; no dependency needed.
 */
export class RulesTimeZone {
  /** The resolved IANA name, e.g. `Europe/Berlin`. */
  readonly name: string
  readonly #format: Intl.DateTimeFormat

  /**
   * @param timeZone IANA name; undefined or '' = the server's zone.
   * @param field the configuration key named when `timeZone` is unknown.
   * @throws ConfigError (HRD_ERR_CONFIG_INVALID) when the name is not a zone Node knows.
   */
  constructor (timeZone?: string, field = 'customize.timezone') {
    const zone = timeZone === '' ? undefined : timeZone
    try {
      this.#format = new Intl.DateTimeFormat('en-US', {
        timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23'
      })
    } catch {
      throw new ConfigError([{ field, message: `"${String(timeZone)}" is not a time zone this system knows; use an IANA name such as Europe/Berlin or America/New_York` }])
    }
    this.name = this.#format.resolvedOptions().timeZone
  }

  localTime (at: number): LocalTime {
    let weekday: Weekday = 'Sun'
    let hour = 0
    let minute = 0
    let second = 0
    for (const part of this.#format.formatToParts(at)) {
      if (part.type === 'weekday') weekday = WEEKDAYS.find((d) => d === part.value) ?? weekday
      else if (part.type === 'hour') hour = Number(part.value) % 24
      else if (part.type === 'minute') minute = Number(part.value)
      else if (part.type === 'second') second = Number(part.value)
    }
    return { weekday, hour, minute, second }
  }
}
