import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { OPTION_STATUS, ignoredOptionLines, optionStatus } from '../../src/config/zmes/option-status.js'
import { readZmesConfig } from '../../src/config/zmes/read-zmes.js'
import { ZMES_SECTIONS, zmesKeys } from '../../src/config/zmes/zmes-schema.js'
import { loadFixture, loadText } from '../fixtures/zmes/fixture.js'

const ZM_SOURCE = 'not implemented yet: arrives with the ZoneMinder source release'
const LOGGING = 'logging is pino: use [log] level'

function linesFor (ini: string): string[] {
  const settings = loadText(ini)
  return ignoredOptionLines(settings, readZmesConfig(settings).config)
}

describe('option status table', () => {
  it('gives every option of every section a status with a note or a reason', () => {
    let count = 0
    for (const section of ZMES_SECTIONS) {
      const table = OPTION_STATUS[section] as Record<string, { status: string, note?: string, reason?: string }>
      assert.deepEqual(Object.keys(table).sort(), [...zmesKeys(section)].sort(), `[${section}]`)
      for (const [key, status] of Object.entries(table)) {
        count++
        const text = status.status === 'implemented' ? status.note : status.reason
        assert.ok(text !== undefined && text.length > 0, `[${section}] ${key} says why`)
      }
    }
    assert.equal(count, 77, 'spec §5.2 has 68 options; Herald adds 9 (timeouts, time zone, FCM direct, MQTT extras)')
  })

  it('implements every option but those zmES itself ignores, logging, restarts and the ZoneMinder source', () => {
    const ignored = ZMES_SECTIONS.flatMap((section) => Object.entries(OPTION_STATUS[section])
      .filter(([, s]) => (s as { status: string }).status === 'ignored')
      .map(([key]) => `${section}.${key}`))
    assert.deepEqual(ignored, [
      'general.escontrol_interface_file', 'general.restart_interval', 'fcm.api_key',
      'customize.console_logs', 'customize.es_debug_level', 'customize.event_check_interval',
      'customize.monitor_reload_interval', 'customize.read_alarm_cause', 'customize.use_custom_notification_sound'
    ])
  })

  it('gives the legacy hook_script the status of event_start_hook and knows no other names', () => {
    assert.deepEqual(optionStatus('hook', 'hook_script'), optionStatus('hook', 'event_start_hook'))
    assert.equal(optionStatus('hook', 'nosuch'), undefined)
    assert.equal(optionStatus('http', 'port'), undefined)
  })
})

describe('ignoredOptionLines', () => {
  it('reports every ignored option the fixture sets, once each, in file order', () => {
    const settings = loadFixture()
    const lines = ignoredOptionLines(settings, readZmesConfig(settings).config)
    const expected = [
      ['general', 'escontrol_interface_file', "escontrol state is kept in Herald's store, not in a file"],
      ['general', 'restart_interval', 'Herald does not need periodic restarts'],
      ['fcm', 'api_key', 'legacy FCM API is shut down'],
      ['customize', 'console_logs', LOGGING],
      ['customize', 'es_debug_level', LOGGING],
      ['customize', 'event_check_interval', ZM_SOURCE],
      ['customize', 'monitor_reload_interval', ZM_SOURCE],
      ['customize', 'read_alarm_cause', ZM_SOURCE],
      ['customize', 'use_custom_notification_sound', 'unused by zmES 6.1.29 too']
    ].map(([section, key, why]) => `ignored option [${section}] ${key}: ${why}`)
    assert.deepEqual(lines, expected)
  })

  it('stays silent about implemented options, absent options and keys that are not options', () => {
    assert.deepEqual(linesFor('[network]\nport = 9000\n[ssl]\nenable = no\n[hook]\nnosuch = 1\n[http]\nport = 8080\n'), [])
  })

  it('gives the legacy hook_script the status of event_start_hook: implemented, so not reported', () => {
    assert.deepEqual(linesFor('[hook]\nhook_script = /x.sh\n'), [])
  })

  it('reports escontrol_interface_password as ignored while the escontrol interface is off', () => {
    assert.deepEqual(linesFor('[general]\nescontrol_interface_password = pw\n'), [
      'ignored option [general] escontrol_interface_password: [general] use_escontrol_interface is off'
    ])
    assert.deepEqual(linesFor('[general]\nuse_escontrol_interface = yes\nescontrol_interface_password = pw\n'), [])
  })
})
