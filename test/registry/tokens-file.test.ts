import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { StoreTokenRegistry } from '../../src/registry/token-registry.js'
import { MAX_TOKENS_FILE_BYTES, exportTokens, importTokensFile, parseTokensFile, serializeTokens } from '../../src/registry/tokens-file.js'

const root = mkdtempSync(join(tmpdir(), 'herald-tokens-file-'))
after(() => rmSync(root, { recursive: true, force: true }))

let files = 0
function write (content: string | Buffer): string {
  const file = join(root, `tokens-${++files}.txt`)
  writeFileSync(file, content)
  return file
}

const MAY = new Date(2026, 4, 10)
const ANDROID = 'cXk1:APA91bGx-0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV'
const IOS = 'f1e2d3c4b5a69788f1e2d3c4b5a69788f1e2d3c4b5a69788f1e2d3c4b5a69788'

/** A tokens.txt as zmES 6.1 writes it (compact JSON), with a v7 profile on one token. */
const ZMES_FILE = JSON.stringify({
  tokens: {
    [ANDROID]: { platform: 'android', monlist: '1,2,5', intlist: '0,120,0', pushstate: 'enabled', appversion: '1.6.009', invocations: { count: 17, at: 4 } },
    [IOS]: { platform: 'ios', monlist: '', intlist: '', pushstate: 'disabled', appversion: 'unknown', invocations: { count: 0, at: 11 }, profile: 'home' }
  }
})

async function withRegistry (fn: (registry: StoreTokenRegistry, store: SqliteStore) => Promise<void>): Promise<void> {
  const store = new SqliteStore({ file: ':memory:' })
  try {
    await fn(await StoreTokenRegistry.load(store), store)
  } finally {
    await store.close()
  }
}

describe('tokens.txt: JSON (zmES 6.0.1+)', () => {
  it('reads every field of the spec\'s format, profile only where given', () => {
    const parsed = parseTokensFile(ZMES_FILE, MAY)
    assert.equal(parsed.format, 'json')
    assert.deepEqual(parsed.warnings, [])
    assert.deepEqual(parsed.tokens, [
      { token: ANDROID, platform: 'android', monlist: '1,2,5', intlist: '0,120,0', pushstate: 'enabled', appversion: '1.6.009', invocations: { count: 17, at: 4 }, profile: null },
      { token: IOS, platform: 'ios', monlist: '', intlist: '', pushstate: 'disabled', appversion: 'unknown', invocations: { count: 0, at: 11 }, profile: 'home' }
    ])
  })

  it('accepts the numbers older versions stored as strings ("count":"2225","at":"9") and a lone monitor as a number', () => {
    const parsed = parseTokensFile('{"tokens":{"t":{"platform":"android","monlist":3,"intlist":60,"pushstate":"enabled","appversion":"1.5","invocations":{"count":"2225","at":"9"}}}}', MAY)
    assert.deepEqual(parsed.tokens[0], { token: 't', platform: 'android', monlist: '3', intlist: '60', pushstate: 'enabled', appversion: '1.5', invocations: { count: 2225, at: 9 }, profile: null })
  })

  it('fills what a record lacks (or has as null) the way zmES would read it', () => {
    const parsed = parseTokensFile('{"tokens":{"t":{"platform":"ios","monlist":null}}}', MAY)
    assert.deepEqual(parsed.tokens[0], { token: 't', platform: 'ios', monlist: '', intlist: '', pushstate: 'enabled', appversion: 'unknown', invocations: { count: 0, at: 4 }, profile: null })
  })

  it('reads an unknown pushstate as enabled and says so', () => {
    const parsed = parseTokensFile('{"tokens":{"t":{"platform":"ios","pushstate":"paused"}}}', MAY)
    assert.equal(parsed.tokens[0]?.pushstate, 'enabled')
    assert.match(parsed.warnings[0] ?? '', /pushstate "paused" read as "enabled"/)
  })

  it('accepts an empty file as no tokens, like zmES\'s fresh {"tokens":{}}', () => {
    assert.deepEqual(parseTokensFile('{"tokens":{}}').tokens, [])
    assert.deepEqual(parseTokensFile('').tokens, [])
  })
})

