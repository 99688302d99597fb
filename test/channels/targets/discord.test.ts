import { after, before, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { DiscordFake } from '../../fakes/targets/discord-fake.js'
import { PICTURE, sendOnce } from './support.js'

const ID = '4174216298'
const TOKEN = 'JHMHI8qBe7bk2ZwO5U711o3dV_js'
const CRITICAL = { rules: { allowed: true, rulesObject: { notification_type: 'critical' }, rule: 0, reason: 'critical_notify' } }

describe('Discord', () => {
  let fake: DiscordFake
  const url = (id = ID, token = TOKEN): string => `discord://${id}/${token}?base=${fake.base}`
  before(async () => { fake = await DiscordFake.create(ID, TOKEN) })
  after(async () => { await fake.stop() })
  beforeEach(() => {
    fake.requests.length = 0
    fake.accepted.length = 0
  })

  it('POSTs {content, embeds: [{title, description, color, image}]} with ?wait=true', async () => {
    const { outcome } = await sendOnce(url())
    assert.equal(outcome.kind, 'delivered')
    assert.equal(outcome.statusCode, 200)
    assert.deepEqual(fake.problems, [])
    const req = fake.accepted[0]
    assert.equal(req?.url, `/api/webhooks/${ID}/${TOKEN}?wait=true`)
    assert.equal(req?.headers['content-type'], 'application/json')
    assert.deepEqual(req?.json, {
      content: 'Front Door Alarm (1234)',
      embeds: [{
        title: 'Front Door Alarm (1234)',
        description: 'Motion All',
        color: 0xe67e22,
        timestamp: '2023-11-14T22:13:20.000Z',
        url: PICTURE,
        image: { url: PICTURE }
      }],
      allowed_mentions: { parse: [] }
    })
  })

  it('colours ends grey and critical alarms red', async () => {
    await sendOnce(url(), { phase: 'end' }, null)
    await sendOnce(url(), { record: CRITICAL })
    const colors = fake.accepted.map((r) => ((r.json as { embeds: Array<{ color: number }> }).embeds[0]?.color))
    assert.deepEqual(colors, [0x95a5a6, 0xe74c3c])
    assert.equal(((fake.accepted[0]?.json as { embeds: Array<Record<string, unknown>> }).embeds[0])?.image, undefined)
  })

  it('429: the wait is the body\'s retry_after (fractional seconds)', async () => {
    fake.failNext(1, DiscordFake.tooMany(1.25))
    const { outcome } = await sendOnce(url())
    assert.equal(outcome.kind, 'retry')
    assert.equal(outcome.kind === 'retry' ? outcome.retryAfterMs : 0, 1250)
  })

  it('a deleted webhook (404) and a wrong token (401) switch the target off', async () => {
    const deleted = await sendOnce(url('999'))
    assert.equal(deleted.outcome.kind, 'permanent')
    assert.match(deleted.disable ?? '', /^Discord says the webhook does not exist \(Unknown Webhook\)/)
    const wrong = await sendOnce(url(ID, 'wrong'))
    assert.match(wrong.disable ?? '', /^Discord refuses the webhook token/)
  })

  it('5xx is retried, 400 is permanent', async () => {
    fake.failNext(1, { status: 503, body: 'upstream connect error' })
    assert.equal((await sendOnce(url())).outcome.kind, 'retry')
    fake.failNext(1, DiscordFake.error(400, 'Invalid Form Body', 50035))
    const { outcome, disable } = await sendOnce(url())
    assert.equal(outcome.kind, 'permanent')
    assert.equal(disable, undefined)
  })
})
