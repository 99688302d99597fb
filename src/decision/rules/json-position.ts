/**
 * Where a JSON text is broken, as line and column, for people editing es_rules.json by hand.
 * V8 names the offset in most messages ("… in JSON at position 123"), but not in all of them
 * (Node 20: `Unexpected token '}', "{"a":}" is not valid JSON`), so when it does not, a small
 * scanner finds the first character that cannot continue a valid JSON text.
 */

export interface JsonSyntaxProblem {
  /** 1-based. */
  readonly line: number
  /** 1-based, in UTF-16 code units (what editors that count characters show for BMP text). */
  readonly column: number
  readonly message: string
}

/** Describes the failure `error` (thrown by `JSON.parse(text)`) with its line and column. */
export function jsonSyntaxProblem (text: string, error: unknown): JsonSyntaxProblem {
  const v8 = error instanceof Error ? error.message : String(error)
  const at = /at position (\d+)/.exec(v8)
  const offset = at !== null
    ? Number(at[1])
    : /Unexpected end of JSON input/.test(v8) ? text.length : firstBadOffset(text)
  const message = v8
    .replace(/^(Unexpected token '[\s\S]{1,2}'), [\s\S]*$/, '$1')
    .replace(/, (?:\.\.\.)?"[\s\S]*" is not valid JSON$/, '')
    .replace(/ in JSON at position \d+.*$/s, '')
    .replace(/ \(line \d+ column \d+\)$/, '')
  return { ...lineAndColumn(text, Math.min(offset, text.length)), message: message === '' ? 'invalid JSON' : message }
}

export function lineAndColumn (text: string, offset: number): { line: number, column: number } {
  let line = 1
  let lineStart = 0
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++
    lineStart = i + 1
  }
  return { line, column: offset - lineStart + 1 }
}

/**
 * Offset of the first character that cannot continue a valid JSON text (text.length when the
 * text ends too early). Iterative, so a deeply nested text cannot overflow the stack.
 */
export function firstBadOffset (text: string): number {
  const n = text.length
  const stack: Array<'[' | '{'> = []
  let i = 0
  const skipSpace = (): void => { while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++ }
  const string = (): boolean => {
    i++
    while (i < n) {
      const c = text.charCodeAt(i)
      if (c === 0x22) { i++; return true }
      if (c < 0x20) return false
      if (c === 0x5c) {
        const e = text[i + 1]
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) { i += 2; return false }
          i += 6
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          i += 2
        } else {
          i++
          return false
        }
        continue
      }
      i++
    }
    return false
  }
  for (;;) {
    // A value is expected here.
    skipSpace()
    const c = text[i]
    if (c === '{' || c === '[') {
      i++
      skipSpace()
      if (text[i] === (c === '{' ? '}' : ']')) {
        i++
      } else {
        stack.push(c)
        if (c === '{') {
          if (text[i] !== '"' || !string()) return i
          skipSpace()
          if (text[i] !== ':') return i
          i++
        }
        continue
      }
    } else if (c === '"') {
      if (!string()) return i
    } else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400))
      if (m === null) return i + 1
      i += m[0].length
    } else {
      const word = ['true', 'false', 'null'].find((w) => w[0] === c)
      if (word === undefined) return i
      for (const ch of word) {
        if (text[i] !== ch) return i
        i++
      }
    }
    // After a value: close containers or move on to the next element.
    for (;;) {
      skipSpace()
      const top = stack[stack.length - 1]
      if (top === undefined) return i < n ? i : n
      if (text[i] === (top === '{' ? '}' : ']')) {
        stack.pop()
        i++
        continue
      }
      if (text[i] !== ',') return i
      i++
      if (top === '{') {
        skipSpace()
        if (text[i] !== '"' || !string()) return i
        skipSpace()
        if (text[i] !== ':') return i
        i++
      }
      break
    }
  }
}
