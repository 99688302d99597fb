import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { StoreTokenRegistry } from '../../src/registry/token-registry.js'
import { importTokensAtStart } from '../../src/registry/import-at-start.js'

const root = mkdtempSync(join(tmpdir(), 'herald-import-start-'))
after(() => rmSync(root, { recursive: true, force: true }))

/** A real pino logger whose lines are kept for the assertions. */
function capturingLogger (): { log: pino.Logger, lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({
    write (chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>)
      done()
    }
  })
  return { log: pino({ level: 'debug' }, stream), lines }
}

const FILE_V1 = '{"tokens":{"phone-a":{"platform":"android","monlist":"1","intlist":"0","pushstate":"enabled","appversion":"1.6","invocations":{"count":3,"at":2}},"phone-b":{"platform":"ios","monlist":"","intlist":"","pushstate":"enabled","appversion":"1.6","invocations":{"count":0,"at":2}}}}'

let n = 0
function setup (): { db: string, tokens: string } {
  const dir = join(root, String(++n))
  mkdirSync(dir)
  return { db: join(dir, 'herald.db'), tokens: join(dir, 'tokens.txt') }
}

async function start<T> (db: string, fn: (registry: StoreTokenRegistry) => Promise<T>): Promise<T> {
  const store = new SqliteStore({ file: db })
  try {
    return await fn(await StoreTokenRegistry.load(store))
  } finally {
    await store.close()
  }
}

describe('importTokensAtStart ([fcm] token_file)', () => {
  it('imports an existing tokens.txt on the first start', async () => {
    const { db, tokens } = setup()
    await start(db, async () => undefined)
    writeFileSync(tokens, FILE_V1)
    const { log, lines } = capturingLogger()
    await start(db, async (registry) => {
      assert.deepEqual(await importTokensAtStart(tokens, registry, log), { kind: 'imported', created: 2, updated: 0 })
      assert.deepEqual(registry.list().map((t) => t.token), ['phone-a', 'phone-b'])
    })
    assert.ok(lines.some((l) => l.level === 30 && /imported 2 push tokens/.test(String(l.msg))))
  })

  it('does not import the same content again, so a token removed since stays removed (quirk 10)', async () => {
    const { db, tokens } = setup()
    writeFileSync(tokens, FILE_V1)
    const { log } = capturingLogger()
    await start(db, async (registry) => {
      await importTokensAtStart(tokens, registry, log)
      // FCM said the token is invalid; the user narrowed another one's monitors.
      await registry.remove('phone-a')
      await registry.setFilter('phone-b', '9', '60')
    })
    await start(db, async (registry) => {
      assert.deepEqual(await importTokensAtStart(tokens, registry, log), { kind: 'unchanged' })
      assert.deepEqual(registry.list().map((t) => [t.token, t.monlist]), [['phone-b', '9']])
    })
  })

  it('imports the file again when its content changed, what it says winning', async () => {
    const { db, tokens } = setup()
    writeFileSync(tokens, FILE_V1)
    const { log } = capturingLogger()
    await start(db, async (registry) => { await importTokensAtStart(tokens, registry, log) })
    writeFileSync(tokens, FILE_V1.replace('"monlist":"1"', '"monlist":"1,4"'))
    await start(db, async (registry) => {
      assert.deepEqual(await importTokensAtStart(tokens, registry, log), { kind: 'imported', created: 0, updated: 2 })
      assert.equal(registry.get('phone-a')?.monlist, '1,4')
    })
  })

  it('starts without tokens when the file does not exist', async () => {
    const { db, tokens } = setup()
    const { log, lines } = capturingLogger()
    await start(db, async (registry) => {
      assert.deepEqual(await importTokensAtStart(tokens, registry, log), { kind: 'missing' })
      assert.deepEqual(registry.list(), [])
    })
    assert.ok(lines.every((l) => (l.level as number) < 50))
  })

  it('logs a broken file as an error, imports none of it, and tries again at the next start', async () => {
    const { db, tokens } = setup()
    writeFileSync(tokens, FILE_V1.replace('"count":3', '"count":"three"'))
    const { log, lines } = capturingLogger()
    await start(db, async (registry) => {
      const outcome = await importTokensAtStart(tokens, registry, log)
      assert.equal(outcome.kind, 'failed')
      assert.deepEqual(registry.list(), [])
    })
    const error = lines.find((l) => l.level === 50)
    assert.match(String(error?.msg), /tokens.txt not imported: tokens file: token "phone-a": invocations.count must be a non-negative integer/)
    writeFileSync(tokens, FILE_V1)
    await start(db, async (registry) => {
      assert.equal((await importTokensAtStart(tokens, registry, log)).kind, 'imported')
    })
  })

  it('logs a file nested 200,000 levels deep as the invalid-file error naming the token, not as a RangeError', async () => {
    const { db, tokens } = setup()
    writeFileSync(tokens, `{"tokens":{"abc":{"platform":${'['.repeat(200_000)}${']'.repeat(200_000)}}}}`)
    const { log, lines } = capturingLogger()
    await start(db, async (registry) => {
      const outcome = await importTokensAtStart(tokens, registry, log)
      assert.equal(outcome.kind, 'failed')
      assert.equal(outcome.kind === 'failed' ? (outcome.error as Error & { code?: string }).code : undefined, 'HRD_ERR_TOKENS_FILE_INVALID')
      assert.deepEqual(registry.list(), [])
    })
    const error = lines.find((l) => l.level === 50)
    assert.equal(error?.msg, 'tokens.txt not imported: tokens file: token "abc": platform must be a string, not [[[…]]]')
  })
})
