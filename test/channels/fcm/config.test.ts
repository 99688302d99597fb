import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent } from 'undici'
import { FcmChannel } from '../../../src/channels/fcm/index.js'
import type { ZmesConfig } from '../../../src/config/zmes/zmes-schema.js'
import { ConfigError } from '../../../src/errors.js'
import { StoreControlState } from '../../../src/registry/control-state.js'
import { StoreTokenRegistry } from '../../../src/registry/token-registry.js'
import { SqliteStore } from '../../../src/store/sqlite/sqlite-store.js'
import { makeServiceAccount, writeServiceAccountFile } from '../../fakes/fcm-service-account.js'
import { ManualClock } from '../../helpers/manual-clock.js'
import { capturingLogger, decided, zmesConfig } from './support.js'

/*
 * Settings FCM cannot work with stop Herald at start with one HRD_ERR_CONFIG_INVALID naming the
 * option, instead of failing every push later.
 */

const dir = mkdtempSync(join(tmpdir(), 'herald-fcm-config-'))
after(() => rmSync(dir, { recursive: true, force: true }))
const account = makeServiceAccount('herald-config')
const agent = new Agent()
after(async () => { await agent.close() })

/** `config` may be a getter, for a test that changes the settings under a running channel. */
async function create (config: ZmesConfig | (() => ZmesConfig), logs = capturingLogger()): Promise<FcmChannel> {
  const store = new SqliteStore({ file: ':memory:' })
  return await FcmChannel.create({
    config: typeof config === 'function' ? config : () => config,
    tokens: await StoreTokenRegistry.load(store),
    control: await StoreControlState.load(store),
    dispatcher: agent,
    clock: new ManualClock(),
    logger: logs.logger
  })
}

function withFcm (fcm: Partial<ZmesConfig['fcm']>, patch: Parameters<typeof zmesConfig>[0] = {}): ZmesConfig {
  const c = zmesConfig(patch)
  return { ...c, fcm: { ...c.fcm, ...fcm } }
}

/** Runs create() and returns the ConfigError it threw. */
async function refused (config: ZmesConfig): Promise<ConfigError> {
  try {
    await create(config)
  } catch (err) {
    assert.ok(err instanceof ConfigError, `a ConfigError, got ${String(err)}`)
    assert.equal(err.code, 'HRD_ERR_CONFIG_INVALID')
    return err
  }
  assert.fail('the settings were accepted')
}

describe('the transport', () => {
  test('the zmNinja proxy by default; FCM HTTP v1 with a service-account file', async () => {
    assert.equal((await create(zmesConfig())).mode, 'proxy')
    const file = writeServiceAccountFile(dir, account, 'https://oauth2.googleapis.com/token', 'good.json')
    assert.equal((await create(withFcm({ fcm_service_account_file: file }))).mode, 'direct')
  })

  test('use_fcmv1 = no (Google\'s shut-down legacy API) is refused, naming the alternatives', async () => {
    const err = await refused(withFcm({ use_fcmv1: false }))
    assert.equal(err.problems[0]?.field, 'fcm.use_fcmv1')
    assert.match(err.message, /shut down/)
    assert.match(err.message, /fcm_service_account_file/)
  })

  test('a service-account file wins over use_fcmv1 = no', async () => {
    const file = writeServiceAccountFile(dir, account, 'https://oauth2.googleapis.com/token', 'wins.json')
    assert.equal((await create(withFcm({ use_fcmv1: false, fcm_service_account_file: file }))).mode, 'direct')
  })

  test('a proxy URL that is not http(s) and an empty key are both reported', async () => {
    const err = await refused(withFcm({ fcm_v1_url: 'not a url', fcm_v1_key: '' }))
    assert.deepEqual(err.problems.map((p) => p.field), ['fcm.fcm_v1_url', 'fcm.fcm_v1_key'])
  })

  test('an unknown [customize] timezone is refused', async () => {
    const err = await refused(zmesConfig({ customize: { timezone: 'Mars/Olympus_Mons' } }))
    assert.equal(err.problems[0]?.field, 'customize.timezone')
  })
})

describe('the service-account file', () => {
  const cases: Array<[string, () => string, RegExp]> = [
    ['a missing file', () => join(dir, 'missing.json'), /no such file/],
    ['invalid JSON', () => write('bad.json', '{"type": "service_account",'), /is not JSON/],
    ['a JSON array', () => write('array.json', '[]'), /not a JSON object/],
    ['another kind of credential', () => write('user.json', JSON.stringify({ type: 'authorized_user', client_id: 'x' })), /"service_account"/],
    ['missing fields', () => write('partial.json', JSON.stringify({ type: 'service_account', project_id: 'p' })), /lacks client_email, private_key/],
    ['a private key that is not PEM', () => write('nokey.json', JSON.stringify({ type: 'service_account', project_id: 'p', client_email: 'e@p.iam.gserviceaccount.com', private_key: 'MIIEv…' })), /not a PEM private key/],
    ['a token_uri that is not a URL', () => write('uri.json', JSON.stringify({ project_id: 'p', client_email: 'e@p', private_key: account.privateKeyPem, token_uri: 'oauth2' })), /token_uri/]
  ]
  for (const [what, file, message] of cases) {
    test(`${what} is refused at start`, async () => {
      const err = await refused(withFcm({ fcm_service_account_file: file() }))
      assert.equal(err.problems[0]?.field, 'fcm.fcm_service_account_file')
      assert.match(err.message, message)
      assert.ok(!err.message.includes('PRIVATE KEY'), 'the key is never quoted')
    })
  }

  test('a bad fcm_api_url is refused before the file is read', async () => {
    for (const url of ['fcm.googleapis.com', 'ftp://fcm.googleapis.com', '']) {
      const err = await refused(withFcm({ fcm_service_account_file: join(dir, 'missing.json'), fcm_api_url: url }))
      assert.deepEqual(err.problems.map((p) => p.field), ['fcm.fcm_api_url'])
    }
  })
})

describe('with [fcm] enable = no', () => {
  test('settings FCM would refuse do not stop Herald; FCM stays off, and says why if switched on', async () => {
    const logs = capturingLogger()
    let config = withFcm({ enable: false, use_fcmv1: false })
    const channel = await create(() => config, logs)
    assert.equal(channel.mode, undefined)
    assert.equal(channel.enabled(), false)
    config = withFcm({ enable: true, use_fcmv1: false })
    assert.equal(channel.enabled(), false)
    assert.deepEqual(channel.routes(decided().alarm, Date.now()), [])
    assert.equal(logs.lines.filter((l) => l.level === 50 && l.msg.includes('refused at start')).length, 1)
  })
})

function write (name: string, text: string): string {
  const file = join(dir, name)
  writeFileSync(file, text)
  return file
}
