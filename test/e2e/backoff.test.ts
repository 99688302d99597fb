import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { api } from '../helpers/herald.js'
import { Receiver } from '../helpers/receiver.js'
import {
  createHook, deliveries, face, ids, ingest, nextRetry, startManual, statusResponder, useHerald, waitFor, waitForDeliveries
} from './support.js'

/*
 * The retry schedule, driven by a manual clock with zero jitter: no test sleeps for a delay, and
 * every attempt is a real POST to a loopback receiver. Then receivers that fail or go away, and
 * what send_attempts makes of it. "Down" is real: the receiver closes its port (connection
 * refused) and later listens on the same port again.
 */

const env = useHerald()

describe('backoff schedule', () => {
  test('a receiver answering 500 is retried at 0, +270 ms, +729 ms, +1968 ms, +5314 ms, +14349 ms, +38742 ms, then every 100 s', async () => {
    const { h, clock } = env
    const receiver = await Receiver.start()
    const arrivals: number[] = []
    receiver.respond = (_req, res) => { arrivals.push(clock.now()); res.writeHead(500); res.end('boom') }
    try {
      const hook = await createHook(h, { url: receiver.url, send_attempts: 0 })
      const start = clock.now()
      await ingest(h, face('a'))
      const delays: number[] = []
      for (let i = 0; i < 9; i++) {
        delays.push(await nextRetry(clock))
        await receiver.waitForRequests(i + 2)
      }
      assert.deepEqual(delays, [270, 729, 1968, 5314, 14349, 38742, 100_000, 100_000, 100_000])
      let at = start
      const expected = [start, ...delays.map((d) => (at += d))]
      assert.deepEqual(arrivals.map((t) => t - start), expected.map((t) => t - start))
      const [d] = await waitForDeliveries(h, hook.id, 'the tenth attempt to be logged', (ds) => ds[0]?.attempts === 10 && ds[0].status === 'pending')
      assert.equal(d?.last_status_code, 500)
      assert.equal(d?.last_error, 'HTTP 500 Internal Server Error')
    } finally {
      await receiver.stop()
    }
  })

  test('the attempt log shows attempts, last status, last error and when the next attempt is due', async () => {
    const { h, clock } = env
    const receiver = await Receiver.start()
    receiver.respond = statusResponder(500)
    try {
      const hook = await createHook(h, { url: receiver.url })
      await ingest(h, face('a'))
      const expectedDelays = [270, 729, 1968]
      for (let n = 1; n <= 3; n++) {
        await waitFor(`retry ${n} to be scheduled`, () => clock.pendingTimers() > 0)
        const [d] = await deliveries(h, hook.id)
        assert.equal(d?.status, 'pending')
        assert.equal(d?.attempts, n)
        assert.equal(d?.last_status_code, 500)
        assert.equal(d?.last_error, 'HTTP 500 Internal Server Error')
        assert.equal(d?.delivered_at, null)
        assert.equal(Date.parse(d?.next_attempt_at ?? '') - Date.parse(d?.updated_at ?? ''), expectedDelays[n - 1])
        await clock.advance(clock.nextTimerIn() as number)
        await receiver.waitForRequests(n + 1)
      }
      receiver.respond = statusResponder(204)
      await nextRetry(clock)
      const [d] = await waitForDeliveries(h, hook.id, 'delivery', (ds) => ds[0]?.status === 'delivered')
      assert.equal(d?.attempts, 5)
      assert.equal(d?.last_status_code, 204)
      assert.equal(d?.last_error, null)
      assert.equal(d?.next_attempt_at, null)
      assert.equal(d?.delivered_at, new Date(clock.now()).toISOString())
      assert.equal(typeof d?.latency_ms, 'number')
    } finally {
      await receiver.stop()
    }
  })

  test('no attempt happens a millisecond before it is due', async () => {
    const { h, clock } = env
    const receiver = await Receiver.start()
    receiver.respond = statusResponder(500)
    try {
      await createHook(h, { url: receiver.url })
      await ingest(h, face('a'))
      await nextRetry(clock)
      await receiver.waitForRequests(2)
      await waitFor('retry 2 to be scheduled', () => clock.pendingTimers() > 0)
      await clock.advance(728)
      assert.equal(receiver.requests.length, 2)
      await clock.advance(1)
      await receiver.waitForRequests(3)
    } finally {
      await receiver.stop()
    }
  })

  test('webhooks.max_retry_delay lowers the 100 s cap', async () => {
    const { h, clock } = await startManual({ webhooks: { max_retry_delay: 2 } })
    const receiver = await Receiver.start()
    receiver.respond = statusResponder(500)
    try {
      await createHook(h, { url: receiver.url })
      await ingest(h, face('a'))
      const delays: number[] = []
      for (let i = 0; i < 5; i++) {
        delays.push(await nextRetry(clock))
        await receiver.waitForRequests(i + 2)
      }
      assert.deepEqual(delays, [270, 729, 1968, 2000, 2000])
    } finally {
      await receiver.stop()
      await h.close()
    }
  })
})

