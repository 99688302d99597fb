import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { planOverrides, resolveOverrideName } from '../../src/config/zmes/overrides.js'
import { readZmesConfig } from '../../src/config/zmes/read-zmes.js'
import { loadFixture, loadText } from '../fixtures/zmes/fixture.js'

const overrides = (entries: Record<string, string>): Map<string, string> => new Map(Object.entries(entries))

describe('escontrol overrides (quirk 7: namespaced, bare only when unambiguous)', () => {
  it('applies a namespaced override to that one option only', () => {
    const { config, ignored } = readZmesConfig(loadFixture(), overrides({ 'ssl.enable': 'no' }))
    assert.equal(config.ssl.enable, false)
    assert.equal(config.auth.enable, true)
    assert.equal(config.fcm.enable, true)
    assert.deepEqual(ignored, [])
  })

  it('applies a bare key that only one zmES section has', () => {
    const { config } = readZmesConfig(loadFixture(), overrides({ timeout: '45', picture_url: 'https://x/?eid=EVENTID;y' }))
    assert.equal(config.auth.timeout, 45)
    assert.equal(config.customize.picture_url, 'https://x/?eid=EVENTID;y')
  })

  it('applies an ambiguous bare key nowhere and reports it instead of flipping four sections', () => {
    const { config, ignored } = readZmesConfig(loadFixture(), overrides({ enable: 'no' }))
    assert.equal(config.auth.enable, true)
    assert.equal(config.fcm.enable, true)
    assert.equal(config.ssl.enable, true)
    assert.deepEqual(ignored, ['ignored escontrol override enable: ambiguous: [auth], [fcm], [mqtt], [ssl] all have enable; write section.key, e.g. auth.enable'])
  })

  it('lets the namespaced form win over the bare form whatever the order', () => {
    const a = readZmesConfig(loadFixture(), overrides({ 'auth.timeout': '30', timeout: '40' }))
    const b = readZmesConfig(loadFixture(), overrides({ timeout: '40', 'auth.timeout': '30' }))
    assert.equal(a.config.auth.timeout, 30)
    assert.equal(b.config.auth.timeout, 30)
  })

  it('supplies a value the file lacks, with yes/no and templates applied but no secret lookup', () => {
    const settings = loadText('[general]\nbase_data_path = /srv/zmes\n')
    const { config, problems } = readZmesConfig(settings, overrides({
      'mqtt.enable': 'YES',
      'mqtt.password': '!NOT_A_SECRET',
      'fcm.token_file': '{{base_data_path}}/t.txt'
    }))
    assert.deepEqual(problems, [])
    assert.equal(config.mqtt.enable, true)
    assert.equal(config.mqtt.password, '!NOT_A_SECRET')
    assert.equal(config.fcm.token_file, '/srv/zmes/t.txt')
  })

  it('names a bad override value as an escontrol override in the problem', () => {
    const { problems } = readZmesConfig(loadFixture(), overrides({ 'network.port': 'http' }))
    assert.deepEqual(problems, [{ field: '[network] port (escontrol override)', message: 'must be an integer from 0 to 65535, got "http"' }])
  })

  it('refuses unknown names and the options zmES reads before its overrides', () => {
    const { ignored, config } = readZmesConfig(loadFixture(), overrides({
      nosuch: '1',
      'mqtt.nosuch': '1',
      escontrol_interface_password: 'hijack',
      'general.secrets': '/tmp/other.ini'
    }))
    assert.equal(config.general.escontrol_interface_password, 'escontrol#secret')
    assert.deepEqual(ignored, [
      'ignored escontrol override nosuch: no zmES option is named nosuch',
      'ignored escontrol override escontrol_interface_password: [general] escontrol_interface_password is read before escontrol overrides, as in zmES',
      'ignored escontrol override mqtt.nosuch: no zmES option [mqtt] nosuch',
      'ignored escontrol override general.secrets: [general] secrets is read before escontrol overrides, as in zmES'
    ])
  })

  it('accepts the legacy hook_script name, which still loses to event_start_hook', () => {
    const settings = loadText('[hook]\n')
    assert.equal(readZmesConfig(settings, overrides({ hook_script: '/old.sh' })).config.hook.event_start_hook, '/old.sh')
    const both = readZmesConfig(settings, overrides({ 'hook.hook_script': '/old.sh', event_start_hook: '/new.sh' }))
    assert.equal(both.config.hook.event_start_hook, '/new.sh')
  })

  it('resolves names for the escontrol edit handler', () => {
    assert.deepEqual(resolveOverrideName('mqtt.enable'), { ok: true, section: 'mqtt', key: 'enable' })
    assert.deepEqual(resolveOverrideName('tag_alarm_event_id'), { ok: true, section: 'customize', key: 'tag_alarm_event_id' })
    assert.equal(resolveOverrideName('enable').ok, false)
    assert.deepEqual(resolveOverrideName('port'), { ok: true, section: 'network', key: 'port' }, "zmES's port, not Herald's [mqtt] port")
    assert.deepEqual(resolveOverrideName('mqtt.port'), { ok: true, section: 'mqtt', key: 'port' })
    assert.equal(resolveOverrideName('http.port').ok, false, "Herald's own settings are not escontrol options")
    assert.deepEqual(planOverrides(undefined), { byOption: new Map(), ignored: [] })
  })
})
