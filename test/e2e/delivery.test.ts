import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { Webhook } from 'standardwebhooks'
import { api } from '../helpers/herald.js'
import { Receiver } from '../helpers/receiver.js'
import {
  body, createHook, deliveries, face, gatedReceiver, ids, ingest, nextRetry, statusResponder, useHerald, waitFor, waitForDeliveries, type LogLine
} from './support.js'

/*
 * What a receiver gets: batches, order, webhook-id, resend, idempotent ingest, signatures; and the
 * delivery log lines in the shape of FindFace's journal (the seed's "Success" and "Failure" lines),
 * as pino JSON: the message plus fields.
 */

const INFO = 30
const WARN = 40
const ERROR = 50

// standardwebhooks rejects timestamps more than 5 minutes from the real time: the clock starts now.
const env = useHerald({}, { start: Date.now() })

describe('batching', () => {
  test('batch_size 3 gets JSON arrays of at most 3 items, Content-Type application/json, in ingest order', async () => {
    const { h } = env
    const receiver = await Receiver.start()
    try {
      await createHook(h, { url: receiver.url, batch_size: 3 })
      const posted = Array.from({ length: 8 }, (_, i) => face(`e${i + 1}`))
      await ingest(h, posted)
      await receiver.waitForItems(8)
      assert.deepEqual(receiver.requests.map((r) => (r.json as unknown[]).length), [3, 3, 2])
      for (const r of receiver.requests) {
        assert.equal(r.method, 'POST')
        assert.equal(r.headers['content-type'], 'application/json')
        assert.ok(Array.isArray(r.json))
      }
      assert.deepEqual(ids(receiver), ['e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7', 'e8'])
    } finally {
      await receiver.stop()
    }
  })

  test('events that queue up while a batch is in flight go out afterwards in full batches, in order', async () => {
    const { h } = env
    const { receiver, gate } = await gatedReceiver()
    try {
      await createHook(h, { url: receiver.url, batch_size: 3 })
      await ingest(h, face('e1'))
      await receiver.waitForRequests(1)
      for (let i = 2; i <= 8; i++) await ingest(h, face(`e${i}`))
      gate.release()
      await receiver.waitForItems(8)
      assert.deepEqual(receiver.requests.map((r) => (r.json as Array<{ id: string }>).map((e) => e.id)), [['e1'], ['e2', 'e3', 'e4'], ['e5', 'e6', 'e7'], ['e8']])
    } finally {
      await receiver.stop()
    }
  })

  test('items of different sections are never mixed in one batch', async () => {
    const { h } = env
    const receiver = await Receiver.start()
    try {
      await createHook(h, { url: receiver.url, batch_size: 10 })
      await ingest(h, [face('f1'), face('f2'), body('b1'), face('f3'), body('b2'), body('b3'), face('f4')])
      await receiver.waitForItems(7)
      assert.deepEqual(receiver.requests.map((r) => (r.json as Array<{ id: string }>).map((e) => e.id)), [['f1', 'f2'], ['b1'], ['f3'], ['b2', 'b3'], ['f4']])
      assert.deepEqual(receiver.requests.map((r) => r.headers['x-herald-section']), ['face_events', 'body_events', 'face_events', 'body_events', 'face_events'])
    } finally {
      await receiver.stop()
    }
  })

  test('batch_size 1 still gets a JSON array of one item', async () => {
    const { h } = env
    const receiver = await Receiver.start()
    try {
      await createHook(h, { url: receiver.url })
      await ingest(h, [face('a'), face('b')])
      await receiver.waitForItems(2)
      assert.equal(receiver.requests.length, 2)
      for (const r of receiver.requests) {
        assert.ok(r.body.startsWith('[') && r.body.endsWith(']'), r.body)
        assert.equal((r.json as unknown[]).length, 1)
      }
    } finally {
      await receiver.stop()
    }
  })

  test('each item is the posted object without Herald\'s type key', async () => {
    const { h } = env
    const receiver = await Receiver.start()
    try {
      await createHook(h, { url: receiver.url })
      await ingest(h, face('4355024961160384430', { thumbnail: 'https://ffmulti/uploads/t.jpg', features: { gender: { name: 'male', confidence: 0.9 } } }))
      await receiver.waitForItems(1)
      assert.deepEqual(receiver.items(), [{
        id: '4355024961160384430', camera: 1, camera_group: 1, matched: true, confidence: 0.9,
        thumbnail: 'https://ffmulti/uploads/t.jpg', features: { gender: { name: 'male', confidence: 0.9 } }
      }])
    } finally {
      await receiver.stop()
    }
  })
})

