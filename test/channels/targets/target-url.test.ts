import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { parseTargetUrl } from '../../../src/channels/targets/index.js'
import { DiscordTarget } from '../../../src/channels/targets/discord.js'
import { EmailTarget } from '../../../src/channels/targets/email.js'
import { GotifyTarget } from '../../../src/channels/targets/gotify.js'
import { NtfyTarget } from '../../../src/channels/targets/ntfy.js'
import { PushoverTarget } from '../../../src/channels/targets/pushover.js'
import { SlackTarget } from '../../../src/channels/targets/slack.js'
import { TelegramTarget } from '../../../src/channels/targets/telegram.js'
import { mulberry32 } from '../../helpers/prng.js'

const USER_KEY = 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG'
const APP_TOKEN = 'azGDORePK8gMaC0QOYAMyEEuzJnyUi'
const BOT = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw'

function ok (url: string): unknown {
  const parsed = parseTargetUrl(url)
  assert.ok(parsed.ok, `${url}: ${parsed.ok ? '' : parsed.message}`)
  return parsed.target
}

function fails (url: unknown, pattern: RegExp): void {
  const parsed = parseTargetUrl(url)
  assert.equal(parsed.ok, false, `${String(url).slice(0, 80)} should not parse`)
  if (!parsed.ok) assert.match(parsed.message, pattern)
}

describe('ntfy URLs', () => {
  it('ntfy://topic publishes to ntfy.sh', () => {
    const t = ok('ntfy://front-door') as NtfyTarget
    assert.ok(t instanceof NtfyTarget)
    assert.equal(t.base, 'https://ntfy.sh')
    assert.deepEqual(t.topics, ['front-door'])
    assert.equal(t.auth, undefined)
    assert.equal(t.masked, 'ntfy://front-door')
  })

  it('ntfy://host/topic is plain http to the host; several topics are allowed', () => {
    const t = ok('ntfy://ntfy.lan:8080/alarms/backup_topic') as NtfyTarget
    assert.equal(t.base, 'http://ntfy.lan:8080')
    assert.deepEqual(t.topics, ['alarms', 'backup_topic'])
  })

  it('ntfys://user:pass@host/topic is https with Basic auth; the password is masked', () => {
    const t = ok('ntfys://alice:s3cr%40t@ntfy.example.com/alarms') as NtfyTarget
    assert.equal(t.base, 'https://ntfy.example.com')
    assert.deepEqual(t.auth, { kind: 'basic', user: 'alice', password: 's3cr@t' })
    assert.equal(t.masked, 'ntfys://alice:****@ntfy.example.com/alarms')
    assert.deepEqual(t.secrets, ['s3cr@t'])
  })

  it('ntfys://token@host/topic is a Bearer token, masked whole', () => {
    const t = ok('ntfys://tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2@ntfy.example.com/alarms') as NtfyTarget
    assert.deepEqual(t.auth, { kind: 'bearer', token: 'tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2' })
    assert.equal(t.masked, 'ntfys://****@ntfy.example.com/alarms')
  })

  it('reads ?priority= as a number or a word, ?tags=, ?click=, ?attach= and ?base=', () => {
    const t = ok('ntfy://alarms?priority=high&tags=warning,camera&click=https://zm.lan/&attach=https://zm.lan/a.jpg&base=http://127.0.0.1:9/ntfy/') as NtfyTarget
    assert.equal(t.priority, 4)
    assert.deepEqual(t.tags, ['warning', 'camera'])
    assert.equal(t.click, 'https://zm.lan/')
    assert.equal(t.attach, 'https://zm.lan/a.jpg')
    assert.equal(t.base, 'http://127.0.0.1:9/ntfy')
    assert.equal((ok('ntfy://alarms?priority=2') as NtfyTarget).priority, 2)
    assert.equal((ok('ntfy://alarms?PRIORITY=urgent') as NtfyTarget).priority, 5)
  })

  it('rejects bad topics, priorities and unknown options by name', () => {
    fails('ntfy://host/bad%20topic', /invalid ntfy topic "bad topic"/)
    fails('ntfy://alarms?priority=9', /\?priority=9; ntfy takes 1 to 5/)
    // Names of Object's own members are not priority words (they used to read {} or a function).
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      fails(`ntfy://alarms?priority=${name}`, /ntfy takes 1 to 5/)
      fails(`gotify://h/tok?priority=${name}`, /Gotify takes 0 to 10/)
      fails(`pover://${USER_KEY}@${APP_TOKEN}?priority=${name}`, /Pushover takes -2 to 2/)
    }
    fails('ntfy://alarms?prio=5', /unknown option \?prio=.*ntfy knows \?priority=/)
    fails('ntfy://alarms?priority=1&priority=2', /gives \?priority= twice/)
    fails('ntfys://:pass@host/topic', /password without a user name/)
    fails('ntfy://host:99999/topic', /invalid port "99999"/)
  })
})

