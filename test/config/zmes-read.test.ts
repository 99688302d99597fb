import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readZmesConfig } from '../../src/config/zmes/read-zmes.js'
import { ConfigError } from '../../src/errors.js'
import { ZMES_DEFAULTS, type ZmesConfig } from '../../src/config/zmes/zmes-schema.js'
import { loadFixture, loadText } from '../fixtures/zmes/fixture.js'

function read (ini: string, secrets?: string): ReturnType<typeof readZmesConfig> {
  return readZmesConfig(loadText(ini, secrets))
}

const EXPECTED_FIXTURE: ZmesConfig = {
  general: {
    secrets: 'secrets.ini',
    base_data_path: '/var/lib/zmeventnotification',
    use_escontrol_interface: true,
    escontrol_interface_file: '/var/lib/zmeventnotification/misc/escontrol_interface.dat',
    escontrol_interface_password: 'escontrol#secret',
    restart_interval: 0,
    skip_monitors: [7, 9]
  },
  network: { port: 9000, address: '0.0.0.0' },
  auth: { enable: true, timeout: 20 },
  push: { use_api_push: true, api_push_script: '/var/lib/zmeventnotification/bin/pushapi_pushover.py', api_push_timeout: 60 },
  fcm: {
    enable: true,
    use_fcmv1: true,
    replace_push_messages: false,
    token_file: '/var/lib/zmeventnotification/push/tokens.txt',
    date_format: '%I:%M %p, %d-%b',
    fcm_android_priority: 'normal',
    fcm_android_ttl: 0,
    fcm_log_raw_message: false,
    fcm_log_message_id: 'NONE',
    fcm_v1_key: 'eyJhbGciOiJIUzI1NiJ9.eyJ0ZXN0IjoiaGVyYWxkIn0.not-a-real-signature',
    fcm_v1_url: 'https://proxy.example.org/send_push?region=eu;v=1',
    api_key: 'AAAAlegacy:APA91b-not-a-real-key',
    fcm_service_account_file: undefined,
    fcm_api_url: 'https://fcm.googleapis.com'
  },
  mqtt: {
    enable: false,
    server: '127.0.0.1',
    topic: 'zoneminder',
    username: 'mqttuser',
    password: 'mqtt;pass',
    tls_ca: '/etc/zm/ssl/mqtt-ca.pem',
    tls_cert: '/etc/zm/ssl/mqtt-client.pem',
    tls_key: '/etc/zm/ssl/mqtt-client.key',
    tls_insecure: false,
    tick_interval: 15,
    retain: false,
    port: undefined,
    qos: 1,
    herald_topic: 'herald'
  },
  ssl: { enable: true, cert: '/etc/zm/apache2/ssl/zoneminder.crt', key: '/etc/zm/apache2/ssl/zoneminder.key' },
  customize: {
    es_rules: '/etc/zm/es_rules.json',
    console_logs: false,
    es_debug_level: 4,
    event_check_interval: 5,
    monitor_reload_interval: 300,
    read_alarm_cause: true,
    tag_alarm_event_id: true,
    use_custom_notification_sound: false,
    include_picture: true,
    send_event_start_notification: true,
    send_event_end_notification: true,
    picture_url: 'https://portal.example.org/zm/index.php?view=image&eid=EVENTID&fid=objdetect&width=600;cache=no',
    picture_portal_username: 'zmuser',
    picture_portal_password: 'pass#word;1',
    use_hooks: true,
    timezone: undefined
  },
  hook: {
    max_parallel_hooks: 0,
    event_start_hook: "'/var/lib/zmeventnotification/bin/zm_event_start.sh'",
    event_start_hook_notify_userscript: "'/var/lib/zmeventnotification/contrib/example.py'",
    event_end_hook: "'/var/lib/zmeventnotification/bin/zm_event_end.sh'",
    event_end_hook_notify_userscript: "'/var/lib/zmeventnotification/contrib/example.py'",
    event_start_notify_on_hook_success: ['web', 'fcm', 'mqtt', 'api', 'webhooks', 'targets'],
    event_start_notify_on_hook_fail: [],
    event_end_notify_on_hook_success: ['web', 'fcm', 'api'],
    event_end_notify_on_hook_fail: [],
    event_end_notify_if_start_success: true,
    use_hook_description: true,
    keep_frame_match_type: true,
    hook_skip_monitors: [2],
    hook_pass_image_path: true,
    hook_timeout: 60,
    max_queued_hooks: 1000
  }
}

