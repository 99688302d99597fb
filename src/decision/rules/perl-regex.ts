/**
 * zmES matches `cause_has` as a Perl regex (`lc($cause) =~ qr/$cause_has/i`). Herald runs it as a
 * JavaScript RegExp with the `i` flag (no `u`, so Perl's `\-`, `\:` identity escapes keep working).
 * The translation is one left-to-right walk: syntax both engines read alike is copied, the few
 * Perl spellings with a safe JavaScript equivalent are rewritten, and everything else is refused
 * with a sentence naming the feature, because JavaScript would otherwise read it silently as
 * something different (`\h` as the letter h, `\Z` as Z). docs/rules.md lists the refusals.
 *
 * The same walk is the ReDoS guard that src/decision/filters/validate-filters.ts applies to
 * `cause_regex` (the rules run on every alarm): a quantified group that contains a quantifier,
 * like `(a+)+`, and backreferences are refused.
 */

export type PerlRegexResult =
  | { readonly ok: true, readonly source: string, readonly regex: RegExp }
  | { readonly ok: false, readonly message: string }

class Refused extends Error {}

const SAME_ESCAPES = new Set(['d', 'D', 'w', 'W', 's', 'S', 't', 'n', 'r', 'f'])
const REFUSED_ESCAPES: Readonly<Record<string, string>> = {
  G: '\\G (match position)',
  K: '\\K (keep left part)',
  R: '\\R (any line break)',
  X: '\\X (grapheme cluster)',
  C: '\\C (single byte)',
  N: '\\N (non-newline / named character)',
  h: '\\h (horizontal whitespace)',
  H: '\\H (non-horizontal whitespace)',
  v: '\\v (vertical whitespace)',
  V: '\\V (non-vertical whitespace)',
  p: '\\p{…} (Unicode property)',
  P: '\\P{…} (Unicode property)',
  g: '\\g (backreference)',
  k: '\\k (named backreference)',
  Q: '\\Q…\\E (quoting is done by Perl string interpolation, so it never worked in es_rules.json either; escape the characters instead)',
  E: '\\E (end of \\Q/\\U/\\L)',
  U: '\\U (upper-case interpolation)',
  L: '\\L (lower-case interpolation)',
  u: '\\u (upper-case interpolation)',
  l: '\\l (lower-case interpolation)'
}
const QUANTIFIER = /^\{(\d+)(,\d*)?\}|^\{,(\d+)\}/

/** Translates a Perl `cause_has` into a case-insensitive JavaScript RegExp, or says why it cannot. */
export function translatePerlRegex (perl: string): PerlRegexResult {
  let source: string
  try {
    source = translate(perl)
  } catch (error) {
    if (error instanceof Refused) return { ok: false, message: error.message }
    throw error
  }
  try {
    // Same flag as the matcher, so what is accepted here is exactly what runs there.
    return { ok: true, source, regex: new RegExp(source, 'i') }
  } catch (error) {
    // V8 repeats the pattern ("Invalid regular expression: /(/i: Unterminated group"); keep the reason.
    const v8 = error instanceof Error ? error.message : String(error)
    const reason = v8.lastIndexOf('/i: ') === -1 ? v8 : v8.slice(v8.lastIndexOf('/i: ') + 4)
    return { ok: false, message: `invalid regular expression: ${reason}` }
  }
}

function refuse (what: string, position: number): never {
  throw new Refused(`${what} at character ${position + 1} is not supported`)
}

