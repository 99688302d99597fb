import { after, before, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { GotifyFake } from '../../fakes/targets/gotify-fake.js'
import { PICTURE, sendOnce } from './support.js'

const TOKEN = 'AzyoeNS.D4iJLVa'
const CRITICAL = { rules: { allowed: true, rulesObject: { notification_type: 'critical' }, rule: 0, reason: 'critical_notify' } }

describe('Gotify', () => {
  let fake: GotifyFake
  before(async () => { fake = await GotifyFake.create(TOKEN, '/gotify') })
  after(async () => { await fake.stop() })
  beforeEach(() => {
    fake.requests.length = 0
    fake.accepted.length = 0
  })

  it('POSTs JSON to <base>/message with X-Gotify-Key, and the picture as click URL and big image', async () => {
    const { outcome } = await sendOnce(`gotify://${fake.hostPort}/gotify/${TOKEN}`)
    assert.equal(outcome.kind, 'delivered')
    assert.deepEqual(fake.problems, [])
    const req = fake.accepted[0]
    assert.equal(req?.path, '/gotify/message')
    assert.equal(req?.headers['x-gotify-key'], TOKEN)
    assert.equal(req?.headers['content-type'], 'application/json')
    assert.deepEqual(req?.json, {
      title: 'Front Door Alarm (1234)',
      message: 'Motion All',
      priority: 5,
      extras: {
        'client::display': { contentType: 'text/plain' },
        'client::notification': { click: { url: PICTURE }, bigImageUrl: PICTURE }
      }
    })
  })

  it('uses ?priority=, and 10 for critical_notify; no notification extras without a picture', async () => {
    await sendOnce(`gotify://${fake.hostPort}/gotify/${TOKEN}?priority=2`, { phase: 'end' }, null)
    await sendOnce(`gotify://${fake.hostPort}/gotify/${TOKEN}?priority=2`, { record: CRITICAL })
    assert.deepEqual(fake.accepted[0]?.json, { title: 'Ended: Front Door Alarm (1234)', message: 'Motion All ended', priority: 2, extras: { 'client::display': { contentType: 'text/plain' } } })
    assert.equal((fake.accepted[1]?.json as Record<string, unknown>).priority, 10)
  })

  it('a wrong token is a permanent failure with Gotify\'s description', async () => {
    const { outcome } = await sendOnce(`gotify://${fake.hostPort}/gotify/wrongtoken`)
    assert.equal(outcome.kind, 'permanent')
    assert.match(outcome.kind === 'permanent' ? outcome.error : '', /^HTTP 401 Unauthorized: you need to provide a valid access token/)
  })

  it('5xx and 429 are retried', async () => {
    fake.failNext(1, GotifyFake.error(502, 'Bad Gateway', 'upstream'))
    fake.failNext(1, { status: 429, headers: { 'retry-after': '3' }, body: GotifyFake.error(429, 'Too Many Requests', 'slow down').body })
    assert.equal((await sendOnce(`gotify://${fake.hostPort}/gotify/${TOKEN}`)).outcome.kind, 'retry')
    const limited = await sendOnce(`gotify://${fake.hostPort}/gotify/${TOKEN}`)
    assert.equal(limited.outcome.kind === 'retry' ? limited.outcome.retryAfterMs : 0, 3000)
  })
})