describe('readZmesConfig with the sample-format fixture', () => {
  it('reads every option of the unmodified file into its typed value', () => {
    const result = readZmesConfig(loadFixture())
    assert.deepEqual(result.config, EXPECTED_FIXTURE)
    assert.deepEqual(result.problems, [])
    assert.deepEqual(result.ignored, [])
    assert.deepEqual(result.warnings, [])
  })

  it('keeps # and ; inside secret values and URLs', () => {
    const { config } = readZmesConfig(loadFixture())
    assert.equal(config.customize.picture_portal_password, 'pass#word;1')
    assert.equal(config.mqtt.password, 'mqtt;pass')
    assert.ok(config.customize.picture_url?.endsWith('width=600;cache=no'))
    assert.equal(config.fcm.fcm_v1_url, 'https://proxy.example.org/send_push?region=eu;v=1')
  })

  it('returns a deeply frozen config', () => {
    const { config } = readZmesConfig(loadFixture())
    assert.ok(Object.isFrozen(config))
    assert.ok(Object.isFrozen(config.general))
    assert.ok(Object.isFrozen(config.general.skip_monitors))
    assert.ok(Object.isFrozen(config.hook.event_start_notify_on_hook_success))
    assert.ok(!Object.isFrozen(ZMES_DEFAULTS.general.skip_monitors), 'the defaults are cloned, not frozen in place')
  })
})

describe('readZmesConfig defaults', () => {
  it('uses the built-in defaults, not the sample file values, when keys are absent', () => {
    const { config, problems } = read('[general]\n')
    assert.deepEqual(config, ZMES_DEFAULTS)
    assert.deepEqual(problems, [])
    assert.equal(config.general.restart_interval, 7200)
    assert.equal(config.ssl.enable, true)
    assert.equal(config.network.address, '[::]')
    assert.equal(config.network.port, 9000)
    assert.equal(config.auth.timeout, 20)
    assert.equal(config.customize.send_event_end_notification, false)
    assert.equal(config.customize.use_hooks, false)
    assert.equal(config.fcm.fcm_v1_url, 'https://us-central1-zoneminder-ninja.cloudfunctions.net/send_push')
    assert.deepEqual(config.hook.event_start_notify_on_hook_success, [])
  })

  it('uses the built-in defaults when Herald runs without a config file', () => {
    const settings = loadText('[http]\nport = 8080\n')
    const { config, problems } = readZmesConfig({ ...settings, ini: undefined })
    assert.deepEqual(config, ZMES_DEFAULTS)
    assert.deepEqual(problems, [])
  })

  it('treats an empty value as set to the empty string, as zmES does', () => {
    const { config } = read('[customize]\npicture_url =\n[ssl]\ncert =\n')
    assert.equal(config.customize.picture_url, '')
    assert.equal(config.ssl.cert, '')
    assert.equal(config.ssl.key, undefined)
  })
})

