import { after, before, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { SlackFake } from '../../fakes/targets/slack-fake.js'
import { PICTURE, sendOnce } from './support.js'

const HOOK = 'T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ'

describe('Slack', () => {
  let fake: SlackFake
  const url = (hook = HOOK, extra = ''): string => `slack://${hook}${extra}?base=${fake.base}`
  before(async () => { fake = await SlackFake.create(HOOK) })
  after(async () => { await fake.stop() })
  beforeEach(() => {
    fake.requests.length = 0
    fake.accepted.length = 0
    fake.archived.clear()
    fake.unreachableImages = false
  })

  it('POSTs {text, blocks: [section, image]} to /services/A/B/C; success is the body "ok"', async () => {
    const { outcome } = await sendOnce(url())
    assert.equal(outcome.kind, 'delivered')
    assert.deepEqual(fake.problems, [])
    const req = fake.accepted[0]
    assert.equal(req?.path, `/services/${HOOK}`)
    assert.equal(req?.headers['content-type'], 'application/json')
    assert.deepEqual(req?.json, {
      text: 'Front Door Alarm (1234): Motion All',
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: `*Front Door Alarm (1234)*\nMotion All\n<${PICTURE}|View event>` } },
        { type: 'image', image_url: PICTURE, alt_text: 'Front Door Alarm (1234)' }
      ]
    })
  })

  it('escapes &, < and > in mrkdwn; no image block without a picture; a /#channel is sent along', async () => {
    await sendOnce(url(HOOK, '/#alarms'), { monitorName: 'A<b>&c', phase: 'end' }, null)
    assert.deepEqual(fake.accepted[0]?.json, {
      text: 'Ended: A<b>&c Alarm (1234): Motion All ended',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*Ended: A&lt;b&gt;&amp;c Alarm (1234)*\nMotion All ended' } }],
      channel: '#alarms'
    })
  })

  it('sends again without the image block when Slack cannot fetch the picture', async () => {
    fake.unreachableImages = true
    const { outcome } = await sendOnce(url())
    assert.equal(outcome.kind, 'delivered')
    assert.equal(fake.requests.length, 2)
    assert.equal(((fake.accepted[0]?.json as Record<string, unknown>).blocks as unknown[]).length, 1)
  })

  it('no_service (404) and channel_is_archived (410) switch the target off', async () => {
    const gone = await sendOnce(url('T1JJ3T3L2/A1BRTD4JD/deleted'))
    assert.equal(gone.outcome.kind, 'permanent')
    assert.match(gone.disable ?? '', /^Slack answers no_service/)
    fake.archived.add(HOOK)
    const archived = await sendOnce(url())
    assert.equal(archived.outcome.statusCode, 410)
    assert.match(archived.disable ?? '', /^Slack answers channel_is_archived/)
  })

  it('429 honours Retry-After; other 4xx are permanent', async () => {
    fake.failNext(1, { status: 429, headers: { 'retry-after': '2' }, body: 'rate_limited' })
    const limited = await sendOnce(url())
    assert.equal(limited.outcome.kind === 'retry' ? limited.outcome.retryAfterMs : 0, 2000)
    fake.failNext(1, SlackFake.error(403, 'action_prohibited'))
    const refused = await sendOnce(url())
    assert.equal(refused.outcome.kind, 'permanent')
    assert.equal(refused.disable, undefined)
    assert.match(refused.outcome.kind === 'permanent' ? refused.outcome.error : '', /HTTP 403 Forbidden: action_prohibited/)
  })
})
