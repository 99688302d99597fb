import { after, before, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { TelegramFake } from '../../fakes/targets/telegram-fake.js'
import { PICTURE, sendOnce } from './support.js'

const BOT = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw'

describe('Telegram', () => {
  let fake: TelegramFake
  const url = (chats = '/42'): string => `tgram://${BOT}${chats}?base=${fake.base}`
  before(async () => { fake = await TelegramFake.create(BOT, ['42', '-1001234567890', '@alarm_channel']) })
  after(async () => { await fake.stop() })
  beforeEach(() => {
    fake.requests.length = 0
    fake.accepted.length = 0
    fake.blocked.clear()
    fake.unreachablePhotos = false
  })

  it('sends the picture with sendPhoto, the text as an HTML caption', async () => {
    const { outcome } = await sendOnce(url())
    assert.equal(outcome.kind, 'delivered')
    assert.deepEqual(fake.problems, [])
    const req = fake.accepted[0]
    assert.equal(req?.path, `/bot${BOT}/sendPhoto`)
    assert.equal(req?.headers['content-type'], 'application/json')
    assert.deepEqual(req?.json, { chat_id: '42', photo: PICTURE, caption: '<b>Front Door Alarm (1234)</b>\nMotion All', parse_mode: 'HTML' })
  })

  it('without a picture it is sendMessage; HTML in names and causes is escaped', async () => {
    await sendOnce(url(), { monitorName: 'Gate <B> & "C"', alarm: { cause: 'person <script>' }, phase: 'end' }, null)
    assert.deepEqual(fake.problems, [])
    assert.equal(fake.accepted[0]?.path, `/bot${BOT}/sendMessage`)
    assert.deepEqual(fake.accepted[0]?.json, {
      chat_id: '42',
      text: '<b>Ended: Gate &lt;B&gt; &amp; &quot;C&quot; Alarm (1234)</b>\nperson &lt;script&gt; ended',
      parse_mode: 'HTML'
    })
  })

  it('falls back to sendMessage with a link when Telegram cannot fetch the picture', async () => {
    fake.unreachablePhotos = true
    const { outcome } = await sendOnce(url())
    assert.equal(outcome.kind, 'delivered')
    assert.deepEqual(fake.requests.map((r) => r.path), [`/bot${BOT}/sendPhoto`, `/bot${BOT}/sendMessage`])
    const text = (fake.accepted[0]?.json as Record<string, unknown>).text
    assert.equal(text, `<b>Front Door Alarm (1234)</b>\nMotion All\n<a href="${PICTURE.replaceAll('&', '&amp;')}">View event</a>`)
    assert.deepEqual(fake.problems, [])
  })

  it('keeps a long cause within the caption limit', async () => {
    await sendOnce(url(), { alarm: { cause: '<&>'.repeat(2000) } })
    assert.deepEqual(fake.problems, [])
    assert.equal(fake.accepted.length, 1)
  })

  it('sends to every chat; a retry after a failure skips the chats that already have it', async () => {
    const done = new Set<string>()
    fake.script('success', TelegramFake.tooMany(5))
    const partial = await sendOnce(url('/42/-1001234567890/@alarm_channel'), {}, null, done)
    assert.equal(partial.outcome.kind, 'retry')
    // The wait is the body's parameters.retry_after.
    assert.equal(partial.outcome.kind === 'retry' ? partial.outcome.retryAfterMs : 0, 5000)
    assert.deepEqual([...done], ['42'])
    assert.equal((await sendOnce(url('/42/-1001234567890/@alarm_channel'), {}, null, done)).outcome.kind, 'delivered')
    assert.deepEqual(fake.accepted.map((r) => (r.json as Record<string, unknown>).chat_id), ['42', '-1001234567890', '@alarm_channel'])
  })

  it('a bot blocked by the user (403) switches the target off', async () => {
    fake.blocked.add('42')
    const { outcome, disable } = await sendOnce(url())
    assert.equal(outcome.kind, 'permanent')
    assert.equal(outcome.statusCode, 403)
    assert.match(disable ?? '', /^Telegram forbids the bot to write to chat 42 \(Forbidden: bot was blocked by the user\)/)
  })

  it('"chat not found" switches the target off', async () => {
    const { outcome, disable } = await sendOnce(url('/777'))
    assert.equal(outcome.kind, 'permanent')
    assert.match(disable ?? '', /^Telegram does not know chat 777 \(Bad Request: chat not found\)/)
  })

  it('a revoked bot token (401) switches the target off; the token never shows in the error', async () => {
    const other = '987654321:ZZHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw'
    const { outcome, disable } = await sendOnce(`tgram://${other}/42?base=${fake.base}`)
    assert.equal(outcome.kind, 'permanent')
    assert.match(disable ?? '', /^Telegram refuses the bot token/)
    assert.doesNotMatch(JSON.stringify({ outcome, disable }), /ZZHdq/)
  })

  it('5xx is retried, another 400 is permanent', async () => {
    fake.failNext(1, TelegramFake.error(502, 'Bad Gateway'))
    assert.equal((await sendOnce(url(), {}, null)).outcome.kind, 'retry')
    fake.failNext(1, TelegramFake.error(400, 'Bad Request: message is too long'))
    const { outcome, disable } = await sendOnce(url(), {}, null)
    assert.equal(outcome.kind, 'permanent')
    assert.equal(disable, undefined)
  })
})
