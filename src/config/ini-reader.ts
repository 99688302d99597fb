/*
 * A deliberately small INI reader that reads files the way zmES's Config::IniFiles does, so a
 * zmeventnotification.ini means the same thing to Herald as to the original. The `ini` npm package
 * is not used: it strips inline `;`/`#`, which truncates real values such as `pass#word` or
 * `https://x/?a=1;b=2`.
 */

export interface IniEntry {
  /** Raw value: trimmed, otherwise exactly as written (surrounding quotes are kept, as in zmES). */
  value: string
  /** 1-based line number, for error messages. */
  line: number
}

export interface ConfigProblem {
  file: string
  /** 1-based line number. */
  line: number
  message: string
  /** `warning`: the file still has one clear meaning (e.g. a repeated key); `error`: it does not. */
  severity: 'error' | 'warning'
}

export interface IniDocument {
  file: string
  /** Section name as written (case-sensitive) → key as written → entry. Keys before any section go to ''. */
  sections: Map<string, Map<string, IniEntry>>
  problems: ConfigProblem[]
}

/** Longest excerpt of an unparsable line quoted back in a problem; the line might hold a secret. */
const MAX_EXCERPT = 40

/**
 * Parses INI text. Never throws: anything it cannot read becomes a problem with its line number,
 * and the caller decides whether problems are fatal.
 */
export function parseIni (text: string, file = '<string>'): IniDocument {
  const sections = new Map<string, Map<string, IniEntry>>()
  const problems: ConfigProblem[] = []
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  const lines = body.split(/\r\n|\n|\r/)
  let sectionName: string | undefined
  let section: Map<string, IniEntry> | undefined
  const sectionLine = new Map<string, number>()

  const problem = (line: number, message: string, severity: ConfigProblem['severity'] = 'error'): void => {
    problems.push({ file, line, message, severity })
  }

  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1
    const line = (lines[i] ?? '').trim()
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue

    if (line.startsWith('[')) {
      const name = line.endsWith(']') ? line.slice(1, -1).trim() : ''
      if (name === '') {
        problem(lineNo, `malformed section header ${excerpt(line)}; expected "[name]"`)
        // Keys below a broken header must not silently land in the previous section.
        sectionName = undefined
        section = undefined
        continue
      }
      const existing = sections.get(name)
      if (existing !== undefined) {
        problem(lineNo, `section [${name}] appears again (first at line ${sectionLine.get(name) ?? '?'}); its keys are merged`, 'warning')
        section = existing
      } else {
        section = new Map()
        sections.set(name, section)
        sectionLine.set(name, lineNo)
      }
      sectionName = name
      continue
    }

    const eq = line.indexOf('=')
    if (eq < 0) {
      problem(lineNo, `expected "[section]", "key = value" or a comment, got ${excerpt(line)}`)
      continue
    }
    const key = line.slice(0, eq).trim()
    const value = line.slice(eq + 1).trim()
    if (key === '') {
      problem(lineNo, 'missing key name before "="')
      continue
    }
    let target = section
    if (target === undefined || sectionName === undefined) {
      problem(lineNo, `key "${key}" outside of a section`)
      target = sections.get('') ?? new Map<string, IniEntry>()
      sections.set('', target)
    }
    const previous = target.get(key)
    if (previous !== undefined) {
      problem(lineNo, `duplicate key "${key}" in [${sectionName ?? ''}] (first at line ${previous.line}; last one wins)`, 'warning')
    }
    target.set(key, { value, line: lineNo })
  }
  return { file, sections, problems }
}

function excerpt (line: string): string {
  return JSON.stringify(line.length > MAX_EXCERPT ? `${line.slice(0, MAX_EXCERPT)}…` : line)
}