describe('Gotify URLs', () => {
  it('gotify://host/<token> is http; the token is masked', () => {
    const t = ok('gotify://gotify.lan/AzyoeNS.D4iJLVa') as GotifyTarget
    assert.ok(t instanceof GotifyTarget)
    assert.equal(t.base, 'http://gotify.lan')
    assert.equal(t.token, 'AzyoeNS.D4iJLVa')
    assert.equal(t.priority, 5)
    assert.equal(t.masked, 'gotify://gotify.lan/****')
  })

  it('gotifys://host:port/path/<token> keeps the path as a prefix', () => {
    const t = ok('gotifys://example.com:8443/gotify/AzyoeNS.D4iJLVa?priority=8') as GotifyTarget
    assert.equal(t.base, 'https://example.com:8443/gotify')
    assert.equal(t.priority, 8)
    assert.equal(t.masked, 'gotifys://example.com:8443/gotify/****?priority=8')
    assert.equal((ok('gotify://h/tok?priority=emergency') as GotifyTarget).priority, 10)
  })

  it('needs a token and a sane priority', () => {
    fails('gotify://gotify.lan', /no application token/)
    fails('gotify://gotify.lan/tok?priority=11', /Gotify takes 0 to 10/)
    fails('gotify://user@gotify.lan/tok', /has a user name/)
  })
})

describe('Pushover URLs', () => {
  it('pover://<user key>@<app token>[/<device>…]: both keys masked', () => {
    const t = ok(`pover://${USER_KEY}@${APP_TOKEN}/phone/tablet?priority=high&sound=siren`) as PushoverTarget
    assert.ok(t instanceof PushoverTarget)
    assert.equal(t.userKey, USER_KEY)
    assert.equal(t.appToken, APP_TOKEN)
    assert.deepEqual(t.devices, ['phone', 'tablet'])
    assert.equal(t.priority, 1)
    assert.equal(t.sound, 'siren')
    assert.equal(t.base, 'https://api.pushover.net')
    assert.equal(t.masked, 'pover://****@****/phone/tablet?priority=high&sound=siren')
    assert.equal((ok(`pover://${USER_KEY}@${APP_TOKEN}?priority=-2`) as PushoverTarget).priority, -2)
  })

  it('checks the keys\' shape and says which one is wrong', () => {
    fails(`pover://${APP_TOKEN}`, /no user key/)
    fails(`pover://short@${APP_TOKEN}`, /invalid Pushover user key/)
    fails(`pover://${USER_KEY}@short`, /invalid Pushover application token/)
    fails(`pover://${USER_KEY}@${APP_TOKEN}?priority=3`, /Pushover takes -2 to 2/)
    fails(`pover://${USER_KEY}@${APP_TOKEN}/bad.device`, /invalid Pushover device name/)
  })
})

describe('Telegram URLs', () => {
  it('tgram://<bot token>/<chat id>…: the token (which URL syntax would read as host:port) is masked', () => {
    const t = ok(`tgram://${BOT}/12345678/-1001234567890/@alarm_channel`) as TelegramTarget
    assert.ok(t instanceof TelegramTarget)
    assert.equal(t.botToken, BOT)
    assert.deepEqual(t.chats, ['12345678', '-1001234567890', '@alarm_channel'])
    assert.equal(t.base, 'https://api.telegram.org')
    assert.equal(t.masked, 'tgram://****/12345678/-1001234567890/@alarm_channel')
    assert.equal((ok(`tgram://bot${BOT}/1`) as TelegramTarget).botToken, BOT)
  })

  it('needs a well-formed token and at least one chat', () => {
    fails(`tgram://${BOT}`, /no chat id/)
    fails('tgram://12345/1', /invalid Telegram bot token/)
    fails(`tgram://${BOT}/chat!`, /invalid Telegram chat id "chat!"/)
  })
})