describe('webhook-id and resend', () => {
  test('webhook-id is stable across retries of the same batch and is the message_id of the attempt log', async () => {
    const { h, clock } = env
    const receiver = await Receiver.start()
    receiver.respond = statusResponder(500)
    try {
      const hook = await createHook(h, { url: receiver.url, batch_size: 2 })
      await ingest(h, [face('a'), face('b')])
      await receiver.waitForRequests(1)
      await nextRetry(clock)
      await receiver.waitForRequests(2)
      receiver.respond = statusResponder(200)
      await nextRetry(clock)
      await receiver.waitForRequests(3)
      const webhookIds = receiver.requests.map((r) => r.headers['webhook-id'])
      assert.match(String(webhookIds[0]), /^msg_[0-9a-f]{32}$/)
      assert.deepEqual(webhookIds, [webhookIds[0], webhookIds[0], webhookIds[0]])
      assert.deepEqual(receiver.requests.map((r) => r.headers['x-herald-attempt']), ['1', '2', '3'])
      assert.deepEqual(receiver.requests.map((r) => r.body), Array(3).fill(receiver.requests[0]?.body))
      const log = await waitForDeliveries(h, hook.id, 'both delivered', (ds) => ds.every((d) => d.status === 'delivered'))
      assert.deepEqual(log.map((d) => d.message_id), [webhookIds[0], webhookIds[0]])
    } finally {
      await receiver.stop()
    }
  })

  test('different batches get different webhook-ids', async () => {
    const { h } = env
    const receiver = await Receiver.start()
    try {
      await createHook(h, { url: receiver.url })
      await ingest(h, [face('a'), face('b'), face('c')])
      await receiver.waitForItems(3)
      assert.equal(new Set(receiver.requests.map((r) => r.headers['webhook-id'])).size, 3)
    } finally {
      await receiver.stop()
    }
  })

  test('resend delivers the event again with a new webhook-id and logs a new delivery', async () => {
    const { h } = env
    const receiver = await Receiver.start()
    try {
      const hook = await createHook(h, { url: receiver.url })
      await ingest(h, face('a'))
      const [first] = await waitForDeliveries(h, hook.id, 'delivery', (ds) => ds[0]?.status === 'delivered')
      assert.ok(first !== undefined)
      const res = await api(h.url, 'POST', `/api/v1/hooks/${hook.id}/deliveries/${first.id}/resend`)
      assert.equal(res.status, 202)
      assert.notEqual(res.body.id, first.id)
      assert.deepEqual(res.body.event, first.event)
      await receiver.waitForRequests(2)
      assert.deepEqual(ids(receiver), ['a', 'a'])
      const [w1, w2] = receiver.requests.map((r) => r.headers['webhook-id'])
      assert.notEqual(w1, w2)
      assert.equal(w1, first.message_id)
      const log = await waitForDeliveries(h, hook.id, 'both delivered', (ds) => ds.length === 2 && ds.every((d) => d.status === 'delivered'))
      assert.equal(log[1]?.message_id, w2)
      assert.equal(log[1]?.attempts, 1)
    } finally {
      await receiver.stop()
    }
  })

  test('a delivery that failed can be resent once the receiver is back', async () => {
    const { h } = env
    const receiver = await Receiver.start()
    receiver.respond = statusResponder(500)
    try {
      const hook = await createHook(h, { url: receiver.url, send_attempts: 1 })
      await ingest(h, face('a'))
      const [failed] = await waitForDeliveries(h, hook.id, 'failure', (ds) => ds[0]?.status === 'failed')
      receiver.respond = statusResponder(200)
      const res = await api(h.url, 'POST', `/api/v1/hooks/${hook.id}/deliveries/${failed?.id}/resend`)
      assert.equal(res.status, 202)
      await waitForDeliveries(h, hook.id, 'the resend delivered', (ds) => ds[1]?.status === 'delivered')
      assert.deepEqual(ids(receiver), ['a', 'a'])
      assert.equal((await deliveries(h, hook.id))[0]?.status, 'failed', 'the original stays failed in the log')
    } finally {
      await receiver.stop()
    }
  })

  test('resending an unknown delivery, or one of another webhook, is 404', async () => {
    const { h } = env
    const receiver = await Receiver.start()
    try {
      const one = await createHook(h, { url: receiver.url })
      const two = await createHook(h, { url: receiver.url })
      await ingest(h, face('a'))
      const [d] = await waitForDeliveries(h, one.id, 'delivery', (ds) => ds[0]?.status === 'delivered')
      assert.equal((await api(h.url, 'POST', `/api/v1/hooks/${one.id}/deliveries/999999/resend`)).status, 404)
      assert.equal((await api(h.url, 'POST', `/api/v1/hooks/${two.id}/deliveries/${d?.id}/resend`)).status, 404)
      assert.equal((await api(h.url, 'POST', `/api/v1/hooks/999999/deliveries/${d?.id}/resend`)).status, 404)
    } finally {
      await receiver.stop()
    }
  })
})