describe('readZmesConfig values', () => {
  it('substitutes {{name}} from [general], else from the own section, without expanding twice', () => {
    const { config, warnings } = read([
      '[general]', 'base_data_path = /srv/zmes',
      '[fcm]', 'token_file = {{base_data_path}}/push/tokens.txt', 'date_format = {{fmt}} {{nowhere}}', 'fmt = %H:%M'
    ].join('\n'))
    assert.equal(config.fcm.token_file, '/srv/zmes/push/tokens.txt')
    assert.equal(config.fcm.date_format, '%H:%M')
    assert.deepEqual(warnings.filter((w) => w.includes('{{nowhere}}')).length, 1)
    assert.ok(warnings.some((w) => w.startsWith('[fcm] date_format (zmeventnotification.ini:5): template {{nowhere}}')))
  })

  it('keeps surrounding quotes as zmES does and warns when they wrap a path Herald opens', () => {
    const { config, warnings } = read("[hook]\nevent_end_hook = \"/bin/end.sh\" --x\n[fcm]\ntoken_file = '/tmp/tokens.txt'\n")
    assert.equal(config.hook.event_end_hook, '"/bin/end.sh" --x')
    assert.equal(config.fcm.token_file, "'/tmp/tokens.txt'")
    assert.deepEqual(warnings, ['[fcm] token_file (zmeventnotification.ini:4): the quotes are part of the path, as in zmES; remove them'])
  })

  it('reads yes/no in any case and tests booleans with Perl truthiness', () => {
    const { config, warnings } = read([
      '[auth]', 'enable = NO',
      '[ssl]', 'enable = 0',
      '[fcm]', 'enable = Yes', 'use_fcmv1 = 1', 'replace_push_messages = true',
      '[mqtt]', 'enable = off', 'retain =', 'tls_insecure = 0.0'
    ].join('\n'))
    assert.equal(config.auth.enable, false)
    assert.equal(config.ssl.enable, false)
    assert.equal(config.fcm.enable, true)
    assert.equal(config.fcm.use_fcmv1, true)
    assert.equal(config.fcm.replace_push_messages, true)
    assert.equal(config.mqtt.enable, true, '"off" is a true string in Perl')
    assert.equal(config.mqtt.retain, false)
    assert.equal(config.mqtt.tls_insecure, true, '"0.0" is a true string in Perl')
    assert.deepEqual(warnings, ['[mqtt] enable (zmeventnotification.ini:10): "off" counts as true, as in zmES (only no, 0 and an empty value are false); write no'])
  })

  it('parses channel lists case-insensitively with blanks, all and none', () => {
    const { config, warnings } = read([
      '[hook]',
      'event_start_notify_on_hook_success = ALL',
      'event_start_notify_on_hook_fail =  mqtt ,WEB,, web ',
      'event_end_notify_on_hook_success = none',
      'event_end_notify_on_hook_fail = emial, api'
    ].join('\n'))
    assert.deepEqual(config.hook.event_start_notify_on_hook_success, ['web', 'fcm', 'mqtt', 'api', 'webhooks', 'targets'])
    assert.deepEqual(config.hook.event_start_notify_on_hook_fail, ['web', 'mqtt'])
    assert.deepEqual(config.hook.event_end_notify_on_hook_success, [])
    assert.deepEqual(config.hook.event_end_notify_on_hook_fail, ['api'])
    assert.deepEqual(warnings, ['[hook] event_end_notify_on_hook_fail (zmeventnotification.ini:5): unknown channel "emial" means no channel (valid: web, fcm, mqtt, api, webhooks, targets, all, none)'])
  })

  it('parses monitor lists with blanks, which zmES itself would not match', () => {
    const { config } = read('[general]\nskip_monitors = 3, 5 ,3,\n[hook]\nhook_skip_monitors =\n')
    assert.deepEqual(config.general.skip_monitors, [3, 5])
    assert.deepEqual(config.hook.hook_skip_monitors, [])
  })

  it('falls back to the legacy hook_script when event_start_hook is absent, empty or 0', () => {
    assert.equal(read("[hook]\nhook_script = '/x/start.sh'\n").config.hook.event_start_hook, "'/x/start.sh'")
    assert.equal(read('[hook]\nevent_start_hook = no\nhook_script = /x/start.sh\n').config.hook.event_start_hook, '/x/start.sh')
    const both = read('[hook]\nevent_start_hook = /new.sh\nhook_script = /old.sh\n')
    assert.equal(both.config.hook.event_start_hook, '/new.sh')
    assert.deepEqual(both.warnings, ['[hook] hook_script (zmeventnotification.ini:3): not used because [hook] event_start_hook is set'])
    assert.deepEqual(both.ignored, [])
  })

  it('reads escontrol_interface_password and api_push_script only when their switch is on, as zmES does', () => {
    const off = read('[general]\nescontrol_interface_password = !NOT_THERE\n[push]\napi_push_script = !NOR_THIS\n')
    assert.equal(off.config.general.escontrol_interface_password, undefined)
    assert.equal(off.config.push.api_push_script, undefined)
    assert.deepEqual(off.problems, [], 'an unreadable secret of an option zmES does not read is not fatal')
    const on = read('[general]\nuse_escontrol_interface = yes\nescontrol_interface_password = pw\n[push]\nuse_api_push = yes\napi_push_script = /p.py\n')
    assert.equal(on.config.general.escontrol_interface_password, 'pw')
    assert.equal(on.config.push.api_push_script, '/p.py')
  })
})