function translate (perl: string): string {
  const out: string[] = []
  /* One entry per open group: whether it contains a (star-height-raising) quantifier. */
  const groups: boolean[] = []
  /* Whether the atom just closed is a group holding a quantifier. */
  let lastGroupHadQuantifier = false
  let i = 0
  while (i < perl.length) {
    const c = perl[i] as string
    const closedGroup = lastGroupHadQuantifier
    lastGroupHadQuantifier = false
    if (c === '\\') {
      const [text, next] = escape(perl, i, false)
      out.push(text)
      i = next
      continue
    }
    if (c === '[') {
      const [text, next] = characterClass(perl, i)
      out.push(text)
      i = next
      continue
    }
    if (c === '(') {
      const [text, next, opens] = groupOpening(perl, i)
      out.push(text)
      if (opens) groups.push(false)
      i = next
      continue
    }
    if (c === ')') {
      const inner = groups.pop() ?? false
      if (inner && groups.length > 0) groups[groups.length - 1] = true
      lastGroupHadQuantifier = inner
      out.push(')')
      i++
      continue
    }
    const braces = c === '{' ? QUANTIFIER.exec(perl.slice(i)) : null
    if (c === '*' || c === '+' || c === '?' || braces !== null) {
      const text = braces === null ? c : braces[3] !== undefined ? `{0,${braces[3]}}` : braces[0]
      const length = braces === null ? 1 : braces[0].length
      const unbounded = c !== '?'
      if (unbounded && closedGroup) {
        throw new Refused(`the quantified group ending at character ${i} contains a quantifier (like (a+)+): it can take exponential time on every alarm, so it is not allowed`)
      }
      if (unbounded && groups.length > 0) groups[groups.length - 1] = true
      out.push(text)
      i += length
      if (perl[i] === '+') refuse('a possessive quantifier (like a++)', i - length)
      if (perl[i] === '?') { out.push('?'); i++ }
      continue
    }
    // A brace that is no quantifier is a literal in Perl; JavaScript agrees once it is escaped.
    out.push(c === '{' ? '\\{' : c)
    i++
  }
  return out.join('')
}

/** One `\…` escape at `i` (inside or outside a class): [JavaScript text, index after it]. */
function escape (perl: string, i: number, inClass: boolean): [string, number] {
  const c = perl[i + 1]
  if (c === undefined) throw new Refused('a lone backslash at the end')
  if (!/[A-Za-z0-9]/.test(c)) return [`\\${c}`, i + 2]
  if (SAME_ESCAPES.has(c)) return [`\\${c}`, i + 2]
  if (c === 'b' || c === 'B') {
    if (inClass && c === 'b') return ['\\b', i + 2]
    if (inClass) refuse('\\B inside a character class', i)
    if (perl[i + 2] === '{') refuse(`\\${c}{…} (typed word boundary)`, i)
    return [`\\${c}`, i + 2]
  }
  if (c === 'A' || c === 'z' || c === 'Z') {
    if (inClass) refuse(`\\${c} inside a character class`, i)
    // Both read without the m flag: ^ is the start of the cause, $ its very end (see docs/rules.md on \Z).
    return [c === 'A' ? '^' : '$', i + 2]
  }
  if (/[1-9]/.test(c)) throw new Refused(`backreference \\${c} at character ${i + 1} is not allowed: backreferences can take exponential time on every alarm`)
  if (c === 'e') return ['\\x1b', i + 2]
  if (c === 'a') return ['\\x07', i + 2]
  if (c === 'x') {
    if (perl[i + 2] === '{') {
      const m = /^\{\s*([0-9A-Fa-f]{1,6})\s*\}/.exec(perl.slice(i + 2))
      if (m === null) throw new Refused(`malformed \\x{…} at character ${i + 1}`)
      return [codeUnit(Number.parseInt(m[1] as string, 16), i), i + 2 + m[0].length]
    }
    const m = /^[0-9A-Fa-f]{0,2}/.exec(perl.slice(i + 2)) as RegExpExecArray
    return [codeUnit(m[0] === '' ? 0 : Number.parseInt(m[0], 16), i), i + 2 + m[0].length]
  }
  if (c === 'o') {
    const m = /^\{([0-7]{1,7})\}/.exec(perl.slice(i + 2))
    if (m === null) throw new Refused(`malformed \\o{…} at character ${i + 1}`)
    return [codeUnit(Number.parseInt(m[1] as string, 8), i), i + 2 + m[0].length]
  }
  if (c === '0') {
    const m = /^[0-7]{0,2}/.exec(perl.slice(i + 2)) as RegExpExecArray
    return [codeUnit(m[0] === '' ? 0 : Number.parseInt(m[0], 8), i), i + 2 + m[0].length]
  }
  if (c === 'c') {
    const ch = perl[i + 2]
    if (ch === undefined || ch.charCodeAt(0) > 127) throw new Refused(`malformed \\c at character ${i + 1}`)
    return [codeUnit(ch.toUpperCase().charCodeAt(0) ^ 64, i), i + 3]
  }
  const known = REFUSED_ESCAPES[c]
  refuse(known ?? `the unknown escape \\${c}`, i)
}