describe('idempotent ingest', () => {
  test('the same type and id posted twice is delivered once', async () => {
    const { h } = env
    const receiver = await Receiver.start()
    try {
      const hook = await createHook(h, { url: receiver.url })
      const first = await ingest(h, face('a'))
      assert.equal(first.accepted, 1)
      assert.equal(first.duplicates, 0)
      const again = await ingest(h, face('a', { confidence: 0.5 }))
      assert.equal(again.duplicates, 1)
      const mixed = await ingest(h, [face('a'), face('b'), face('b')])
      assert.equal(mixed.accepted, 1)
      assert.equal(mixed.duplicates, 2)
      await receiver.waitForItems(2)
      await waitForDeliveries(h, hook.id, 'b delivered', (ds) => ds.length === 2 && ds.every((d) => d.status === 'delivered'))
      assert.deepEqual(ids(receiver), ['a', 'b'])
      assert.equal((receiver.items()[0] as { confidence: number }).confidence, 0.9, 'the first copy wins')
    } finally {
      await receiver.stop()
    }
  })

  test('the same id under two types is two events', async () => {
    const { h } = env
    const receiver = await Receiver.start()
    try {
      await createHook(h, { url: receiver.url })
      await ingest(h, [face('x'), body('x')])
      await receiver.waitForItems(2)
      assert.deepEqual(receiver.requests.map((r) => r.headers['x-herald-section']), ['face_events', 'body_events'])
    } finally {
      await receiver.stop()
    }
  })
})

describe('signed requests', () => {
  test('with a secret, standardwebhooks verifies every attempt of a retried batch under one webhook-id', async () => {
    const { h, clock } = env
    const receiver = await Receiver.start()
    receiver.respond = statusResponder(503)
    try {
      const hook = await createHook(h, { url: receiver.url, secret: true })
      assert.match(String(hook.secret), /^whsec_/)
      await ingest(h, face('a'))
      await receiver.waitForRequests(1)
      receiver.respond = statusResponder(200)
      await nextRetry(clock)
      await receiver.waitForRequests(2)
      const wh = new Webhook(String(hook.secret))
      for (const r of receiver.requests) {
        assert.deepEqual(wh.verify(r.body, r.headers as Record<string, string>), [{ id: 'a', camera: 1, camera_group: 1, matched: true, confidence: 0.9 }])
      }
      assert.equal(receiver.requests[0]?.headers['webhook-id'], receiver.requests[1]?.headers['webhook-id'])
    } finally {
      await receiver.stop()
    }
  })

  test('without a secret there is no webhook-signature, but webhook-id and webhook-timestamp are sent', async () => {
    const { h } = env
    const receiver = await Receiver.start()
    try {
      await createHook(h, { url: receiver.url })
      await ingest(h, face('a'))
      await receiver.waitForRequests(1)
      const headers = receiver.requests[0]?.headers ?? {}
      assert.equal(headers['webhook-signature'], undefined)
      assert.match(String(headers['webhook-id']), /^msg_/)
      assert.ok(Math.abs(Number(headers['webhook-timestamp']) - Date.now() / 1000) < 60)
    } finally {
      await receiver.stop()
    }
  })
})