describe('Slack URLs', () => {
  it('slack://A/B/C posts to hooks.slack.com; only the third token (the secret) is masked', () => {
    const t = ok('slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ') as SlackTarget
    assert.ok(t instanceof SlackTarget)
    assert.equal(t.base, 'https://hooks.slack.com')
    assert.deepEqual(t.tokens, ['T1JJ3T3L2', 'A1BRTD4JD', 'TIiajkdnlazkcOXrIdevi7FQ'])
    assert.equal(t.channel, undefined)
    assert.equal(t.masked, 'slack://T1JJ3T3L2/A1BRTD4JD/****')
  })

  it('takes Apprise\'s /#channel and the raw https://hooks.slack.com/services/… URL', () => {
    assert.equal((ok('slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#alarms') as SlackTarget).channel, '#alarms')
    assert.equal((ok('slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/%23alarms') as SlackTarget).channel, '#alarms')
    const raw = ok('https://hooks.slack.com/services/T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ') as SlackTarget
    assert.equal(raw.base, 'https://hooks.slack.com')
    assert.equal(raw.masked, 'https://hooks.slack.com/services/T1JJ3T3L2/A1BRTD4JD/****')
  })

  it('needs three tokens', () => {
    fails('slack://T1JJ3T3L2/A1BRTD4JD', /needs three tokens/)
    fails('https://hooks.slack.com/other/x', /not a Slack webhook URL/)
  })
})

describe('Discord URLs', () => {
  it('discord://<id>/<token> and the raw https://discord.com/api/webhooks/… URL; the token is masked', () => {
    const t = ok('discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js') as DiscordTarget
    assert.ok(t instanceof DiscordTarget)
    assert.equal(t.base, 'https://discord.com')
    assert.equal(t.webhookId, '4174216298')
    assert.equal(t.masked, 'discord://4174216298/****')
    const raw = ok('https://discordapp.com/api/webhooks/4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js') as DiscordTarget
    assert.equal(raw.base, 'https://discordapp.com')
    assert.equal(raw.masked, 'https://discordapp.com/api/webhooks/4174216298/****')
    assert.equal((ok('discord://Herald@4174216298/tok') as DiscordTarget).username, 'Herald')
  })

  it('needs a numeric id and a token', () => {
    fails('discord://4174216298', /needs discord:\/\/<webhook id>\/<webhook token>/)
    fails('discord://abc/token', /invalid Discord webhook id/)
  })
})

describe('e-mail URLs', () => {
  it('mailto://user:pass@host:port?to=…&from=…: plain SMTP, STARTTLS when offered; the password is masked', () => {
    const t = ok('mailto://alarms:p%40ss@smtp.lan:2525?to=a@example.com,b@example.com&from=zm@example.com') as EmailTarget
    assert.ok(t instanceof EmailTarget)
    assert.equal(t.host, 'smtp.lan')
    assert.equal(t.port, 2525)
    assert.equal(t.implicitTls, false)
    assert.equal(t.requireTls, false)
    assert.equal(t.user, 'alarms')
    assert.equal(t.password, 'p@ss')
    assert.deepEqual(t.to, ['a@example.com', 'b@example.com'])
    assert.equal(t.from, 'zm@example.com')
    assert.equal(t.masked, 'mailto://alarms:****@smtp.lan:2525?to=a@example.com,b@example.com&from=zm@example.com')
  })

  it('mailtos:// is implicit TLS on 465, STARTTLS required on any other port (587 by default)', () => {
    const implicit = ok('mailtos://me%40example.com:pw@smtp.example.com:465') as EmailTarget
    assert.equal(implicit.implicitTls, true)
    assert.equal(implicit.requireTls, false)
    // The user name is an address: it is the sender and, without ?to=, the recipient.
    assert.equal(implicit.from, 'me@example.com')
    assert.deepEqual(implicit.to, ['me@example.com'])
    const starttls = ok('mailtos://me%40example.com:pw@smtp.example.com?to=x@example.com') as EmailTarget
    assert.equal(starttls.port, 587)
    assert.equal(starttls.implicitTls, false)
    assert.equal(starttls.requireTls, true)
    assert.equal((ok('mailto://127.0.0.1:25/a@example.com?from=z@example.com') as EmailTarget).to[0], 'a@example.com')
  })

  it('takes a # in a password as it is (no target URL has a fragment)', () => {
    const t = ok('mailtos://me%40example.com:pa#ss@smtp.example.com:465') as EmailTarget
    assert.equal(t.password, 'pa#ss')
    assert.equal(t.masked, 'mailtos://me%40example.com:****@smtp.example.com:465')
  })

  it('needs a recipient and a sender, and checks addresses', () => {
    fails('mailto://smtp.lan', /no recipient/)
    fails('mailto://smtp.lan?to=a@example.com', /no sender: add \?from=/)
    fails('mailto://smtp.lan?to=not-an-address&from=z@example.com', /invalid recipient address "not-an-address"/)
    fails('mailto://smtp.lan?to=a@example.com&from=z@example.com&verify=maybe', /\?verify=maybe; expected yes or no/)
  })
})