describe('tokens.txt: the legacy colon format (before 6.0.1)', () => {
  it('splits each line from the right into token:monlist:intlist:platform:pushstate, so tokens keep their colons', () => {
    const parsed = parseTokensFile(`${ANDROID}:1,2:0,60:android:enabled\r\n\n${IOS}:::ios:disabled\n`, MAY)
    assert.equal(parsed.format, 'legacy')
    assert.deepEqual(parsed.tokens, [
      { token: ANDROID, platform: 'android', monlist: '1,2', intlist: '0,60', pushstate: 'enabled', appversion: 'unknown', invocations: { count: 0, at: 4 }, profile: null },
      { token: IOS, platform: 'ios', monlist: '', intlist: '', pushstate: 'disabled', appversion: 'unknown', invocations: { count: 0, at: 4 }, profile: null }
    ])
  })

  it('keeps the last line of a token listed twice', () => {
    const parsed = parseTokensFile('a:b:1:0:android:enabled\nc:2:0:ios:enabled\na:b:9:30:android:disabled\n')
    assert.deepEqual(parsed.tokens.map((t) => [t.token, t.monlist, t.intlist, t.pushstate]), [['c', '2', '0', 'enabled'], ['a:b', '9', '30', 'disabled']])
  })

  it('reads a pushstate other than enabled/disabled as enabled', () => {
    const parsed = parseTokensFile('t:1:0:android:yes\nu:1:0:android:\n')
    assert.deepEqual(parsed.tokens.map((t) => t.pushstate), ['enabled', 'enabled'])
    assert.equal(parsed.warnings.length, 1)
  })
})

describe('tokens.txt: round trip', () => {
  it('exports what it imported with the same fields and values, byte for byte', async () => {
    await withRegistry(async (registry) => {
      const file = write(ZMES_FILE)
      const result = await importTokensFile(file, registry, MAY)
      assert.deepEqual([result.format, result.created, result.updated], ['json', 2, 0])
      const exported = exportTokens(registry)
      assert.deepEqual(JSON.parse(exported), JSON.parse(ZMES_FILE))
      assert.equal(exported, `${ZMES_FILE}\n`)
    })
  })

  it('writes profile only for tokens that have one', () => {
    const text = serializeTokens([
      { token: 'a', platform: 'android', monlist: '', intlist: '', pushstate: 'enabled', appversion: 'unknown', invocations: { count: 0, at: 0 }, profile: null },
      { token: 'b', platform: 'ios', monlist: '', intlist: '', pushstate: 'enabled', appversion: 'unknown', invocations: { count: 0, at: 0 }, profile: '' }
    ])
    const doc = JSON.parse(text) as { tokens: Record<string, Record<string, unknown>> }
    assert.equal('profile' in (doc.tokens.a ?? {}), false)
    assert.equal(doc.tokens.b?.profile, '')
  })

  it('converts a legacy file to the JSON zmES 6.0.1+ reads', async () => {
    await withRegistry(async (registry) => {
      await importTokensFile(write('a:b:1:0:android:disabled\n'), registry, MAY)
      assert.deepEqual(JSON.parse(exportTokens(registry)), {
        tokens: { 'a:b': { platform: 'android', monlist: '1', intlist: '0', pushstate: 'disabled', appversion: 'unknown', invocations: { count: 0, at: 4 } } }
      })
    })
  })

  it('keeps a token named __proto__ as a plain key', async () => {
    await withRegistry(async (registry) => {
      await importTokensFile(write('{"tokens":{"__proto__":{"platform":"ios"}}}'), registry, MAY)
      assert.equal(registry.get('__proto__')?.platform, 'ios')
      assert.deepEqual(Object.keys((JSON.parse(exportTokens(registry)) as { tokens: object }).tokens), ['__proto__'])
    })
  })
})

