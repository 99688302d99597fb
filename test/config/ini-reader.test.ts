import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { parseIni } from '../../src/config/ini-reader.js'
import { expandTemplates, readValue, resolveSecret, toBoolean, yesNo } from '../../src/config/ini-values.js'
import { ConfigError } from '../../src/errors.js'

function value (text: string, section: string, key: string): string | undefined {
  return parseIni(text).sections.get(section)?.get(key)?.value
}

describe('parseIni', () => {
  it('keeps # and ; inside values because only whole-line comments exist', () => {
    const doc = parseIni('[mqtt]\npassword = pass#word\n[customize]\npicture_url = https://x/?a=1;b=2 # not a comment\n')
    assert.equal(doc.sections.get('mqtt')?.get('password')?.value, 'pass#word')
    assert.equal(doc.sections.get('customize')?.get('picture_url')?.value, 'https://x/?a=1;b=2 # not a comment')
    assert.deepEqual(doc.problems, [])
  })

  it('skips lines whose first non-blank character is # or ;', () => {
    const doc = parseIni('# top\n[general]\n  ; indented comment\n\t# tab comment\nport = 9000\n;port = 1\n')
    assert.deepEqual([...doc.sections.get('general')?.keys() ?? []], ['port'])
    assert.deepEqual(doc.problems, [])
  })

  it('keeps surrounding quotes in the raw value as zmES does', () => {
    const text = "[hook]\nevent_start_hook = '{{base_data_path}}/bin/zm_event_start.sh'\nother = \"x\"\n"
    assert.equal(value(text, 'hook', 'event_start_hook'), "'{{base_data_path}}/bin/zm_event_start.sh'")
    assert.equal(value(text, 'hook', 'other'), '"x"')
  })

  it('splits on the first = and trims key and value', () => {
    const doc = parseIni('[a]\n  key   =  b=c = d  \nempty =\n')
    assert.equal(doc.sections.get('a')?.get('key')?.value, 'b=c = d')
    assert.equal(doc.sections.get('a')?.get('empty')?.value, '')
  })

  it('reads CRLF files with a UTF-8 byte order mark', () => {
    const doc = parseIni('\uFEFF[general]\r\nbase_data_path = /var/lib/zmes\r\n\r\n[network]\r\nport = 9000\r\n')
    assert.equal(doc.sections.get('general')?.get('base_data_path')?.value, '/var/lib/zmes')
    assert.deepEqual(doc.sections.get('network')?.get('port'), { value: '9000', line: 5 })
    assert.deepEqual(doc.problems, [])
  })

  it('records the line number of every value', () => {
    const doc = parseIni('[a]\n\n# c\nx = 1\n[b]\ny = 2\n', 'herald.ini')
    assert.equal(doc.file, 'herald.ini')
    assert.equal(doc.sections.get('a')?.get('x')?.line, 4)
    assert.equal(doc.sections.get('b')?.get('y')?.line, 6)
  })

  it('keeps section and key names as written, without case folding', () => {
    const doc = parseIni('[ General ]\nBase_Data_Path = /x\n')
    assert.equal(doc.sections.get('General')?.get('Base_Data_Path')?.value, '/x')
    assert.equal(doc.sections.get('general'), undefined)
  })

  it('reports malformed lines as errors with their line numbers', () => {
    const doc = parseIni('[a]\njust some words\n[broken\n= value\n[]\n', 'z.ini')
    assert.deepEqual(doc.problems.map((p) => [p.line, p.severity, p.file]), [
      [2, 'error', 'z.ini'], [3, 'error', 'z.ini'], [4, 'error', 'z.ini'], [5, 'error', 'z.ini']
    ])
    assert.match(doc.problems[0]?.message ?? '', /expected "\[section\]", "key = value" or a comment, got "just some words"/)
    assert.match(doc.problems[1]?.message ?? '', /malformed section header/)
    assert.match(doc.problems[2]?.message ?? '', /missing key name/)
  })

  it('does not file keys under a broken header into the previous section', () => {
    const doc = parseIni('[a]\nx = 1\n[b\ny = 2\n')
    assert.equal(doc.sections.get('a')?.get('y'), undefined)
    assert.equal(doc.sections.get('')?.get('y')?.value, '2')
  })

  it('puts keys before any section into section "" and reports each', () => {
    const doc = parseIni('a = 1\nb = 2\n[s]\nc = 3\n')
    assert.deepEqual([...doc.sections.get('')?.keys() ?? []], ['a', 'b'])
    assert.deepEqual(doc.problems.map((p) => [p.line, p.message]), [
      [1, 'key "a" outside of a section'],
      [2, 'key "b" outside of a section']
    ])
  })

  it('keeps the last of repeated keys and warns about it', () => {
    const doc = parseIni('[http]\nport = 1\nport = 2\n')
    assert.deepEqual(doc.sections.get('http')?.get('port'), { value: '2', line: 3 })
    assert.equal(doc.problems.length, 1)
    assert.equal(doc.problems[0]?.severity, 'warning')
    assert.equal(doc.problems[0]?.line, 3)
    assert.match(doc.problems[0]?.message ?? '', /duplicate key "port" in \[http\] \(first at line 2; last one wins\)/)
  })

  it('merges a repeated section and warns about it', () => {
    const doc = parseIni('[a]\nx = 1\n[b]\n[a]\ny = 2\n')
    assert.deepEqual([...doc.sections.get('a')?.keys() ?? []], ['x', 'y'])
    assert.deepEqual(doc.problems.map((p) => [p.line, p.severity]), [[4, 'warning']])
  })

  it('does not quote a long unparsable line back in full', () => {
    const doc = parseIni(`[a]\n${'s'.repeat(200)}\n`)
    assert.ok((doc.problems[0]?.message.length ?? 0) < 120)
  })
})

