import { after, before, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { NtfyFake } from '../../fakes/targets/ntfy-fake.js'
import { PICTURE, sendOnce } from './support.js'

const CRITICAL = { rules: { allowed: true, rulesObject: { notification_type: 'critical' }, rule: 0, reason: 'critical_notify' } }

describe('ntfy', () => {
  let fake: NtfyFake
  before(async () => { fake = await NtfyFake.create() })
  after(async () => { await fake.stop() })
  beforeEach(() => {
    fake.requests.length = 0
    fake.accepted.length = 0
    fake.requiredAuth = undefined
  })

  it('publishes JSON to the server root: topic, title, message, priority, tags, click and attach', async () => {
    const result = await sendOnce(`ntfy://${fake.hostPort}/alarms`)
    assert.equal(result.outcome.kind, 'delivered')
    assert.deepEqual(fake.problems, [])
    const req = fake.accepted[0]
    assert.ok(req !== undefined)
    assert.equal(req.method, 'POST')
    assert.equal(req.url, '/')
    assert.equal(req.headers['content-type'], 'application/json')
    assert.equal(req.headers['user-agent'], 'Herald-test')
    assert.equal(req.headers.authorization, undefined)
    assert.deepEqual(req.json, {
      topic: 'alarms',
      title: 'Front Door Alarm (1234)',
      message: 'Motion All',
      priority: 3,
      tags: [],
      click: PICTURE,
      attach: PICTURE
    })
  })

  it('an end says so; without a picture there is no click or attach', async () => {
    await sendOnce(`ntfy://${fake.hostPort}/alarms`, { phase: 'end' }, null)
    assert.deepEqual(fake.accepted[0]?.json, { topic: 'alarms', title: 'Ended: Front Door Alarm (1234)', message: 'Motion All ended', priority: 3, tags: [] })
  })

  it('uses the URL\'s priority and tags; es_rules critical_notify raises the priority to urgent (5)', async () => {
    await sendOnce(`ntfy://${fake.hostPort}/alarms?priority=low&tags=camera,warning&click=https://zm.lan/&attach=https://zm.lan/snap.jpg`)
    await sendOnce(`ntfy://${fake.hostPort}/alarms?priority=low`, { record: CRITICAL })
    assert.deepEqual(fake.accepted.map((r) => (r.json as Record<string, unknown>).priority), [2, 5])
    const first = fake.accepted[0]?.json as Record<string, unknown>
    assert.deepEqual(first.tags, ['camera', 'warning'])
    assert.equal(first.click, 'https://zm.lan/')
    assert.equal(first.attach, 'https://zm.lan/snap.jpg')
  })

  it('sends Basic auth for user:pass and a Bearer header for a token', async () => {
    fake.requiredAuth = `Basic ${Buffer.from('alice:pa@ss').toString('base64')}`
    assert.equal((await sendOnce(`ntfy://alice:pa%40ss@${fake.hostPort}/alarms`)).outcome.kind, 'delivered')
    fake.requiredAuth = 'Bearer tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2'
    assert.equal((await sendOnce(`ntfy://tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2@${fake.hostPort}/alarms`)).outcome.kind, 'delivered')
    assert.deepEqual(fake.problems, [])
  })

  it('wrong credentials are a permanent failure carrying ntfy\'s error text', async () => {
    fake.requiredAuth = 'Bearer tk_right'
    const { outcome, disable } = await sendOnce(`ntfy://tk_wrong@${fake.hostPort}/alarms`)
    assert.deepEqual(outcome, { kind: 'permanent', error: 'HTTP 401 Unauthorized: topic alarms: unauthorized', statusCode: 401, latencyMs: outcome.latencyMs })
    assert.equal(disable, undefined)
    fake.problems.length = 0
  })

  it('429 with Retry-After and 5xx are retried; the wait asked for is passed on', async () => {
    fake.failNext(1, { ...NtfyFake.error(429, 42901, 'limit reached: too many requests'), headers: { 'retry-after': '7' } })
    const limited = await sendOnce(`ntfy://${fake.hostPort}/alarms`)
    assert.equal(limited.outcome.kind, 'retry')
    assert.equal(limited.outcome.kind === 'retry' ? limited.outcome.retryAfterMs : 0, 7000)
    assert.match(limited.outcome.kind === 'retry' ? limited.outcome.error : '', /^HTTP 429 Too Many Requests: topic alarms: limit reached/)
    fake.failNext(1, NtfyFake.error(507, 50701, 'insufficient storage'))
    assert.equal((await sendOnce(`ntfy://${fake.hostPort}/alarms`)).outcome.kind, 'retry')
  })

  it('sends one publish per topic, and a retry skips the topics that already have it', async () => {
    const url = `ntfy://${fake.hostPort}/one/two/three`
    const done = new Set<string>()
    fake.script('success', NtfyFake.error(503, 50301, 'server busy'))
    const partial = await sendOnce(url, {}, PICTURE, done)
    assert.equal(partial.outcome.kind, 'retry')
    assert.deepEqual([...done], ['one'])
    const retried = await sendOnce(url, {}, PICTURE, done)
    assert.equal(retried.outcome.kind, 'delivered')
    assert.deepEqual([...done], ['one', 'two', 'three'])
    assert.deepEqual(fake.requests.map((r) => (r.json as Record<string, unknown>).topic), ['one', 'two', 'two', 'three'])
    assert.deepEqual(fake.accepted.map((r) => (r.json as Record<string, unknown>).topic), ['one', 'two', 'three'])
  })

  it('a 200 that is not an ntfy answer (a proxy page) is a permanent failure that says so', async () => {
    fake.failNext(1, { status: 200, body: '<html>captive portal</html>' })
    const { outcome } = await sendOnce(`ntfy://${fake.hostPort}/alarms`)
    assert.equal(outcome.kind, 'permanent')
    assert.match(outcome.kind === 'permanent' ? outcome.error : '', /not a ntfy success answer.*is the URL or \?base= right/)
  })

  it('a refused connection is retried', async () => {
    const gone = await NtfyFake.create()
    await gone.stop()
    const { outcome } = await sendOnce(`ntfy://${gone.hostPort}/alarms`)
    assert.equal(outcome.kind, 'retry')
    assert.match(outcome.kind === 'retry' ? outcome.error : '', /Connection refused/)
  })
})