describe('readZmesConfig secrets', () => {
  it('replaces a whole !NAME value by the secret and keeps values that merely contain !', () => {
    const { config } = read(
      '[general]\nsecrets = secrets.ini\n[mqtt]\nusername = !USER\ntopic = zm!alarms\n',
      '[secrets]\nUSER = mq#user\n'
    )
    assert.equal(config.mqtt.username, 'mq#user')
    assert.equal(config.mqtt.topic, 'zm!alarms')
  })

  it('reports a secret that is not in the secrets file, with its line, and keeps the default', () => {
    const { config, problems } = read('[general]\nsecrets = secrets.ini\n[ssl]\ncert = !NOPE\n', '[secrets]\nOTHER = x\n')
    assert.equal(problems.length, 1)
    assert.equal(problems[0]?.field, '[ssl] cert (zmeventnotification.ini:4)')
    assert.match(problems[0]?.message ?? '', /secret "NOPE" is not in \[secrets\]/)
    assert.equal(config.ssl.cert, undefined)
  })

  it('leaves a secrets file that cannot be read to loadSettings, which fails with the line of [general] secrets', () => {
    assert.throws(() => loadText('[general]\nsecrets = missing.ini\n[ssl]\ncert = !CERT\n'), (error: unknown) => {
      assert.ok(error instanceof ConfigError)
      assert.equal(error.problems[0]?.field, '[general] secrets (zmeventnotification.ini:2)')
      assert.match(error.problems[0]?.message ?? '', /cannot read secrets file .*missing\.ini: file does not exist/)
      return true
    })
  })

  it('reports a !NAME value when no secrets file is configured, even for an option Herald ignores', () => {
    const { problems } = read('[mqtt]\npassword = !MQTT_PASSWORD\n')
    assert.deepEqual(problems.map((p) => p.field), ['[mqtt] password (zmeventnotification.ini:2)'])
    assert.match(problems[0]?.message ?? '', /no secrets file is configured/)
  })
})

describe('readZmesConfig bad values', () => {
  it('reports every bad value of an implemented option with its file and line', () => {
    const { problems, config } = read([
      '[network]', 'port = abc',
      '[auth]', 'timeout = -1',
      '[general]', 'skip_monitors = 1, two, 0'
    ].join('\n'))
    assert.deepEqual(problems, [
      { field: '[general] skip_monitors (zmeventnotification.ini:6)', message: 'must be a comma-separated list of monitor ids (positive integers), got "two", "0"' },
      { field: '[network] port (zmeventnotification.ini:2)', message: 'must be an integer from 0 to 65535, got "abc"' },
      { field: '[auth] timeout (zmeventnotification.ini:4)', message: 'must be an integer from 1 to 86400, got "-1"' }
    ])
    assert.equal(config.network.port, 9000)
  })

  it('rejects ports out of range and numbers with units', () => {
    const { problems } = read('[network]\nport = 70000\n[auth]\ntimeout = 20s\n')
    assert.deepEqual(problems.map((p) => p.message), [
      'must be an integer from 0 to 65535, got "70000"',
      'must be an integer from 1 to 86400, got "20s"'
    ])
  })

  it('only warns about a bad value of an option Herald ignores, and keeps its default', () => {
    const { problems, warnings, config } = read('[general]\nrestart_interval = soon\n[fcm]\nfcm_android_priority = urgent\n')
    assert.deepEqual(problems, [])
    assert.equal(config.general.restart_interval, 7200)
    assert.equal(config.fcm.fcm_android_priority, 'urgent')
    assert.deepEqual(warnings, [
      '[general] restart_interval (zmeventnotification.ini:2): must be an integer of at least 0, got "soon"; not used by Herald yet, so the built-in default stands',
      '[fcm] fcm_android_priority (zmeventnotification.ini:4): expected one of high, normal, got "urgent"; passed on as written'
    ])
  })

  it('lists unknown keys of zmES sections as ignored, pointing at the section that has them', () => {
    const { ignored, problems } = read('[hook]\nuse_hooks = yes\nfrobnicate = 1\n[General]\nport = 1\n[data]\ndir = /tmp/x\n')
    assert.deepEqual(problems, [])
    assert.deepEqual(ignored, [
      'unknown option [hook] use_hooks (zmeventnotification.ini:2); zmES reads use_hooks from [customize]',
      'unknown option [hook] frobnicate (zmeventnotification.ini:3)'
    ])
  })

  it('warns about a zmES section spelt with the wrong case', () => {
    const { warnings } = read('[SSL]\nenable = no\n')
    assert.deepEqual(warnings, ['section [SSL] (zmeventnotification.ini:2): ignored; section names are case-sensitive, did you mean [ssl]?'])
  })
})