function codeUnit (code: number, at: number): string {
  if (code > 0xffff) refuse('a character above U+FFFF', at)
  return `\\u${code.toString(16).padStart(4, '0')}`
}

/** `[…]` at `i`: [JavaScript text, index after it]. */
function characterClass (perl: string, start: number): [string, number] {
  const out = ['[']
  let i = start + 1
  if (perl[i] === '^') { out.push('^'); i++ }
  // Perl reads a `]` right after `[` or `[^` as a literal; JavaScript would close an empty class.
  if (perl[i] === ']') { out.push('\\]'); i++ }
  while (i < perl.length) {
    const c = perl[i] as string
    if (c === ']') {
      out.push(']')
      return [out.join(''), i + 1]
    }
    if (c === '\\') {
      const [text, next] = escape(perl, i, true)
      out.push(text)
      i = next
      continue
    }
    if (c === '[') {
      if (/^\[([:=.])\^?[a-z]*\1\]/.test(perl.slice(i))) refuse('a POSIX class (like [[:alpha:]]; write [a-z] or \\d instead)', i)
      out.push('\\[')
      i++
      continue
    }
    out.push(c)
    i++
  }
  throw new Refused(`the character class opened at character ${start + 1} is never closed`)
}

/** `(` at `i`: [JavaScript text, index after the opening, whether it opens a group]. */
function groupOpening (perl: string, i: number): [string, number, boolean] {
  const rest = perl.slice(i)
  if (rest.startsWith('(*')) refuse('a backtracking control verb (*…)', i)
  if (!rest.startsWith('(?')) return ['(', i + 1, true]
  const kind = rest[2]
  if (kind === ':' || kind === '=' || kind === '!') return [rest.slice(0, 3), i + 3, true]
  if (rest.startsWith('(?<=') || rest.startsWith('(?<!')) return [rest.slice(0, 4), i + 4, true]
  const named = /^\(\?(?:P?<([A-Za-z_]\w*)>|'([A-Za-z_]\w*)')/.exec(rest)
  if (named !== null) return [`(?<${named[1] ?? named[2] ?? ''}>`, i + named[0].length, true]
  if (kind === '#') {
    const end = perl.indexOf(')', i)
    if (end === -1) throw new Refused(`the comment opened at character ${i + 1} is never closed`)
    return ['', end + 1, false]
  }
  const modifiers = /^\(\?([\^a-zA-Z-]*)([:)])/.exec(rest)
  if (modifiers !== null && /^[a-zA-Z]/.test(rest.slice(2)) && /^i+$/.test(modifiers[1] as string)) {
    // cause_has is always case-insensitive, so (?i) changes nothing and (?i:…) is a plain group.
    return modifiers[2] === ')' ? ['', i + modifiers[0].length, false] : ['(?:', i + modifiers[0].length, true]
  }
  if (kind === '>') refuse('an atomic group (?>…)', i)
  if (kind === '|') refuse('a branch reset group (?|…)', i)
  if (kind === '(') refuse('a conditional (?(…)…)', i)
  if (kind === '{' || kind === '?') refuse('embedded Perl code (?{…})', i)
  if (kind === '&' || kind === 'R' || (kind !== undefined && /[-+0-9]/.test(kind) && /^\(\?[-+]?\d/.test(rest))) refuse('recursion (?R), (?1), (?&name)', i)
  if (rest.startsWith('(?P=')) throw new Refused(`backreference (?P=…) at character ${i + 1} is not allowed: backreferences can take exponential time on every alarm`)
  if (rest.startsWith('(?P>')) refuse('recursion (?P>name)', i)
  if (modifiers !== null) refuse(`the inline modifier (?${modifiers[1] ?? ''}${modifiers[2] ?? ''} (only (?i) is accepted, and it changes nothing)`, i)
  refuse('this (? group', i)
}