describe('Retry-After', () => {
  /** Runs `body` with the first retry delay Herald schedules after one answer with this status and headers. */
  async function afterFirstAnswer (status: number, headers: Record<string, string>, body: (delay: number, receiver: Receiver, hookId: number) => Promise<void>): Promise<void> {
    const { h, clock } = env
    const receiver = await Receiver.start()
    receiver.respond = statusResponder(status, headers)
    const hook = await createHook(h, { url: receiver.url })
    try {
      await ingest(h, face(`ra-${hook.id}`))
      await waitFor('a retry to be scheduled', () => clock.pendingTimers() > 0)
      await body(clock.nextTimerIn() as number, receiver, hook.id)
    } finally {
      await receiver.stop()
      const res = await api(h.url, 'DELETE', `/api/v1/hooks/${hook.id}/`)
      assert.equal(res.status, 204)
      assert.equal(clock.pendingTimers(), 0, 'deleting the webhook cancels its retry')
    }
  }

  const cases: Array<[string, number, () => Record<string, string>, number]> = [
    ['429 with Retry-After: 7 is retried after 7 s', 429, () => ({ 'retry-after': '7' }), 7000],
    ['503 with Retry-After: 12 is retried after 12 s', 503, () => ({ 'retry-after': '12' }), 12_000],
    ['429 with an HTTP-date Retry-After 30 s ahead is retried after 30 s', 429, () => ({ 'retry-after': new Date(env.clock.now() + 30_000).toUTCString() }), 30_000],
    ['503 with an HTTP-date Retry-After 45 s ahead is retried after 45 s', 503, () => ({ 'retry-after': new Date(env.clock.now() + 45_000).toUTCString() }), 45_000],
    ['429 with Retry-After: 3600 is capped at 100 s', 429, () => ({ 'retry-after': '3600' }), 100_000],
    ['503 with an HTTP-date two hours ahead is capped at 100 s', 503, () => ({ 'retry-after': new Date(env.clock.now() + 7_200_000).toUTCString() }), 100_000],
    ['503 with an HTTP-date in the past is retried after the shortest backoff step, not in a tight loop', 503, () => ({ 'retry-after': new Date(env.clock.now() - 60_000).toUTCString() }), 270],
    ['429 with Retry-After: 0 is retried after the shortest backoff step, not in a tight loop', 429, () => ({ 'retry-after': '0' }), 270],
    ['429 without Retry-After follows the normal backoff (0.270 s)', 429, () => ({}), 270],
    ['429 with a malformed Retry-After follows the normal backoff', 429, () => ({ 'retry-after': 'soon 2' }), 270],
    ['500 with Retry-After ignores it and follows the normal backoff', 500, () => ({ 'retry-after': '7' }), 270],
    ['502 with Retry-After ignores it and follows the normal backoff', 502, () => ({ 'retry-after': '7' }), 270]
  ]
  for (const [name, status, headers, expected] of cases) {
    test(name, async () => {
      // HTTP-dates have whole seconds: start the case on a second boundary.
      await env.clock.advance(1000 - (env.clock.now() % 1000))
      await afterFirstAnswer(status, headers(), async (delay) => {
        assert.equal(delay, expected)
      })
    })
  }

  test('the retry after Retry-After: 7 happens at +7 s, not earlier, and then succeeds', async () => {
    const { h, clock } = env
    await afterFirstAnswer(429, { 'retry-after': '7' }, async (delay, receiver, hookId) => {
      assert.equal(delay, 7000)
      const first = clock.now()
      await clock.advance(6999)
      assert.equal(receiver.requests.length, 1)
      receiver.respond = statusResponder(200)
      await clock.advance(1)
      await receiver.waitForRequests(2)
      assert.equal(clock.now() - first, 7000)
      const [d] = await waitForDeliveries(h, hookId, 'delivery', (ds) => ds[0]?.status === 'delivered')
      assert.equal(d?.attempts, 2)
    })
  })

  test('a Retry-After does not change the schedule of later failures', async () => {
    const { clock } = env
    await afterFirstAnswer(503, { 'retry-after': '5' }, async (_delay, receiver) => {
      receiver.respond = statusResponder(500)
      assert.equal(await nextRetry(clock), 5000)
      await receiver.waitForRequests(2)
      await waitFor('retry 2 to be scheduled', () => clock.pendingTimers() > 0)
      assert.equal(clock.nextTimerIn(), 729)
    })
  })
})