describe('delivery log lines', () => {
  /** Log lines about one webhook (an earlier test's late attempt may still log). */
  const about = (hookId: number, level: number): LogLine[] => env.logs.filter((l) => l.target === String(hookId) && l.level === level)

  test('a delivered batch logs Webhook(id=N) worker(type=face_events) <queue: 0> Sent batch(len-1, type-"face_events"): [\'id\']', async () => {
    const { h } = env
    const receiver = await Receiver.start()
    try {
      const hook = await createHook(h, { url: receiver.url })
      await ingest(h, face('4355024961160384430'))
      await waitFor('the sent line', () => about(hook.id, INFO).length > 0)
      const [line] = about(hook.id, INFO)
      assert.equal(line?.msg, `Webhook(id=${hook.id}) worker(type=face_events) <queue: 0> Sent batch(len-1, type-"face_events"): ['4355024961160384430']`)
      assert.equal(line?.section, 'face_events')
      assert.equal(line?.statusCode, 200)
      assert.match(String(line?.messageId), /^msg_/)
    } finally {
      await receiver.stop()
    }
  })

  test('a batch of three lists its ids the way the seed does, and <queue: N> counts what is still waiting', async () => {
    const { h } = env
    const receiver = await Receiver.start()
    try {
      const hook = await createHook(h, { url: receiver.url, batch_size: 3 })
      await ingest(h, [face('1'), face('2'), face('3'), face('4')])
      await waitFor('two sent lines', () => about(hook.id, INFO).length === 2)
      assert.deepEqual(about(hook.id, INFO).map((l) => l.msg), [
        `Webhook(id=${hook.id}) worker(type=face_events) <queue: 1> Sent batch(len-3, type-"face_events"): ['1', '2', '3']`,
        `Webhook(id=${hook.id}) worker(type=face_events) <queue: 0> Sent batch(len-1, type-"face_events"): ['4']`
      ])
    } finally {
      await receiver.stop()
    }
  })

  test('connection refused logs the seed\'s failure lines: Attempt 1 out of 10, next in 0.270 s, then 0.729 s, with the queue behind it', async () => {
    const { h, clock } = env
    const receiver = await Receiver.start()
    const port = receiver.port
    await receiver.stop()
    const hook = await createHook(h, { url: receiver.url })
    await ingest(h, face('4355024961160384430'))
    await waitFor('the first retry', () => clock.pendingTimers() > 0)
    await ingest(h, [face('x1'), face('x2')])
    await nextRetry(clock)
    await nextRetry(clock)
    await waitFor('three warnings', () => about(hook.id, WARN).length === 3)
    const prefix = `Webhook(id=${hook.id}) worker(type=face_events)`
    const reason = `Cannot connect to host 127.0.0.1:${port} [Connection refused]`
    assert.deepEqual(about(hook.id, WARN).map((l) => l.msg), [
      `${prefix} <queue: 0> Error sending webhook: ${reason}. Attempt 1 out of 10. Next attempt in 0.270 seconds.`,
      `${prefix} <queue: 2> Error sending webhook: ${reason}. Attempt 2 out of 10. Next attempt in 0.729 seconds.`,
      `${prefix} <queue: 2> Error sending webhook: ${reason}. Attempt 3 out of 10. Next attempt in 1.968 seconds.`
    ])
    const [first] = about(hook.id, WARN)
    assert.equal(first?.attempt, 1)
    assert.equal(first?.maxAttempts, 10)
    assert.equal(first?.delayMs, 270)
    assert.equal(first?.error, reason)
  })

  test('an HTTP error status is named in the log line', async () => {
    const { h } = env
    const receiver = await Receiver.start()
    receiver.respond = statusResponder(503)
    try {
      const hook = await createHook(h, { url: receiver.url, send_attempts: 3 })
      await ingest(h, face('a'))
      await waitFor('a warning', () => about(hook.id, WARN).length > 0)
      assert.match(about(hook.id, WARN)[0]?.msg ?? '', /Error sending webhook: HTTP 503 Service Unavailable\. Attempt 1 out of 3\. Next attempt in 0\.270 seconds\.$/)
    } finally {
      await receiver.stop()
    }
  })

  test('the last failed attempt logs an error that the batch is dropped', async () => {
    const { h, clock } = env
    const receiver = await Receiver.start()
    receiver.respond = statusResponder(500)
    try {
      const hook = await createHook(h, { url: receiver.url, send_attempts: 2 })
      await ingest(h, face('a'))
      await nextRetry(clock)
      await waitFor('the error line', () => about(hook.id, ERROR).length > 0)
      assert.equal(about(hook.id, ERROR)[0]?.msg,
        `Webhook(id=${hook.id}) worker(type=face_events) <queue: 0> Error sending webhook: HTTP 500 Internal Server Error. Attempt 2 out of 2. Dropping batch(len-1, type-"face_events"): ['a']`)
    } finally {
      await receiver.stop()
    }
  })

  test('send_attempts 0 logs the attempt count against "unlimited"', async () => {
    const { h } = env
    const receiver = await Receiver.start()
    receiver.respond = statusResponder(500)
    try {
      const hook = await createHook(h, { url: receiver.url, send_attempts: 0 })
      await ingest(h, face('a'))
      await waitFor('a warning', () => about(hook.id, WARN).length > 0)
      assert.match(about(hook.id, WARN)[0]?.msg ?? '', /Attempt 1 out of unlimited\. Next attempt in 0\.270 seconds\.$/)
    } finally {
      await receiver.stop()
    }
  })
})
