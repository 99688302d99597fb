import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { herald } from './run-cli.js'

describe('herald check-config and push targets', () => {
  let dir: string
  before(() => { dir = mkdtempSync(join(tmpdir(), 'herald-check-')) })
  after(() => { rmSync(dir, { recursive: true, force: true }) })

  it('lists the [targets] with their secrets masked', async () => {
    const file = join(dir, 'ok.ini')
    writeFileSync(file, '[targets]\nphone = ntfys://user:s3cret-pw@ntfy.example.com/alarms\n')
    const r = await herald(['check-config', file])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /Push targets \(\[targets\], secrets masked\):\n {2}phone = ntfys:\/\/user:\*\*\*\*@ntfy\.example\.com\/alarms\n/)
    assert.ok(!r.stdout.includes('s3cret-pw'))
  })

  it('names a bad target line as a problem and exits 1', async () => {
    const file = join(dir, 'bad.ini')
    writeFileSync(file, '[targets]\nphone = nope://x\n')
    const r = await herald(['check-config', file])
    assert.equal(r.code, 1)
    assert.match(r.stdout, /\[targets\] phone \(bad\.ini:2\): target URL has an unknown scheme "nope:\/\/"/)
  })
})
