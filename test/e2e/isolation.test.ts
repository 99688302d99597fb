import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { Receiver } from '../helpers/receiver.js'
import {
  Gate, createHook, deliveries, face, ids, ingest, nextRetry, useHerald, waitFor, waitForDeliveries
} from './support.js'

/*
 * One webhook's receiver is dead (hangs or refuses); another's is healthy. The healthy one must get
 * every event promptly while the dead one is still retrying. Timeouts are real (webhooks.timeout
 * 0.2 s): they are what a hanging receiver costs, and they must cost only its own webhook.
 */

const never = (): void => { /* hold the request open: the receiver hangs */ }

describe('a dead receiver next to a healthy one', () => {
  // A long timeout: no test waits for it (stopping the dead receiver ends its request), and the
  // bounds below, well under it, leave a slow runner room.
  const env = useHerald({ webhooks: { timeout: 10 } })

  test('a receiver that never answers does not delay another webhook: all healthy deliveries finish while the dead one is on its first attempt', async () => {
    const { h } = env
    const dead = await Receiver.start()
    dead.respond = never
    const healthy = await Receiver.start()
    try {
      const deadHook = await createHook(h, { url: dead.url, send_attempts: 0 })
      const okHook = await createHook(h, { url: healthy.url })
      const started = Date.now()
      const sent: string[] = []
      for (let i = 1; i <= 20; i++) {
        sent.push(`e${i}`)
        await ingest(h, face(`e${i}`))
      }
      await healthy.waitForItems(20)
      const elapsed = Date.now() - started
      const deadLog = await deliveries(h, deadHook.id)
      assert.deepEqual(ids(healthy), sent)
      assert.equal(dead.requests.length, 1, 'the dead receiver is still holding the first request')
      assert.equal(deadLog[0]?.status, 'sending')
      assert.ok(deadLog.every((d) => d.status !== 'delivered'))
      assert.ok(elapsed < 8000, `healthy deliveries took ${elapsed} ms, less than the dead one's timeout`)
      await waitForDeliveries(h, okHook.id, 'healthy log complete', (ds) => ds.length === 20 && ds.every((d) => d.status === 'delivered'))
    } finally {
      await dead.stop()
      await healthy.stop()
    }
  })

  test('64 requests hanging at one webhook do not hold the connections of another webhook on the same host and port', async () => {
    const { h } = env
    const shared = await Receiver.start()
    shared.respond = (req, res) => {
      if (req.url?.endsWith('/hang') === true) return // held open: a path that hangs
      res.statusCode = 200
      res.end('ok')
    }
    try {
      await createHook(h, { url: `${shared.url}/hang`, send_attempts: 0, max_in_flight: 64 })
      await createHook(h, { url: `${shared.url}/ok` })
      const started = Date.now()
      await ingest(h, Array.from({ length: 70 }, (_, i) => face(`p${i + 1}`)))
      const okItems = async (): Promise<number> => shared.requests.filter((r) => r.url.endsWith('/ok')).length
      while (await okItems() < 70) {
        // Sharing one pool of 64 connections, the healthy webhook waited for the hanging ones' 10 s timeout.
        assert.ok(Date.now() - started < 8000, `the healthy webhook got ${await okItems()} of 70 in ${Date.now() - started} ms`)
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
      assert.ok(shared.requests.filter((r) => r.url.endsWith('/hang')).length >= 64, 'the hanging webhook had its window full')
    } finally {
      await shared.stop()
    }
  })

  test('a receiver refusing connections, retried forever, does not delay another webhook', async () => {
    const { h, clock } = env
    const dead = await Receiver.start()
    await dead.stop()
    const healthy = await Receiver.start()
    try {
      const deadHook = await createHook(h, { url: dead.url, send_attempts: 0 })
      await createHook(h, { url: healthy.url, batch_size: 5 })
      await ingest(h, face('e1'))
      await nextRetry(clock)
      await ingest(h, Array.from({ length: 49 }, (_, i) => face(`e${i + 2}`)))
      await healthy.waitForItems(50)
      assert.deepEqual(ids(healthy), Array.from({ length: 50 }, (_, i) => `e${i + 1}`))
      await waitFor('the dead webhook\'s next retry', () => clock.pendingTimers() > 0)
      const deadLog = await deliveries(h, deadHook.id)
      assert.equal(deadLog[0]?.attempts, 2)
      assert.equal(deadLog.filter((d) => d.status === 'pending').length, 50)
    } finally {
      await healthy.stop()
    }
  })

  test('a slow receiver holds only its own webhook: a fast one gets each event while the slow one still holds the first', async () => {
    const { h } = env
    const slow = await Receiver.start()
    const gate = new Gate()
    slow.respond = gate.respond
    const fast = await Receiver.start()
    try {
      await createHook(h, { url: slow.url })
      await createHook(h, { url: fast.url })
      for (let i = 1; i <= 5; i++) {
        await ingest(h, face(`e${i}`))
        await fast.waitForItems(i)
      }
      assert.equal(slow.requests.length, 1)
      assert.equal(gate.held, 1)
      gate.release()
      await slow.waitForItems(5)
      assert.deepEqual(ids(slow), ids(fast))
    } finally {
      await slow.stop()
      await fast.stop()
    }
  })
})

describe('timeouts', () => {
  const env = useHerald({ webhooks: { timeout: 0.2 } })

  test('no answer within webhooks.timeout is a failed attempt whose error says it timed out', async () => {
    const { h, clock, logs } = env
    const receiver = await Receiver.start()
    receiver.respond = never
    try {
      const hook = await createHook(h, { url: receiver.url })
      const started = Date.now()
      await ingest(h, face('a'))
      const [d] = await waitForDeliveries(h, hook.id, 'the timeout', (ds) => ds[0]?.status === 'pending' && ds[0].attempts === 1)
      assert.ok(Date.now() - started >= 190, 'not before the timeout')
      assert.equal(d?.last_error, 'Timeout: no response within 0.2 s')
      assert.equal(d?.last_status_code, null)
      await waitFor('the retry to be scheduled', () => clock.pendingTimers() > 0)
      assert.equal(clock.nextTimerIn(), 270)
      const warn = logs.find((l) => l.level === 40 && l.target === String(hook.id))
      assert.match(warn?.msg ?? '', new RegExp(`^Webhook\\(id=${hook.id}\\) worker\\(type=face_events\\) <queue: 0> Error sending webhook: Timeout: no response within 0\\.2 s\\. Attempt 1 out of 10\\. Next attempt in 0\\.270 seconds\\.$`))
    } finally {
      await receiver.stop()
    }
  })

  test('an answer that comes after the timeout does not count: the batch is retried and delivered once answered in time', async () => {
    const { h, clock } = env
    const receiver = await Receiver.start()
    receiver.respond = (_req, res) => { setTimeout(() => { res.writeHead(200); res.end() }, 400) }
    try {
      const hook = await createHook(h, { url: receiver.url })
      await ingest(h, face('a'))
      await waitFor('the retry to be scheduled', () => clock.pendingTimers() > 0, 3000)
      assert.equal((await deliveries(h, hook.id))[0]?.status, 'pending')
      receiver.respond = (_req, res) => { setTimeout(() => { res.writeHead(200); res.end() }, 20) }
      await nextRetry(clock)
      const [d] = await waitForDeliveries(h, hook.id, 'delivery', (ds) => ds[0]?.status === 'delivered')
      assert.equal(d?.attempts, 2)
      assert.equal(d?.last_error, null)
      assert.equal(receiver.requests[0]?.headers['webhook-id'], receiver.requests[1]?.headers['webhook-id'])
    } finally {
      await receiver.stop()
    }
  })

  test('with send_attempts=2 a receiver that always times out ends failed, with the timeout as last error', async () => {
    const { h, clock } = env
    const receiver = await Receiver.start()
    receiver.respond = never
    try {
      const hook = await createHook(h, { url: receiver.url, send_attempts: 2 })
      await ingest(h, face('a'))
      await nextRetry(clock)
      const [d] = await waitForDeliveries(h, hook.id, 'failure', (ds) => ds[0]?.status === 'failed')
      assert.equal(d?.attempts, 2)
      assert.equal(d?.last_error, 'Timeout: no response within 0.2 s')
    } finally {
      await receiver.stop()
    }
  })
})
