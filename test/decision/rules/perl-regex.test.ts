import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { translatePerlRegex } from '../../../src/decision/rules/perl-regex.js'

function translated (perl: string): string {
  const result = translatePerlRegex(perl)
  assert.ok(result.ok, `${perl}: ${result.ok ? '' : result.message}`)
  return result.source
}

function refusal (perl: string): string {
  const result = translatePerlRegex(perl)
  assert.equal(result.ok, false, `${perl} should be refused`)
  return result.ok ? '' : result.message
}

describe('cause_has: Perl regex syntax as JavaScript', () => {
  /* [Perl, JavaScript] */
  const TRANSLATED: Array<[string, string]> = [
    ['person', 'person'],
    ['^(?!.*(plant|cat|dog)).*$', '^(?!.*(plant|cat|dog)).*$'],
    ['(?<!no )person', '(?<!no )person'],
    ['(?=.*car)(?=.*truck)', '(?=.*car)(?=.*truck)'],
    ['(?i)person', 'person'],
    ['(?i:car)s', '(?:car)s'],
    ['\\Adetected:\\z', '^detected:$'],
    ['person\\Z', 'person$'],
    ['[]a]', '[\\]a]'],
    ['[^]a]', '[^\\]a]'],
    ['a\\-b\\:c\\@d', 'a\\-b\\:c\\@d'],
    ['\\x41\\x4', '\\u0041\\u0004'],
    ['\\x{263A}', '\\u263a'],
    ['\\e\\a\\cA\\0\\012\\o{101}', '\\x1b\\x07\\u0001\\u0000\\u000a\\u0041'],
    ['\\d+\\s*\\w\\b', '\\d+\\s*\\w\\b'],
    ['[\\b\\d]', '[\\b\\d]'],
    ['(?<label>person|car)', '(?<label>person|car)'],
    ['(?P<label>person)', '(?<label>person)'],
    ["(?'label'person)", '(?<label>person)'],
    ['(?#a comment)person', 'person'],
    ['a{,3}', 'a{0,3}'],
    ['a{2,}?b', 'a{2,}?b'],
    ['a{x}', 'a\\{x}'],
    ['(person|car)?:\\d+%', '(person|car)?:\\d+%'],
    ['(?:ab)*c', '(?:ab)*c']
  ]
  for (const [perl, js] of TRANSLATED) {
    test(`${perl} runs as /${js}/i`, () => {
      assert.equal(translated(perl), js)
    })
  }

  test('the lookahead of the zmES sample matches causes without plant, cat or dog', () => {
    const result = translatePerlRegex('^(?!.*(plant|cat|dog)).*$')
    assert.ok(result.ok)
    assert.equal(result.regex.test('[a] detected:person:97% motion all'), true)
    assert.equal(result.regex.test('[a] detected:cat:80%'), false)
    assert.equal(result.regex.flags, 'i')
  })

  /* [Perl, part of the message] */
  const REFUSED: Array<[string, string]> = [
    ['a++', 'possessive quantifier'],
    ['a*+b', 'possessive quantifier'],
    ['a?+', 'possessive quantifier'],
    ['a{1,2}+', 'possessive quantifier'],
    ['(?>a+)b', 'atomic group'],
    ['(a|(?R))', 'recursion'],
    ['(a)(?1)', 'recursion'],
    ['(?&name)', 'recursion'],
    ['(?P>name)', 'recursion'],
    ['\\Gperson', '\\G'],
    ['[[:alpha:]]+', 'POSIX class'],
    ['[[:^digit:]]', 'POSIX class'],
    ['(?x) person', 'inline modifier (?x)'],
    ['a(?s:.)b', 'inline modifier (?s:'],
    ['(?-i)Person', 'inline modifier (?-i)'],
    ['(?^:a)', 'inline modifier'],
    ['\\Qa.b\\E', '\\Q…\\E'],
    ['(a)\\1', 'backreference \\1'],
    ['(?<n>a)\\k<n>', '\\k'],
    ['(a)\\g1', '\\g'],
    ['(?P<n>a)(?P=n)', 'backreference (?P=…)'],
    ['(a+)+$', 'contains a quantifier'],
    ['(\\w+\\s?)*', 'contains a quantifier'],
    ['((a*)b){2,}', 'contains a quantifier'],
    ['(?|(a)|(b))', 'branch reset'],
    ['(?(1)a|b)', 'conditional'],
    ['(?{ print 1 })', 'embedded Perl code'],
    ['(*FAIL)', 'backtracking control verb'],
    ['a\\Kb', '\\K'],
    ['\\h+', '\\h'],
    ['\\v', '\\v'],
    ['\\R', '\\R'],
    ['\\X', '\\X'],
    ['\\N', '\\N'],
    ['\\p{L}', '\\p'],
    ['\\bperson\\b{wb}', 'typed word boundary'],
    ['\\y', 'unknown escape \\y'],
    ['\\x{1F600}', 'above U+FFFF'],
    ['[\\A]', '\\A inside a character class'],
    ['[abc', 'never closed'],
    ['abc\\', 'lone backslash'],
    ['(abc', 'invalid regular expression: Unterminated group'],
    ['*abc', 'invalid regular expression: Nothing to repeat']
  ]
  for (const [perl, message] of REFUSED) {
    test(`${perl} is refused: ${message}`, () => {
      const text = refusal(perl)
      assert.ok(text.includes(message), text)
    })
  }

  test('a refusal names the character where the feature starts', () => {
    assert.equal(refusal('person|(?>x)'), 'an atomic group (?>…) at character 8 is not supported')
  })
})