describe('send_attempts', () => {
  test('send_attempts=3 records the batch as failed after three attempts, then the next item gets its turn', async () => {
    const { h, clock } = env
    const receiver = await Receiver.start()
    receiver.respond = (req, res) => {
      res.writeHead((req.json as Array<{ id: string }>)[0]?.id === 'bad' ? 500 : 200)
      res.end()
    }
    try {
      const hook = await createHook(h, { url: receiver.url, send_attempts: 3 })
      await ingest(h, [face('bad'), face('good')])
      await receiver.waitForRequests(1)
      assert.equal(await nextRetry(clock), 270)
      await receiver.waitForRequests(2)
      assert.equal(await nextRetry(clock), 729)
      await receiver.waitForRequests(4)
      assert.deepEqual(ids(receiver), ['bad', 'bad', 'bad', 'good'])
      const [bad, good] = await waitForDeliveries(h, hook.id, 'good delivered', (ds) => ds[1]?.status === 'delivered')
      assert.equal(bad?.status, 'failed')
      assert.equal(bad?.attempts, 3)
      assert.equal(bad?.last_status_code, 500)
      assert.equal(bad?.last_error, 'HTTP 500 Internal Server Error')
      assert.equal(bad?.next_attempt_at, null)
      assert.equal(good?.attempts, 1)
      assert.equal(clock.pendingTimers(), 0, 'no retry left scheduled')
      const failedOnly = await deliveries(h, hook.id).then((ds) => ds.filter((d) => d.status === 'failed'))
      assert.deepEqual(failedOnly.map((d) => d.event.id), ['bad'])
    } finally {
      await receiver.stop()
    }
  })

  test('send_attempts=2 with batch_size 3 drops the whole failed batch; later items form the next batch', async () => {
    const { h, clock } = env
    const receiver = await Receiver.start()
    receiver.respond = statusResponder(500)
    try {
      const hook = await createHook(h, { url: receiver.url, send_attempts: 2, batch_size: 3 })
      await ingest(h, [face('a'), face('b'), face('c')])
      await receiver.waitForRequests(1)
      await ingest(h, [face('d'), face('e')])
      receiver.respond = (req, res) => { res.writeHead((req.json as Array<{ id: string }>)[0]?.id === 'a' ? 500 : 200); res.end() }
      await nextRetry(clock)
      await receiver.waitForRequests(3)
      assert.deepEqual(receiver.requests.map((r) => (r.json as Array<{ id: string }>).map((e) => e.id)), [['a', 'b', 'c'], ['a', 'b', 'c'], ['d', 'e']])
      const log = await waitForDeliveries(h, hook.id, 'd and e delivered', (ds) => ds.length === 5 && ds[4]?.status === 'delivered')
      assert.deepEqual(log.map((d) => [d.event.id, d.status, d.attempts]), [['a', 'failed', 2], ['b', 'failed', 2], ['c', 'failed', 2], ['d', 'delivered', 1], ['e', 'delivered', 1]])
    } finally {
      await receiver.stop()
    }
  })

  test('send_attempts=0 keeps retrying through a long outage; once back, the receiver gets everything since, in order', async () => {
    const { h, clock } = env
    const receiver = await Receiver.start()
    const port = receiver.port
    await receiver.stop()
    try {
      const hook = await createHook(h, { url: receiver.url, send_attempts: 0 })
      const start = clock.now()
      await ingest(h, face('e1'))
      let retries = 0
      for (let i = 2; i <= 6; i++) {
        // One more event every few retries: the outage spans many minutes of clock time.
        for (let k = 0; k < 3; k++) { await nextRetry(clock); retries++ }
        await ingest(h, face(`e${i}`))
      }
      for (let k = 0; k < 5; k++) { await nextRetry(clock); retries++ }
      await waitFor('the last retry to be scheduled', () => clock.pendingTimers() > 0)
      assert.ok(clock.now() - start > 10 * 60_000, 'the outage lasted more than ten minutes')
      const during = await deliveries(h, hook.id)
      assert.equal(during[0]?.attempts, retries + 1)
      assert.equal(during[0]?.last_error, `Cannot connect to host 127.0.0.1:${port} [Connection refused]`)
      assert.deepEqual(during.slice(1).map((d) => d.attempts), [0, 0, 0, 0, 0], 'later items wait behind the head')
      assert.ok(during.every((d) => d.status === 'pending'))

      await receiver.listen(port)
      assert.equal(await nextRetry(clock), 100_000)
      await receiver.waitForItems(6)
      assert.deepEqual(ids(receiver), ['e1', 'e2', 'e3', 'e4', 'e5', 'e6'])
      const after = await waitForDeliveries(h, hook.id, 'all delivered', (ds) => ds.every((d) => d.status === 'delivered'))
      assert.equal(after.length, 6)
      assert.equal(after[0]?.attempts, retries + 2)
    } finally {
      await receiver.stop()
    }
  })

  test('send_attempts=1 drops what was queued during the outage; once back, the receiver only gets later events', async () => {
    const { h, clock } = env
    const receiver = await Receiver.start()
    const port = receiver.port
    await receiver.stop()
    try {
      const hook = await createHook(h, { url: receiver.url, send_attempts: 1 })
      await ingest(h, [face('lost1'), face('lost2')])
      await ingest(h, face('lost3'))
      const failed = await waitForDeliveries(h, hook.id, 'three failures', (ds) => ds.length === 3 && ds.every((d) => d.status === 'failed'))
      assert.deepEqual(failed.map((d) => d.attempts), [1, 1, 1])
      assert.equal(clock.pendingTimers(), 0, 'nothing is retried')
      await receiver.listen(port)
      await ingest(h, face('new1'))
      await receiver.waitForItems(1)
      await ingest(h, face('new2'))
      await receiver.waitForItems(2)
      assert.deepEqual(ids(receiver), ['new1', 'new2'])
    } finally {
      await receiver.stop()
    }
  })

  test('lowering send_attempts while a batch is retrying applies at its next failure', async () => {
    const { h, clock } = env
    const receiver = await Receiver.start()
    receiver.respond = statusResponder(500)
    try {
      const hook = await createHook(h, { url: receiver.url, send_attempts: 0 })
      await ingest(h, face('a'))
      for (let i = 0; i < 3; i++) { await nextRetry(clock); await receiver.waitForRequests(i + 2) }
      const res = await fetch(`${h.url}/api/v1/hooks/${hook.id}/`, { method: 'PATCH', headers: { authorization: 'Token test-admin-token', 'content-type': 'application/json' }, body: JSON.stringify({ send_attempts: 5 }) })
      assert.equal(res.status, 200)
      await nextRetry(clock)
      const [d] = await waitForDeliveries(h, hook.id, 'failure', (ds) => ds[0]?.status === 'failed')
      assert.equal(d?.attempts, 5)
    } finally {
      await receiver.stop()
    }
  })
})

