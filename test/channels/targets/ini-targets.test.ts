import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadSettings } from '../../../src/config/load.js'
import { ConfigError } from '../../../src/errors.js'
import { readConfiguredTargets, TargetRegistry } from '../../../src/channels/targets/index.js'
import type { NtfyTarget } from '../../../src/channels/targets/ntfy.js'

const TOKEN = 'tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2'

describe('[targets] in the settings file', () => {
  let dir: string
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'herald-ini-targets-'))
    writeFileSync(join(dir, 'secrets.ini'), `[secrets]\nNTFY_URL = ntfys://${TOKEN}@ntfy.example.com/alarms\nEMPTY =\n`)
  })
  after(() => { rmSync(dir, { recursive: true, force: true }) })

  function settings (targets: string, general = 'base_data_path = /var/lib/zm'): ReturnType<typeof loadSettings> {
    const file = join(dir, 'herald.ini')
    writeFileSync(file, `[general]\nsecrets = secrets.ini\n${general}\n\n[targets]\n${targets}`)
    return loadSettings({ file, env: {} })
  }

  function problems (targets: string): Array<{ field: string, message: string }> {
    try {
      readConfiguredTargets(settings(targets))
    } catch (err) {
      assert.ok(err instanceof ConfigError)
      assert.equal(err.code, 'HRD_ERR_CONFIG_INVALID')
      return [...err.problems]
    }
    assert.fail('expected a ConfigError')
  }

  it('reads name = URL lines; !NAME comes from the secrets file; quotes are stripped', () => {
    const targets = readConfiguredTargets(settings([
      'phone = !NTFY_URL',
      `team-chat = "discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js"`,
      'mail_1 = mailto://127.0.0.1:25?to=a@example.com&from=zm@example.com'
    ].join('\n')))
    assert.deepEqual(targets.map((t) => [t.name, t.service.service, t.service.masked]), [
      ['phone', 'ntfy', 'ntfys://****@ntfy.example.com/alarms'],
      ['team-chat', 'discord', 'discord://4174216298/****'],
      ['mail_1', 'email', 'mailto://127.0.0.1:25?to=a@example.com&from=zm@example.com']
    ])
    assert.equal((targets[0]?.service as NtfyTarget).auth?.kind, 'bearer')
    assert.equal(targets[0]?.url, `ntfys://${TOKEN}@ntfy.example.com/alarms`)
  })

  it('no section, no targets', () => {
    const file = join(dir, 'none.ini')
    writeFileSync(file, '[http]\nport = 8080\n')
    assert.deepEqual(readConfiguredTargets(loadSettings({ file, env: {} })), [])
    assert.deepEqual(readConfiguredTargets({ ini: undefined, secrets: undefined }), [])
  })

  it('reports every bad line at once, by line, without quoting the secret', () => {
    const found = problems([
      'ok = ntfy://alarms',
      'missing = !NO_SUCH_SECRET',
      'empty = !EMPTY',
      'Upper = ntfy://alarms',
      'unknown = json://host/path',
      `broken = ntfys://${TOKEN}@ntfy.example.com/bad%20topic`,
      'blank = '
    ].join('\n'))
    assert.deepEqual(found.map((p) => p.field), [
      '[targets] missing (herald.ini:7)',
      '[targets] empty (herald.ini:8)',
      '[targets] Upper (herald.ini:9)',
      '[targets] unknown (herald.ini:10)',
      '[targets] broken (herald.ini:11)',
      '[targets] blank (herald.ini:12)'
    ])
    assert.match(found[0]?.message ?? '', /secret "NO_SUCH_SECRET" is not in \[secrets\]/)
    assert.match(found[1]?.message ?? '', /secret "EMPTY" is empty/)
    assert.match(found[2]?.message ?? '', /a target name is 1 to 64 of a-z 0-9 _ -/)
    assert.match(found[3]?.message ?? '', /^target URL has an unknown scheme "json:\/\/"/)
    assert.equal(found[4]?.message, 'target URL has an invalid ntfy topic "bad topic" (1 to 64 of A-Z a-z 0-9 _ -)')
    assert.equal(found[5]?.message, 'has no URL')
    assert.doesNotMatch(JSON.stringify(found), new RegExp(TOKEN))
  })

  it('expands {{templates}} like every zmES value', () => {
    const [t] = readConfiguredTargets(settings('files = mailto://127.0.0.1:25/a@example.com?from=zm@example.com&to={{alarm_to}}', 'alarm_to = b@example.com'))
    assert.deepEqual((t?.service as unknown as { to: string[] }).to, ['b@example.com', 'a@example.com'])
  })

  it('the registry lists them as read-only config targets, starts only, every monitor', async () => {
    const configured = readConfiguredTargets(settings('phone = !NTFY_URL'))
    const registry = await TargetRegistry.load({ store: { getSetting: async () => undefined, setSetting: async () => {} }, configured })
    const [t] = registry.list()
    assert.deepEqual(
      t === undefined ? undefined : { name: t.name, source: t.source, active: t.active, phases: t.phases, monitors: t.monitors },
      { name: 'phone', source: 'config', active: true, phases: ['start'], monitors: [] })
    assert.deepEqual(await registry.update('phone', { active: false }, undefined, 0), { ok: false, reason: 'read-only' })
    assert.deepEqual(await registry.remove('phone'), { ok: false, reason: 'read-only' })
  })
})
