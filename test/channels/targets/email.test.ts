import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SmtpSink } from '../../fakes/targets/smtp-sink.js'
import { hasOpenssl, makeSelfSigned } from '../../helpers/self-signed.js'
import { PICTURE, sendOnce, target } from './support.js'

const CRITICAL = { rules: { allowed: true, rulesObject: { notification_type: 'critical' }, rule: 0, reason: 'critical_notify' } }


describe('e-mail over SMTP', () => {
  let sink: SmtpSink
  before(async () => { sink = await SmtpSink.create({ auth: { user: 'alarms', pass: 'pa#ss:w@rd' } }) })
  after(async () => { await sink.stop() })
  const url = (query = '', pass = 'pa%23ss%3Aw%40rd'): string => `mailto://alarms:${pass}@127.0.0.1:${sink.port}?to=a@example.com,b@example.com&from=zm@example.com${query}`

  it('sends subject = title, a text body and an HTML body with the picture, from and to as configured', async () => {
    const { outcome } = await sendOnce(url())
    assert.equal(outcome.kind, 'delivered')
    assert.equal(outcome.statusCode, 250)
    const mail = sink.mails.at(-1)
    assert.ok(mail !== undefined)
    assert.equal(mail.user, 'alarms')
    assert.equal(mail.envelopeFrom, 'zm@example.com')
    assert.deepEqual(mail.envelopeTo, ['a@example.com', 'b@example.com'])
    assert.equal(mail.parsed.subject, 'Front Door Alarm (1234)')
    assert.equal(mail.parsed.from?.text, 'zm@example.com')
    assert.equal(mail.parsed.text, `Motion All\n\nView event: ${PICTURE}\n`)
    const href = PICTURE.replaceAll('&', '&amp;')
    assert.equal(mail.parsed.html, `<p>Motion All</p>\n<p><a href="${href}"><img src="${href}" alt="Front Door Alarm (1234)" style="max-width:100%"></a></p>\n<p><a href="${href}">View event</a></p>`)
    assert.equal(mail.parsed.headers.get('priority'), undefined)
  })

  it('an end without a picture; HTML in the cause is escaped; critical_notify is sent with high priority', async () => {
    await sendOnce(url(), { phase: 'end', alarm: { cause: 'a <b> & c' } }, null)
    const end = sink.mails.at(-1)
    assert.equal(end?.parsed.subject, 'Ended: Front Door Alarm (1234)')
    assert.equal(end?.parsed.text, 'a <b> & c ended\n')
    assert.equal(end?.parsed.html, '<p>a &lt;b&gt; &amp; c ended</p>')
    await sendOnce(url(), { record: CRITICAL })
    // mailparser reads X-Priority: 1 and Importance: High as `priority: high`.
    assert.equal(sink.mails.at(-1)?.parsed.headers.get('priority'), 'high')
  })

  it('a 4xx SMTP reply is retried, a 5xx reply is permanent', async () => {
    sink.failNext(1, 451)
    const later = await sendOnce(url())
    assert.equal(later.outcome.kind, 'retry')
    assert.equal(later.outcome.statusCode, 451)
    sink.failNext(1, 550)
    const refused = await sendOnce(url())
    assert.equal(refused.outcome.kind, 'permanent')
    assert.equal(refused.outcome.statusCode, 550)
    assert.match(refused.outcome.kind === 'permanent' ? refused.outcome.error : '', /^SMTP 550 .*Message refused/)
  })

  it('a wrong password is permanent (535), and the password is not in the error', async () => {
    const { outcome } = await sendOnce(url('', 'wrong-password'))
    assert.equal(outcome.kind, 'permanent')
    assert.equal(outcome.statusCode, 535)
    assert.doesNotMatch(JSON.stringify(outcome), /wrong-password/)
  })

  it('a server that is down is retried', async () => {
    const down = await SmtpSink.create()
    const port = down.port
    await down.stop()
    const { outcome } = await sendOnce(`mailto://127.0.0.1:${port}?to=a@example.com&from=zm@example.com`)
    assert.equal(outcome.kind, 'retry')
    assert.match(outcome.kind === 'retry' ? outcome.error : '', /ECONNECTION|ESOCKET|ECONNREFUSED/)
  })

  it('closes its connection pool when the target is closed', async () => {
    const t = target(url())
    await t.close?.()
    await t.close?.()
  })
})

describe('e-mail over TLS', { skip: hasOpenssl() ? false : 'no openssl binary to make a certificate' }, () => {
  let dir: string
  let tls: { key: string, cert: string }
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'herald-smtp-tls-'))
    const files = makeSelfSigned(dir, 'smtp')
    tls = { key: readFileSync(files.key, 'utf8'), cert: readFileSync(files.cert, 'utf8') }
  })
  after(() => { rmSync(dir, { recursive: true, force: true }) })

  it('mailtos://…:465 (or ?mode=ssl) speaks TLS from the first byte; ?verify=no accepts a self-signed certificate', async () => {
    assert.equal((target('mailtos://127.0.0.1:465?to=a@example.com&from=zm@example.com') as unknown as { implicitTls: boolean }).implicitTls, true)
    const sink = await SmtpSink.create({ tls })
    try {
      const checked = await sendOnce(`mailtos://127.0.0.1:${sink.port}?to=a@example.com&from=zm@example.com&mode=ssl`)
      assert.equal(checked.outcome.kind, 'retry')
      assert.match(checked.outcome.kind === 'retry' ? checked.outcome.error : '', /certificate/i)
      const trusted = await sendOnce(`mailtos://127.0.0.1:${sink.port}?to=a@example.com&from=zm@example.com&mode=ssl&verify=no`)
      assert.equal(trusted.outcome.kind, 'delivered')
      assert.equal(sink.mails.at(-1)?.secure, true)
      assert.equal(sink.mails.at(-1)?.parsed.subject, 'Front Door Alarm (1234)')
    } finally {
      await sink.stop()
    }
  })

  it('mailtos:// on another port requires STARTTLS; the certificate is checked unless ?verify=no', async () => {
    const sink = await SmtpSink.create({ starttls: tls, auth: { user: 'u', pass: 'p' } })
    try {
      const checked = await sendOnce(`mailtos://u:p@127.0.0.1:${sink.port}?to=a@example.com&from=zm@example.com`)
      assert.equal(checked.outcome.kind, 'retry')
      assert.match(checked.outcome.kind === 'retry' ? checked.outcome.error : '', /certificate/i)
      const trusted = await sendOnce(`mailtos://u:p@127.0.0.1:${sink.port}?to=a@example.com&from=zm@example.com&verify=no`)
      assert.equal(trusted.outcome.kind, 'delivered')
      assert.equal(sink.mails.at(-1)?.secure, true)
    } finally {
      await sink.stop()
    }
  })

  it('mailtos:// refuses to send in clear text to a server without STARTTLS (permanent: the server said no)', async () => {
    const sink = await SmtpSink.create()
    try {
      const { outcome } = await sendOnce(`mailtos://127.0.0.1:${sink.port}?to=a@example.com&from=zm@example.com`)
      assert.equal(outcome.kind, 'permanent')
      assert.match(outcome.kind === 'permanent' ? outcome.error : '', /STARTTLS/)
      assert.equal(sink.mails.length, 0)
    } finally {
      await sink.stop()
    }
  })
})
