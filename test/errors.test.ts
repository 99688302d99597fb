import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import * as errors from '../src/errors.js'

const ROOT = join(import.meta.dirname, '..')
const CODE = /HRD_ERR_[A-Z_]+/g

function sourceFiles (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') ? [path] : []
  })
}

function codesInSource (): Map<string, string[]> {
  const found = new Map<string, string[]>()
  for (const file of sourceFiles(join(ROOT, 'src'))) {
    for (const code of readFileSync(file, 'utf8').match(CODE) ?? []) {
      found.set(code, [...(found.get(code) ?? []), file.slice(ROOT.length + 1)])
    }
  }
  return found
}

/** The rows of docs/errors.md's table: code → the HTTP status column as written. */
function documentedCodes (): Map<string, string> {
  const rows = new Map<string, string>()
  for (const line of readFileSync(join(ROOT, 'docs', 'errors.md'), 'utf8').split('\n')) {
    const m = /^\|\s*`(HRD_ERR_[A-Z_]+)`\s*\|\s*([^|]+?)\s*\|/.exec(line)
    if (m !== null) {
      assert.ok(!rows.has(m[1] as string), `${m[1] as string} is listed twice in docs/errors.md`)
      rows.set(m[1] as string, m[2] as string)
    }
  }
  return rows
}

/** One instance of every HeraldError subclass src/errors.ts exports. */
function errorInstances (): errors.HeraldError[] {
  const out: errors.HeraldError[] = []
  for (const value of Object.values(errors)) {
    if (typeof value !== 'function' || !(value.prototype instanceof errors.HeraldError)) continue
    const Cls = value as unknown as new (...args: unknown[]) => errors.HeraldError
    out.push(value === errors.RequestError ? new Cls(418, 'x') : value === errors.ValidationError || value === errors.ConfigError ? new Cls([]) : new Cls('x'))
  }
  return out
}

test('every HRD_ERR code in src/ is documented in docs/errors.md', () => {
  const documented = documentedCodes()
  const missing = [...codesInSource()].filter(([code]) => !documented.has(code)).map(([code, files]) => `${code} (${files.join(', ')})`)
  assert.deepEqual(missing, [])
})

test('docs/errors.md lists no code the source lacks', () => {
  const inSource = codesInSource()
  assert.deepEqual([...documentedCodes().keys()].filter((code) => !inSource.has(code)), [])
})

test('every error class has its own code', () => {
  const seen = new Map<string, string>()
  for (const err of errorInstances()) {
    assert.match(err.code, /^HRD_ERR_[A-Z]+(?:_[A-Z]+)*$/)
    assert.equal(seen.get(err.code), undefined, `${err.code} is used by ${seen.get(err.code) ?? ''} and ${err.constructor.name}`)
    seen.set(err.code, err.constructor.name)
  }
  assert.ok(seen.size >= 10, `found only ${seen.size} error classes`)
})

test('the HTTP status in docs/errors.md is the status the error class answers with', () => {
  const documented = documentedCodes()
  for (const err of errorInstances()) {
    const status = documented.get(err.code)
    if (err instanceof errors.RequestError) {
      assert.equal(status, '4xx')
    } else if (status === '—') {
      // Startup errors: never an HTTP answer.
      assert.ok(err instanceof errors.ConfigError || err instanceof errors.StoreTooNewError || err instanceof errors.StoreOpenError, `${err.code} is documented as not an HTTP answer`)
    } else {
      assert.equal(status, String(err.statusCode), `${err.code} answers ${err.statusCode}, docs say ${status ?? 'nothing'}`)
    }
  }
})

test('every HRD_ERR code used anywhere in src/ is defined in src/errors.ts', () => {
  const defined = new Set(errorInstances().map((e) => e.code))
  assert.deepEqual([...codesInSource()].filter(([code]) => !defined.has(code)).map(([code, files]) => `${code} (${files.join(', ')})`), [])
})
