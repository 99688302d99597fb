import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { OPTION_STATUS, ignoredOptionLines, optionStatus } from '../../src/config/zmes/option-status.js'
import { readZmesConfig } from '../../src/config/zmes/read-zmes.js'
import { ZMES_SECTIONS, zmesKeys } from '../../src/config/zmes/zmes-schema.js'
import { loadFixture, loadText } from '../fixtures/zmes/fixture.js'

const CHANNELS = 'not implemented yet: arrives with the channels release'
const DECISION = 'not implemented yet: arrives with the decision release'
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
    assert.equal(count, 68, 'spec §5.2 has 68 options')
  })

  it('implements exactly the options of the event-server release', () => {
    const implemented = ZMES_SECTIONS.flatMap((section) => Object.entries(OPTION_STATUS[section])
      .filter(([, s]) => (s as { status: string }).status === 'implemented')
      .map(([key]) => `${section}.${key}`))
    assert.deepEqual(implemented, [
      'general.secrets', 'general.base_data_path', 'general.use_escontrol_interface',
      'general.escontrol_interface_password', 'general.skip_monitors',
      'network.port', 'network.address', 'auth.enable', 'auth.timeout',
      'fcm.enable', 'fcm.token_file', 'ssl.enable', 'ssl.cert', 'ssl.key',
      'customize.include_picture', 'customize.send_event_start_notification', 'customize.send_event_end_notification',
      'customize.picture_url', 'customize.picture_portal_username', 'customize.picture_portal_password'
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
      ['push', 'use_api_push', CHANNELS],
      ['push', 'api_push_script', CHANNELS],
      ['fcm', 'use_fcmv1', CHANNELS],
      ['fcm', 'replace_push_messages', CHANNELS],
      ['fcm', 'date_format', CHANNELS],
      ['fcm', 'fcm_android_priority', CHANNELS],
      ['fcm', 'fcm_android_ttl', CHANNELS],
      ['fcm', 'fcm_log_raw_message', CHANNELS],
      ['fcm', 'fcm_log_message_id', CHANNELS],
      ['fcm', 'fcm_v1_key', CHANNELS],
      ['fcm', 'fcm_v1_url', CHANNELS],
      ['fcm', 'api_key', 'legacy FCM API is shut down'],
      ['mqtt', 'enable', CHANNELS],
      ['mqtt', 'topic', CHANNELS],
      ['mqtt', 'server', CHANNELS],
      ['mqtt', 'username', CHANNELS],
      ['mqtt', 'password', CHANNELS],
      ['mqtt', 'retain', CHANNELS],
      ['mqtt', 'tls_ca', CHANNELS],
      ['mqtt', 'tls_cert', CHANNELS],
      ['mqtt', 'tls_key', CHANNELS],
      ['mqtt', 'tls_insecure', CHANNELS],
      ['mqtt', 'tick_interval', CHANNELS],
      ['customize', 'es_rules', DECISION],
      ['customize', 'console_logs', LOGGING],
      ['customize', 'es_debug_level', LOGGING],
      ['customize', 'event_check_interval', ZM_SOURCE],
      ['customize', 'monitor_reload_interval', ZM_SOURCE],
      ['customize', 'read_alarm_cause', ZM_SOURCE],
      ['customize', 'tag_alarm_event_id', CHANNELS],
      ['customize', 'use_custom_notification_sound', 'unused by zmES 6.1.29 too'],
      ['customize', 'use_hooks', DECISION],
      ['hook', 'event_start_hook', DECISION],
      ['hook', 'event_end_hook', DECISION],
      ['hook', 'event_start_hook_notify_userscript', DECISION],
      ['hook', 'event_end_hook_notify_userscript', DECISION],
      ['hook', 'event_start_notify_on_hook_success', DECISION],
      ['hook', 'event_start_notify_on_hook_fail', DECISION],
      ['hook', 'event_end_notify_on_hook_success', DECISION],
      ['hook', 'event_end_notify_on_hook_fail', DECISION],
      ['hook', 'event_end_notify_if_start_success', DECISION],
      ['hook', 'use_hook_description', DECISION],
      ['hook', 'keep_frame_match_type', DECISION],
      ['hook', 'max_parallel_hooks', DECISION],
      ['hook', 'hook_skip_monitors', DECISION],
      ['hook', 'hook_pass_image_path', DECISION]
    ].map(([section, key, why]) => `ignored option [${section}] ${key}: ${why}`)
    assert.deepEqual(lines, expected)
  })

  it('stays silent about implemented options, absent options and keys that are not options', () => {
    assert.deepEqual(linesFor('[network]\nport = 9000\n[ssl]\nenable = no\n[hook]\nnosuch = 1\n[http]\nport = 8080\n'), [])
  })

  it('reports the legacy hook_script under its own name', () => {
    assert.deepEqual(linesFor('[hook]\nhook_script = /x.sh\n'), [`ignored option [hook] hook_script: ${DECISION}`])
  })

  it('reports escontrol_interface_password as ignored while the escontrol interface is off', () => {
    assert.deepEqual(linesFor('[general]\nescontrol_interface_password = pw\n'), [
      'ignored option [general] escontrol_interface_password: [general] use_escontrol_interface is off'
    ])
    assert.deepEqual(linesFor('[general]\nuse_escontrol_interface = yes\nescontrol_interface_password = pw\n'), [])
  })
})
