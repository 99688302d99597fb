import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { classifyError, classifyResponse, parseRetryAfter } from '../../src/delivery/interceptors/classify-http.js'

const NOW = Date.parse('2026-01-01T00:00:00Z')

function response (statusCode: number, retryAfter?: string) {
  return { statusCode, statusText: '', retryAfter, latencyMs: 3 }
}

describe('parseRetryAfter', () => {
  test('delay-seconds are read as seconds', () => {
    assert.equal(parseRetryAfter('7', NOW), 7000)
    assert.equal(parseRetryAfter('0', NOW), 0)
    assert.equal(parseRetryAfter(' 120 ', NOW), 120_000)
    assert.equal(parseRetryAfter('1.5', NOW), 1500)
  })

  test('an IMF-fixdate HTTP-date is read as the time left until then', () => {
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', NOW), 30_000)
    assert.equal(parseRetryAfter(new Date(NOW + 90_000).toUTCString(), NOW), 90_000)
  })

  test('the obsolete RFC 850 and asctime HTTP-date forms are read as GMT', () => {
    assert.equal(parseRetryAfter('Thursday, 01-Jan-26 00:00:45 GMT', NOW), 45_000)
    assert.equal(parseRetryAfter('Thu Jan  1 00:01:00 2026', NOW), 60_000)
  })

  test('an HTTP-date in the past parses as no wait left (the retry policy floors it)', () => {
    assert.equal(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', NOW), 0)
  })

  test('a missing, empty or malformed value is ignored so the backoff applies', () => {
    for (const bad of [undefined, '', '  ', 'soon', 'soon 2', 'x 12', '-5', '1e3', '120 seconds', 'Thu, 32 Foo 2026 99:99:99 GMT']) {
      assert.equal(parseRetryAfter(bad, NOW), undefined, JSON.stringify(bad))
    }
  })
})

describe('classifyResponse', () => {
  test('every 2xx is delivered', () => {
    for (const code of [200, 201, 202, 204, 299]) assert.equal(classifyResponse(response(code), NOW).kind, 'delivered', String(code))
  })

  test('3xx, 4xx and 5xx are failed attempts naming the status', () => {
    assert.deepEqual(classifyResponse(response(500), NOW), { kind: 'retry', error: 'HTTP 500 Internal Server Error', statusCode: 500, latencyMs: 3 })
    assert.equal((classifyResponse(response(302), NOW) as { error: string }).error, 'HTTP 302 Found')
    assert.equal((classifyResponse(response(404), NOW) as { error: string }).error, 'HTTP 404 Not Found')
    assert.equal(classifyResponse(response(400), NOW).kind, 'retry')
  })

  test('Retry-After is read on 429 and 503 only', () => {
    assert.equal((classifyResponse(response(429, '7'), NOW) as { retryAfterMs?: number }).retryAfterMs, 7000)
    assert.equal((classifyResponse(response(503, 'Thu, 01 Jan 2026 00:00:30 GMT'), NOW) as { retryAfterMs?: number }).retryAfterMs, 30_000)
    assert.equal('retryAfterMs' in classifyResponse(response(500, '7'), NOW), false)
    assert.equal('retryAfterMs' in classifyResponse(response(502, '7'), NOW), false)
  })

  test('a 429 with a malformed Retry-After carries no delay', () => {
    assert.equal('retryAfterMs' in classifyResponse(response(429, 'later'), NOW), false)
  })
})

describe('classifyError', () => {
  const url = 'http://127.0.0.1:8888/hook'
  function withCode (code: string, viaCause = false): Error {
    const inner = Object.assign(new Error(`${code} boom`), { code })
    return viaCause ? new Error('fetch failed', { cause: inner }) : inner
  }

  test('connection refused reads like FindFace\'s log line', () => {
    assert.equal((classifyError(withCode('ECONNREFUSED'), url, 10_000, false) as { error: string }).error, 'Cannot connect to host 127.0.0.1:8888 [Connection refused]')
    assert.equal((classifyError(withCode('ECONNREFUSED', true), url, 10_000, false) as { error: string }).error, 'Cannot connect to host 127.0.0.1:8888 [Connection refused]')
  })

  test('a timeout says so, with the configured seconds', () => {
    const outcome = classifyError(new Error('aborted'), url, 200, true)
    assert.deepEqual(outcome, { kind: 'retry', error: 'Timeout: no response within 0.2 s', statusCode: null, latencyMs: null })
  })

  test('unresolvable hosts and dropped connections are failed attempts with a readable reason', () => {
    assert.match((classifyError(withCode('ENOTFOUND'), 'http://nowhere.invalid/x', 1000, false) as { error: string }).error, /Cannot connect to host nowhere\.invalid \[Name not resolved\]/)
    assert.match((classifyError(withCode('ECONNRESET'), url, 1000, false) as { error: string }).error, /closed before the response/)
    assert.equal(classifyError(withCode('EWHATEVER'), url, 1000, false).kind, 'retry')
  })
})