describe('?base= and bad input', () => {
  it('?base= moves every cloud service to another address (tests, proxies, self-hosting)', () => {
    assert.equal((ok(`pover://${USER_KEY}@${APP_TOKEN}?base=http://127.0.0.1:1234`) as PushoverTarget).base, 'http://127.0.0.1:1234')
    assert.equal((ok(`tgram://${BOT}/1?base=http://127.0.0.1:1234/`) as TelegramTarget).base, 'http://127.0.0.1:1234')
    assert.equal((ok('slack://A/B/C?base=http://127.0.0.1:1234') as SlackTarget).base, 'http://127.0.0.1:1234')
    assert.equal((ok('discord://1/tok?base=https://proxy.lan/discord') as DiscordTarget).base, 'https://proxy.lan/discord')
  })

  it('refuses a ?base= that is not a plain http(s) address', () => {
    fails('ntfy://t?base=ftp://x', /not http:\/\/ or https:\/\//)
    fails('ntfy://t?base=http://u:p@x', /credentials in \?base=/)
    fails('ntfy://t?base=nonsense', /invalid \?base=/)
  })

  it('a password with an unencoded / or ? is never quoted back: the answer says to percent-encode it', () => {
    for (const [url, secret] of [
      ['ntfys://alice:Sup3rS3cret/xyz@ntfy.example.com/alarms', 'Sup3rS3cret'],
      ['mailtos://alice:Pa?s3cr3t@smtp.example.com?to=a@b.com', 's3cr3t'],
      ['pover://user:s3cr3t#frag@token', 's3cr3t']
    ] as const) {
      const parsed = parseTargetUrl(url)
      assert.equal(parsed.ok, false, url)
      if (!parsed.ok) {
        assert.ok(!parsed.message.includes(secret), `${url}: ${parsed.message}`)
        assert.match(parsed.message, /percent-encode/)
      }
    }
    // A port is not a password: that problem is still named as it is.
    fails('mailtos://smtp.example.com:587?to=a@b.com&colour=red', /unknown option/)
  })

  it('names an unknown scheme and lists the known ones', () => {
    fails('foo://bar', /unknown scheme "foo:\/\/".*ntfy:\/\/.*mailtos:\/\//)
    fails('https://example.com/hook', /unknown scheme "https:\/\/" \(plain http\(s\) URLs are not targets/)
    fails('json://host/path', /unknown scheme "json:\/\/"/)
  })

  it('rejects what is not a URL at all', () => {
    fails('', /must not be empty/)
    fails('   ', /must not be empty/)
    fails(42, /must be a string/)
    fails(null, /must be a string/)
    fails('ntfy:topic', /not a target URL: expected <service>:\/\//)
    fails('://topic', /not a target URL/)
  })

  it('rejects control characters, raw or percent-encoded, so none reaches a header or an SMTP command', () => {
    fails('ntfy://top\nic', /control character at position 11/)
    fails('ntfy://top ic', /a space at position 11/)
    fails('gotify://h/tok%0Aen', /control character in path segment 1/)
    fails('gotify://h/tok%00', /control character/)
    fails('ntfy://t?tags=a%0Db', /control character in \?tags=/)
    fails('ntfy://t\u0085', /control character/)
  })

  it('rejects malformed percent-encoding and a 10 kB URL with a sentence, not an exception', () => {
    fails('ntfy://top%E0%A4%A', /malformed percent-encoding/)
    fails(`ntfy://${'a'.repeat(10_000)}`, /is 10007 characters long; at most 4096/)
    fails(`ntfy://host/${'a'.repeat(4000)}`, /invalid ntfy topic "a{40}…"/)
  })

  it('never throws on random junk', () => {
    const random = mulberry32(20260101)
    const alphabet = 'ntfygotifyposvrmailtgrdscck:/@?#&=%[]._-!$\'()*+,;~0123456789ABCDEF\u00e9\u2028\t '
    for (let i = 0; i < 3000; i++) {
      const schemes = ['ntfy', 'ntfys', 'gotify', 'gotifys', 'pover', 'tgram', 'slack', 'discord', 'mailto', 'mailtos', 'https', '']
      let s = `${schemes[Math.floor(random() * schemes.length)] ?? ''}://`
      const n = Math.floor(random() * 60)
      for (let j = 0; j < n; j++) s += alphabet[Math.floor(random() * alphabet.length)]
      const parsed = parseTargetUrl(s)
      if (!parsed.ok) assert.doesNotMatch(parsed.message, /cannot be read/, `${s}: ${parsed.message}`)
      else assert.equal(typeof parsed.target.masked, 'string')
    }
  })
})
