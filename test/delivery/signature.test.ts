import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { Webhook, WebhookVerificationError } from 'standardwebhooks'
import { generateSecret, isValidSecret, signatureHeader } from '../../src/delivery/interceptors/signature.js'

const BODY = '[{"id":"4355024961160384430","camera":1}]'
const MSG = 'msg_0123456789abcdef'

function headers (signature: string, timestamp: number): Record<string, string> {
  return { 'webhook-id': MSG, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature }
}

describe('webhook secrets', () => {
  test('a generated secret is whsec_ plus base64 of 32 random bytes, different every time', () => {
    const a = generateSecret()
    const b = generateSecret()
    assert.match(a, /^whsec_[A-Za-z0-9+/]{43}=$/)
    assert.equal(Buffer.from(a.slice(6), 'base64').length, 32)
    assert.notEqual(a, b)
    assert.equal(isValidSecret(a), true)
  })

  test('secrets without the prefix or with a key shorter than 24 or longer than 64 bytes are refused', () => {
    assert.equal(isValidSecret(Buffer.alloc(32).toString('base64')), false)
    assert.equal(isValidSecret('whsec_' + Buffer.alloc(23).toString('base64')), false)
    assert.equal(isValidSecret('whsec_' + Buffer.alloc(24).toString('base64')), true)
    assert.equal(isValidSecret('whsec_' + Buffer.alloc(64).toString('base64')), true)
    assert.equal(isValidSecret('whsec_' + Buffer.alloc(65).toString('base64')), false)
  })
})

describe('Standard Webhooks signature', () => {
  test('the standardwebhooks library verifies Herald\'s signature', () => {
    const secret = generateSecret()
    const ts = Math.floor(Date.now() / 1000)
    const sig = signatureHeader([secret], MSG, ts, BODY)
    assert.match(sig, /^v1,[A-Za-z0-9+/]+=*$/)
    assert.deepEqual(new Webhook(secret).verify(BODY, headers(sig, ts)), JSON.parse(BODY))
  })

  test('Herald\'s signature equals the one the library computes', () => {
    const secret = generateSecret()
    const ts = 1_767_225_600
    assert.equal(signatureHeader([secret], MSG, ts, BODY), new Webhook(secret).sign(MSG, new Date(ts * 1000), BODY))
  })

  test('a changed body, id or timestamp fails verification', () => {
    const secret = generateSecret()
    const ts = Math.floor(Date.now() / 1000)
    const sig = signatureHeader([secret], MSG, ts, BODY)
    const wh = new Webhook(secret)
    assert.throws(() => wh.verify(BODY.replace('camera', 'kamera'), headers(sig, ts)), WebhookVerificationError)
    assert.throws(() => wh.verify(BODY, { ...headers(sig, ts), 'webhook-id': 'msg_other' }), WebhookVerificationError)
    assert.throws(() => wh.verify(BODY, headers(sig, ts - 1)), WebhookVerificationError)
  })

  test('another secret does not verify', () => {
    const ts = Math.floor(Date.now() / 1000)
    const sig = signatureHeader([generateSecret()], MSG, ts, BODY)
    assert.throws(() => new Webhook(generateSecret()).verify(BODY, headers(sig, ts)), WebhookVerificationError)
  })

  test('during a rotation the header carries two signatures and either secret verifies', () => {
    const next = generateSecret()
    const previous = generateSecret()
    const ts = Math.floor(Date.now() / 1000)
    const sig = signatureHeader([next, previous], MSG, ts, BODY)
    assert.equal(sig.split(' ').length, 2)
    assert.ok(new Webhook(next).verify(BODY, headers(sig, ts)))
    assert.ok(new Webhook(previous).verify(BODY, headers(sig, ts)))
  })

  test('the signature is over the exact bytes, so non-ASCII bodies verify too', () => {
    const secret = generateSecret()
    const body = '[{"id":"1","comment":"Привет, 世界 ✓"}]'
    const ts = Math.floor(Date.now() / 1000)
    assert.ok(new Webhook(secret).verify(body, headers(signatureHeader([secret], MSG, ts, body), ts)))
  })
})