describe('zmES value rules', () => {
  const secrets = parseIni('[secrets]\nTOKEN = s3cr#t;x\nEMPTY =\n', '/etc/zm/secrets.ini')

  it('replaces a whole !NAME value by the secret', () => {
    assert.deepEqual(resolveSecret('!TOKEN', secrets, 'f'), { ok: true, value: 's3cr#t;x' })
    assert.deepEqual(resolveSecret('no!secret', secrets, 'f'), { ok: true, value: 'no!secret' })
  })

  it('reports a secret without a secrets file, a missing secret and an empty secret', () => {
    const none = resolveSecret('!TOKEN', undefined, '[mqtt] password (x.ini:3)')
    assert.equal(none.ok, false)
    assert.deepEqual(!none.ok && none.problem.field, '[mqtt] password (x.ini:3)')
    assert.match(!none.ok ? none.problem.message : '', /no secrets file is configured/)
    const missing = resolveSecret('!NOPE', secrets, 'f')
    assert.match(!missing.ok ? missing.problem.message : '', /secret "NOPE" is not in \[secrets\] of \/etc\/zm\/secrets\.ini/)
    const empty = resolveSecret('!EMPTY', secrets, 'f')
    assert.match(!empty.ok ? empty.problem.message : '', /secret "EMPTY" is empty/)
  })

  it('turns only the words yes and no into 1 and 0, in any case', () => {
    assert.equal(yesNo('YES'), '1')
    assert.equal(yesNo('No'), '0')
    assert.equal(yesNo('true'), 'true')
    assert.equal(yesNo('yess'), 'yess')
  })

  it('reads booleans from yes/no, true/false, on/off and 1/0 and rejects anything else', () => {
    for (const word of ['yes', 'TRUE', 'On', '1', ' yes ']) assert.equal(toBoolean(word), true, word)
    for (const word of ['no', 'False', 'OFF', '0']) assert.equal(toBoolean(word), false, word)
    for (const word of ['', 'maybe', '2', 'y']) assert.equal(toBoolean(word), undefined, word)
  })

  it('expands {{name}} from [general] first, then the own section, without recursion', () => {
    const doc = parseIni('[general]\nbase_data_path = /var/lib/zmes\nloop = {{loop}}\n[hook]\nbase_data_path = /hook\nown = mine\nuse = {{base_data_path}}/{{own}}/{{loop}}\n')
    assert.equal(expandTemplates('{{base_data_path}}/{{own}}/{{loop}}', 'hook', doc), '/var/lib/zmes/mine/{{loop}}')
  })

  it('expands an undefined template to nothing and names it', () => {
    const doc = parseIni('[general]\n')
    const missing: string[] = []
    assert.equal(expandTemplates('{{nope}}/bin', 'hook', doc, missing), '/bin')
    assert.deepEqual(missing, ['nope'])
  })

  it('applies secret, yes/no, templates and trimming in order when reading a value', () => {
    const doc = parseIni("[general]\nbase_data_path = /var/lib/zmes\n[hook]\nevent_start_hook = '{{base_data_path}}/bin/start.sh'\nuse = Yes\npw = !TOKEN\n", 'zmes.ini')
    assert.deepEqual(readValue(doc, 'hook', 'event_start_hook'), { value: "'/var/lib/zmes/bin/start.sh'", line: 4 })
    assert.deepEqual(readValue(doc, 'hook', 'use'), { value: '1', line: 5 })
    assert.deepEqual(readValue(doc, 'hook', 'pw', secrets), { value: 's3cr#t;x', line: 6 })
    assert.equal(readValue(doc, 'hook', 'absent'), undefined)
  })

  it('throws a ConfigError naming the value when its secret cannot be resolved', () => {
    const doc = parseIni('[mqtt]\n\npassword = !MQTT_PASSWORD\n', '/etc/zm/zmes.ini')
    assert.throws(() => readValue(doc, 'mqtt', 'password', secrets), (error: unknown) => {
      assert.ok(error instanceof ConfigError)
      assert.equal(error.problems[0]?.field, '[mqtt] password (zmes.ini:3)')
      return true
    })
  })

  it('lets an override replace a value by key name before yes/no and templates', () => {
    const doc = parseIni('[general]\nbase_data_path = /b\n[fcm]\nenable = yes\n')
    const overrides = new Map([['enable', 'no'], ['token_file', '{{base_data_path}}/t.txt']])
    assert.deepEqual(readValue(doc, 'fcm', 'enable', undefined, overrides), { value: '0', line: 4 })
    assert.deepEqual(readValue(doc, 'fcm', 'token_file', undefined, overrides), { value: '/b/t.txt', line: 0 })
  })
})
