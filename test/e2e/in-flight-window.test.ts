import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import type { ServerResponse } from 'node:http'
import { Receiver, type ReceivedRequest } from '../helpers/receiver.js'
import { loadSettings } from '../../src/config/load.js'
import { Gate, createHook, face, gatedReceiver, ids, ingest, nextRetry, patchHook, settle, useHerald, waitForDeliveries } from './support.js'

/*
 * [webhooks] max_in_flight > 1: several batches of one webhook on the way at once, against a real
 * receiver. The default (1, strict FIFO) is what every other webhook test runs with.
 */

const env = useHerald({ webhooks: { max_in_flight: 3 } })

const idOf = (req: ReceivedRequest): string => String((req.json as Array<{ id: unknown }>)[0]?.id)

describe('[webhooks] max_in_flight = 3', () => {
  test('three batches go out before the first is answered, in queue order, and no more than three', async () => {
    const { h } = env
    const { receiver, gate } = await gatedReceiver()
    try {
      await createHook(h, { url: receiver.url, batch_size: 1 })
      await ingest(h, ['e1', 'e2', 'e3', 'e4', 'e5'].map((id) => face(id)))
      await receiver.waitForRequests(3)
      await settle()
      assert.equal(receiver.requests.length, 3, 'the fourth waits for an answer')
      assert.equal(gate.held, 3)
      assert.deepEqual(receiver.requests.map(idOf).sort(), ['e1', 'e2', 'e3'])
      gate.release()
      await receiver.waitForItems(5)
      assert.deepEqual(ids(receiver).slice(3).sort(), ['e4', 'e5'])
      await waitForDeliveries(h, 1, 'all delivered', (ds) => ds.length === 5 && ds.every((d) => d.status === 'delivered'))
    } finally {
      await receiver.stop()
    }
  })

  test('a failed batch is retried alone, and nothing behind the window is sent before it succeeds', async () => {
    const { h, clock } = env
    const receiver = await Receiver.start()
    let failedOnce = false
    const held: ServerResponse[] = []
    receiver.respond = (req, res) => {
      const id = idOf(req)
      if (id === 'e1' && !failedOnce) {
        // e1 fails, but only once e2 and e3 are on the way too.
        failedOnce = true
        held.push(res)
        return
      }
      if ((id === 'e2' || id === 'e3') && held.length > 0 && held.length < 3) {
        held.push(res)
        if (held.length === 3) {
          held[0]?.writeHead(500).end()
          held[1]?.end('ok')
          held[2]?.end('ok')
        }
        return
      }
      res.end('ok')
    }
    try {
      const hook = await createHook(h, { url: receiver.url, batch_size: 1, send_attempts: 5 })
      await ingest(h, ['e1', 'e2', 'e3', 'e4', 'e5', 'e6'].map((id) => face(id)))
      await waitForDeliveries(h, hook.id, 'e1 waiting to be retried, e2 and e3 delivered', (ds) =>
        ds.find((d) => d.event.id === 'e1')?.attempts === 1 && ds.filter((d) => d.status === 'delivered').length === 2)
      await settle()
      assert.deepEqual(receiver.requests.map(idOf).sort(), ['e1', 'e2', 'e3'], 'e4 waits behind the failed e1')
      await nextRetry(clock)
      await receiver.waitForItems(7)
      const order = receiver.requests.map(idOf)
      assert.equal(order[3], 'e1', 'the retry of e1 is the next request')
      assert.deepEqual(order.slice(4).sort(), ['e4', 'e5', 'e6'])
      await waitForDeliveries(h, hook.id, 'all delivered', (ds) => ds.length === 6 && ds.every((d) => d.status === 'delivered'))
    } finally {
      await receiver.stop()
    }
  })
})

describe('a webhook\'s own max_in_flight', () => {
  const own = useHerald()

  test('outranks the server setting (1 here), is shown and can be changed back to follow it with null', async () => {
    const { h } = own
    const { receiver, gate } = await gatedReceiver()
    try {
      const hook = await createHook(h, { url: receiver.url, batch_size: 1, max_in_flight: 2 })
      assert.equal(hook.max_in_flight, 2)
      await ingest(h, ['w1', 'w2', 'w3'].map((id) => face(id)))
      await receiver.waitForRequests(2)
      await settle()
      assert.equal(receiver.requests.length, 2, 'two on the way, the third waits')
      const patched = await patchHook(h, hook.id, { max_in_flight: null })
      assert.equal(patched.max_in_flight, null)
      gate.release()
      await receiver.waitForItems(3)
      // Following the server setting again (1): one at a time.
      const second = new Gate()
      receiver.respond = second.respond
      await ingest(h, ['w4', 'w5'].map((id) => face(id)))
      await receiver.waitForRequests(4)
      await settle()
      assert.equal(receiver.requests.length, 4, 'w5 waits for the answer to w4')
      second.release()
      await receiver.waitForItems(5)
    } finally {
      await receiver.stop()
    }
  })
})

test('[webhooks] max_in_flight is 1 by default; 0 and 65 are refused with the key named', () => {
  assert.equal(loadSettings({ env: {} }).config.webhooks.max_in_flight, 1)
  assert.equal(loadSettings({ env: { HERALD_WEBHOOKS_MAX_IN_FLIGHT: '8' } }).config.webhooks.max_in_flight, 8)
  for (const bad of ['0', '65', '2.5']) {
    assert.throws(() => loadSettings({ env: { HERALD_WEBHOOKS_MAX_IN_FLIGHT: bad } }), /HERALD_WEBHOOKS_MAX_IN_FLIGHT: must be an integer from 1 to 64/)
  }
})
