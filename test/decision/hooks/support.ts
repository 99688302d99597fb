import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { pino, type Logger } from 'pino'

/* What the hook tests share: the fixture scripts, a capturing logger, and process checks. */

const FIXTURES = fileURLToPath(new URL('../../fixtures/hooks/', import.meta.url))
export const fixture = (name: string): string => join(FIXTURES, name)

export interface LogLine { level: number, msg: string, [key: string]: unknown }
export const WARN = 40

export function captureLogs (onLine?: (line: LogLine) => void): { logger: Logger, lines: LogLine[] } {
  const lines: LogLine[] = []
  const logger = pino({ level: 'debug' }, {
    write (chunk: string) {
      const line = JSON.parse(chunk) as LogLine
      lines.push(line)
      onLine?.(line)
    }
  })
  return { logger, lines }
}

/** Gone: no /proc entry, or a zombie nobody has reaped yet (it runs nothing any more). */
export function isGone (pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
    return state === 'Z' || state === 'X'
  } catch {
    return true
  }
}