describe('tokens.txt: hostile files', () => {
  const good = (i: number) => `"good${i}":{"platform":"android","monlist":"1","intlist":"0","pushstate":"enabled","appversion":"1","invocations":{"count":1,"at":1}}`
  /** Three good records before the bad one: none of them may be imported. */
  const withBad = (bad: string) => `{"tokens":{${good(1)},${good(2)},${good(3)},${bad}}}`
  const cases: Array<[string, string | Buffer, RegExp]> = [
    ['binary bytes', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0xfe, 0x00, 0x01]), /not UTF-8 text/],
    ['control characters in a line', 'tok\u0000en:1:0:android:enabled\n', /line 1 contains control characters/],
    ['truncated JSON', ZMES_FILE.slice(0, 80), /not valid JSON/],
    ['JSON that is not an object', '[1,2,3]', /expected a JSON object/],
    ['a number', '42', /expected a JSON object/],
    ['tokens as an array', '{"tokens":[]}', /expected a JSON object/],
    ['a record that is a string', withBad('"t":"android"'), /token "t" must be an object/],
    ['monlist as an object', withBad('"t":{"platform":"ios","monlist":{"a":1}}'), /monlist must be a string/],
    ['platform as true', withBad('"t":{"platform":true}'), /platform must be a string/],
    ['invocations as a list', withBad('"t":{"platform":"ios","invocations":[1,4]}'), /invocations must be an object/],
    ['a month index of 12', withBad('"t":{"platform":"ios","invocations":{"count":1,"at":12}}'), /month index 0–11/],
    ['a count that is not a number', withBad('"t":{"platform":"ios","invocations":{"count":"many","at":1}}'), /invocations.count must be a non-negative integer/],
    ['a negative count', withBad('"t":{"platform":"ios","invocations":{"count":-3,"at":1}}'), /non-negative integer/],
    ['an empty token', withBad('"":{"platform":"ios"}'), /the token is empty/],
    ['a 5,000 character token', withBad(`"${'x'.repeat(5000)}":{"platform":"ios"}`), /longer than 4096 characters/],
    ['a legacy line without enough fields', 'good:1:0:android:enabled\nnot a token line\n', /line 2 is neither JSON nor token:monlist:intlist:platform:pushstate/],
    // Showing the wrong value must not itself recurse that deep (JSON.stringify overflowed the stack).
    ['a platform nested 200,000 arrays deep', withBad(`"t":{"platform":${'['.repeat(200_000)}${']'.repeat(200_000)}}`), /^tokens file: token "t": platform must be a string, not \[\[\[…\]\]\]$/],
    ['invocations.count nested 200,000 objects deep', withBad(`"t":{"platform":"ios","invocations":{"count":${'{"a":'.repeat(200_000)}1${'}'.repeat(200_000)}}}`), /^tokens file: token "t": invocations.count must be a non-negative integer, not \{"a":\{"a":\{…\}\}\}$/],
    ['a record nested 200,000 arrays deep', withBad(`"t":${'['.repeat(200_000)}${']'.repeat(200_000)}`), /^tokens file: token "t" must be an object, not \[\[\[…\]\]\]$/]
  ]
  for (const [name, content, message] of cases) {
    it(`refuses ${name} with HRD_ERR_TOKENS_FILE_INVALID and imports nothing`, async () => {
      await withRegistry(async (registry, store) => {
        await registry.register({ token: 'seed', platform: 'ios', monlist: '7' })
        await assert.rejects(importTokensFile(write(content), registry), (err: Error & { code?: string }) => {
          assert.equal(err.code, 'HRD_ERR_TOKENS_FILE_INVALID')
          assert.match(err.message, message)
          return true
        })
        assert.deepEqual(registry.list().map((t) => [t.token, t.monlist]), [['seed', '7']])
        assert.deepEqual((await store.listTokens()).map((t) => t.token), ['seed'])
      })
    })
  }

  it('shows a wrong value cut short: a few items, two levels, 40 characters of a string', () => {
    assert.throws(() => parseTokensFile(withBad(`"t":{"platform":"ios","monlist":{"a":[1,2,3,4,5],"b":{"c":{"d":1}},"c":"${'x'.repeat(100)}","d":4}}`)),
      { message: `tokens file: token "t": monlist must be a string, not {"a":[1,2,3,…],"b":{"c":{…}},"c":"${'x'.repeat(40)}…",…}` })
  })

  it('refuses a file over 64 MiB before reading it', async () => {
    await withRegistry(async (registry) => {
      const file = write('')
      // Sparse: the size is there, the bytes are not, so this costs no disk and no time.
      truncateSync(file, MAX_TOKENS_FILE_BYTES + 1)
      await assert.rejects(importTokensFile(file, registry), { code: 'HRD_ERR_TOKENS_FILE_INVALID', message: /larger than/ })
      assert.deepEqual(registry.list(), [])
    })
  })

  it('names a long token in a message by its first characters, never the whole credential', () => {
    assert.throws(() => parseTokensFile(`{"tokens":{"${ANDROID}":{"platform":7,"monlist":[]}}}`), (err: Error) => {
      assert.ok(!err.message.includes(ANDROID))
      assert.ok(err.message.includes(ANDROID.slice(0, 12)))
      return true
    })
  })
})
