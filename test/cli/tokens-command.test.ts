import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { herald } from './run-cli.js'

const root = mkdtempSync(join(tmpdir(), 'herald-cli-tokens-'))
after(() => rmSync(root, { recursive: true, force: true }))

let n = 0
function dataDir (): string {
  return join(root, `data-${++n}`)
}
function file (name: string, content: string): string {
  const path = join(root, `${++n}-${name}`)
  writeFileSync(path, content)
  return path
}

const TOKENS_TXT = '{"tokens":{"cXk1:APA91bGx-abc_DEF":{"platform":"android","monlist":"1,2,5","intlist":"0,120,0","pushstate":"enabled","appversion":"1.6.009","invocations":{"count":17,"at":4}},"f1e2d3c4":{"platform":"ios","monlist":"","intlist":"","pushstate":"disabled","appversion":"unknown","invocations":{"count":0,"at":11},"profile":"home"}}}\n'

async function storedTokens (dir: string): Promise<string[]> {
  const store = new SqliteStore({ file: join(dir, 'herald.db') })
  try {
    return (await store.listTokens()).map((t) => t.token)
  } finally {
    await store.close()
  }
}

describe('herald tokens', () => {
  it('import reads a zmES tokens.txt into the store and export writes it back to stdout, byte for byte', async () => {
    const dir = dataDir()
    const imported = await herald(['tokens', 'import', file('tokens.txt', TOKENS_TXT)], { HERALD_DATA_DIR: dir })
    assert.equal(imported.code, 0, imported.stderr)
    assert.match(imported.stdout, /^imported 2 tokens from .*tokens\.txt \(2 new, 0 updated; json format\)\n$/)
    assert.deepEqual(await storedTokens(dir), ['cXk1:APA91bGx-abc_DEF', 'f1e2d3c4'])
    const exported = await herald(['tokens', 'export'], { HERALD_DATA_DIR: dir })
    assert.deepEqual(exported, { code: 0, stdout: TOKENS_TXT, stderr: '' })
  })

  it('export FILE writes the tokens.txt to that file', async () => {
    const dir = dataDir()
    await herald(['tokens', 'import', file('tokens.txt', TOKENS_TXT)], { HERALD_DATA_DIR: dir })
    const target = join(root, `${++n}-exported.txt`)
    const result = await herald(['tokens', 'export', target], { HERALD_DATA_DIR: dir })
    assert.deepEqual(result, { code: 0, stdout: `exported 2 tokens to ${target}\n`, stderr: '' })
    assert.equal(readFileSync(target, 'utf8'), TOKENS_TXT)
  })

  it('imports the legacy colon format, warning about what it read differently', async () => {
    const dir = dataDir()
    const result = await herald(['tokens', 'import', file('legacy.txt', 'a:b:1:0:android:enabled\nc:2:60:ios:on\n')], { HERALD_DATA_DIR: dir })
    assert.equal(result.code, 0)
    assert.match(result.stdout, /imported 2 tokens .*legacy format/)
    assert.equal(result.stderr, 'herald: warning: line 2: pushstate "on" read as "enabled"\n')
    assert.deepEqual(await storedTokens(dir), ['a:b', 'c'])
  })

  it('an invalid file fails with exit code 1, its error code and the reason, importing nothing', async () => {
    const dir = dataDir()
    const bad = TOKENS_TXT.replace('"at":11', '"at":"eleven"')
    const result = await herald(['tokens', 'import', file('bad.txt', bad)], { HERALD_DATA_DIR: dir })
    assert.equal(result.code, 1)
    assert.equal(result.stderr, 'herald: HRD_ERR_TOKENS_FILE_INVALID: tokens file: token "f1e2d3c4": invocations.at must be a non-negative integer, not "eleven"\n')
    assert.deepEqual(await storedTokens(dir), [])
  })

  it('a field nested 200,000 levels deep is the same invalid-file error naming the token and field, not a stack overflow', async () => {
    const dir = dataDir()
    const deep = `{"tokens":{"abc":{"platform":${'['.repeat(200_000)}${']'.repeat(200_000)}}}}`
    const result = await herald(['tokens', 'import', file('deep.json', deep)], { HERALD_DATA_DIR: dir })
    assert.equal(result.code, 1)
    assert.equal(result.stderr, 'herald: HRD_ERR_TOKENS_FILE_INVALID: tokens file: token "abc": platform must be a string, not [[[…]]]\n')
    assert.deepEqual(await storedTokens(dir), [])
  })

  it('a file that does not exist fails with exit code 1', async () => {
    const result = await herald(['tokens', 'import', join(root, 'nope.txt')], { HERALD_DATA_DIR: dataDir() })
    assert.equal(result.code, 1)
    assert.match(result.stderr, /^herald: cannot read .*nope\.txt: file does not exist\n$/)
  })

  it('export of an empty store is an empty tokens.txt', async () => {
    assert.deepEqual(await herald(['tokens', 'export'], { HERALD_DATA_DIR: dataDir() }), { code: 0, stdout: '{"tokens":{}}\n', stderr: '' })
  })

  describe('usage errors', { concurrency: true }, () => {
    const usage: Array<[string, string[], RegExp]> = [
      ['no action', ['tokens'], /tokens needs an action/],
      ['import without a file', ['tokens', 'import'], /tokens import needs a FILE/],
      ['an unknown action', ['tokens', 'sync'], /unknown tokens action "sync"/]
    ]
    for (const [name, args, message] of usage) {
      it(`exits 2 with the usage for ${name}`, async () => {
        const result = await herald(args, { HERALD_DATA_DIR: dataDir() })
        assert.equal(result.code, 2)
        assert.match(result.stderr, message)
        assert.match(result.stderr, /herald tokens export \[FILE\]/)
      })
    }
  })
})

describe('herald', () => {
  it('names the user and tokens commands and the exit codes in its help', async () => {
    const result = await herald(['--help'])
    assert.equal(result.code, 0)
    for (const line of ['user add NAME --password PW', 'user list', 'user remove NAME', 'tokens import FILE', 'tokens export [FILE]', 'Exit codes: 0 done, 1 failed, 2 wrong usage.']) {
      assert.ok(result.stdout.includes(line), line)
    }
  })

  it('exits 2 for an unknown command or option', async () => {
    assert.equal((await herald(['frobnicate'])).code, 2)
    assert.equal((await herald(['serve', '--frob'])).code, 2)
  })
})
