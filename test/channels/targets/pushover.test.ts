import { after, before, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { PushoverFake } from '../../fakes/targets/pushover-fake.js'
import { PICTURE, sendOnce } from './support.js'

const USER = 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG'
const TOKEN = 'azGDORePK8gMaC0QOYAMyEEuzJnyUi'
const OTHER = 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz'
const CRITICAL = { rules: { allowed: true, rulesObject: { notification_type: 'critical' }, rule: 0, reason: 'critical_notify' } }

describe('Pushover', () => {
  let fake: PushoverFake
  const url = (query = '', user = USER, token = TOKEN, devices = ''): string => `pover://${user}@${token}${devices}?base=${fake.base}${query}`
  before(async () => { fake = await PushoverFake.create(USER, TOKEN) })
  after(async () => { await fake.stop() })
  beforeEach(() => {
    fake.requests.length = 0
    fake.accepted.length = 0
  })

  it('POSTs JSON to /1/messages.json: token, user, title, message, timestamp, url and url_title', async () => {
    const { outcome } = await sendOnce(url())
    assert.equal(outcome.kind, 'delivered')
    assert.deepEqual(fake.problems, [])
    const req = fake.accepted[0]
    assert.equal(req?.method, 'POST')
    assert.equal(req?.path, '/1/messages.json')
    assert.equal(req?.headers['content-type'], 'application/json')
    assert.deepEqual(req?.json, {
      token: TOKEN,
      user: USER,
      title: 'Front Door Alarm (1234)',
      message: 'Motion All',
      timestamp: 1_700_000_000,
      url: PICTURE,
      url_title: 'View event'
    })
  })

  it('adds priority, sound and the devices (comma-separated) from the URL', async () => {
    await sendOnce(url('&priority=-1&sound=siren', USER, TOKEN, '/phone/tablet'), { phase: 'end' }, null)
    assert.deepEqual(fake.accepted[0]?.json, {
      token: TOKEN, user: USER, title: 'Ended: Front Door Alarm (1234)', message: 'Motion All ended', timestamp: 1_700_000_000, priority: -1, sound: 'siren', device: 'phone,tablet'
    })
  })

  it('critical_notify sends high priority (1); a configured emergency keeps its retry and expire', async () => {
    await sendOnce(url(), { record: CRITICAL })
    await sendOnce(url('&priority=emergency'), { record: CRITICAL })
    const [high, emergency] = fake.accepted.map((r) => r.json as Record<string, unknown>)
    assert.equal(high?.priority, 1)
    assert.deepEqual([emergency?.priority, emergency?.retry, emergency?.expire], [2, 900, 3600])
    assert.deepEqual(fake.problems, [])
  })

  it('an invalid user key is permanent and switches the target off', async () => {
    const { outcome, disable } = await sendOnce(url('', OTHER))
    assert.equal(outcome.kind, 'permanent')
    assert.equal(outcome.statusCode, 400)
    assert.match(outcome.kind === 'permanent' ? outcome.error : '', /user identifier is not a valid user/)
    assert.match(disable ?? '', /^Pushover says the user key is invalid/)
  })

  it('an invalid application token is permanent and switches the target off', async () => {
    const { outcome, disable } = await sendOnce(url('', USER, OTHER))
    assert.equal(outcome.kind, 'permanent')
    assert.match(disable ?? '', /^Pushover says the application token is invalid \(application token is invalid\)/)
  })

  it('another 4xx is permanent without switching the target off', async () => {
    fake.failNext(1, PushoverFake.error(400, ['device name is not valid for user'], { device: 'invalid' }))
    const { outcome, disable } = await sendOnce(url())
    assert.equal(outcome.kind, 'permanent')
    assert.equal(disable, undefined)
  })

  it('429 (monthly limit) and 5xx are retried', async () => {
    fake.failNext(1, PushoverFake.error(429, ['application is over its monthly limit']))
    fake.failNext(1, { status: 500, body: 'Internal Server Error' })
    assert.equal((await sendOnce(url())).outcome.kind, 'retry')
    assert.equal((await sendOnce(url())).outcome.kind, 'retry')
  })

  it('a 200 without status 1 is not taken for a success', async () => {
    fake.failNext(1, { status: 200, body: { hello: 'world' } })
    assert.equal((await sendOnce(url())).outcome.kind, 'permanent')
  })

  it('a picture URL longer than Pushover\'s 512 characters is left out rather than refused', async () => {
    await sendOnce(url(), {}, `https://zm.lan/${'x'.repeat(600)}`)
    assert.equal((fake.accepted[0]?.json as Record<string, unknown>).url, undefined)
    assert.deepEqual(fake.problems, [])
  })
})