describe('receiver down, then up', () => {
  test('connection refused, then the receiver listens again on its port: nothing is lost and order is kept', async () => {
    const { h, clock } = env
    const receiver = await Receiver.start()
    const port = receiver.port
    try {
      const hook = await createHook(h, { url: receiver.url })
      await ingest(h, face('before'))
      await receiver.waitForItems(1)
      await receiver.stop()
      await ingest(h, face('d1'))
      await nextRetry(clock)
      await ingest(h, [face('d2'), face('d3')])
      await nextRetry(clock)
      await ingest(h, face('d4'))
      await waitFor('retry 3 to be scheduled', () => clock.pendingTimers() > 0)
      const down = await deliveries(h, hook.id)
      assert.deepEqual(down.map((d) => [d.event.id, d.status, d.attempts]), [['before', 'delivered', 1], ['d1', 'pending', 3], ['d2', 'pending', 0], ['d3', 'pending', 0], ['d4', 'pending', 0]])
      assert.match(down[1]?.last_error ?? '', /Connection refused/)
      assert.equal(down[1]?.last_status_code, null)

      await receiver.listen(port)
      assert.equal(await nextRetry(clock), 1968)
      await receiver.waitForItems(5)
      await ingest(h, face('after'))
      await receiver.waitForItems(6)
      assert.deepEqual(ids(receiver), ['before', 'd1', 'd2', 'd3', 'd4', 'after'])
      await waitForDeliveries(h, hook.id, 'all delivered', (ds) => ds.length === 6 && ds.every((d) => d.status === 'delivered'))
    } finally {
      await receiver.stop()
    }
  })

  test('with batch_size 10, the backlog after an outage goes out in batches, still in order', async () => {
    const { h, clock } = env
    const receiver = await Receiver.start()
    const port = receiver.port
    await receiver.stop()
    try {
      await createHook(h, { url: receiver.url, batch_size: 10 })
      await ingest(h, face('e1'))
      await waitFor('the first retry to be scheduled', () => clock.pendingTimers() > 0)
      await ingest(h, Array.from({ length: 24 }, (_, i) => face(`e${i + 2}`)))
      await receiver.listen(port)
      await nextRetry(clock)
      await receiver.waitForItems(25)
      assert.deepEqual(receiver.requests.map((r) => (r.json as unknown[]).length), [1, 10, 10, 4])
      assert.deepEqual(ids(receiver), Array.from({ length: 25 }, (_, i) => `e${i + 1}`))
    } finally {
      await receiver.stop()
    }
  })
})
