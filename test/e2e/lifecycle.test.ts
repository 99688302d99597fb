import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { api, startHerald } from '../helpers/herald.js'
import { Receiver } from '../helpers/receiver.js'
import {
  createHook, deliveries, face, gatedReceiver, ids, ingest, nextRetry, patchHook, settle, statusResponder, useHerald, waitFor, waitForDeliveries
} from './support.js'

/* Inactive, deactivated, deleted and edited webhooks, seen from their receivers and the attempt log. */

const env = useHerald()

describe('active and inactive webhooks', () => {
  test('an inactive webhook queues nothing, and activating it does not deliver what came before', async () => {
    const { h } = env
    const receiver = await Receiver.start()
    try {
      const hook = await createHook(h, { url: receiver.url, active: false })
      const res = await api(h.url, 'POST', '/api/v1/events', face('while-inactive'))
      assert.equal(res.body.events[0].deliveries, 0)
      assert.deepEqual(await deliveries(h, hook.id), [])
      await patchHook(h, hook.id, { active: true })
      await ingest(h, face('after'))
      await receiver.waitForItems(1)
      assert.deepEqual(ids(receiver), ['after'])
    } finally {
      await receiver.stop()
    }
  })

  test('deactivating a webhook pauses its queue; reactivating resumes it in order', async () => {
    const { h } = env
    const { receiver, gate } = await gatedReceiver()
    try {
      const hook = await createHook(h, { url: receiver.url })
      await ingest(h, face('e1'))
      await receiver.waitForRequests(1)
      await ingest(h, [face('e2'), face('e3')])
      await patchHook(h, hook.id, { active: false })
      gate.release()
      await waitForDeliveries(h, hook.id, 'e1 delivered', (ds) => ds[0]?.status === 'delivered')
      const res = await api(h.url, 'POST', '/api/v1/events', face('while-paused'))
      assert.equal(res.body.events[0].deliveries, 0, 'an inactive webhook queues nothing new')
      await settle()
      assert.equal(receiver.requests.length, 1, 'nothing is sent while inactive')
      assert.deepEqual((await deliveries(h, hook.id)).map((d) => [d.event.id, d.status, d.attempts]), [['e1', 'delivered', 1], ['e2', 'pending', 0], ['e3', 'pending', 0]])

      await patchHook(h, hook.id, { active: true })
      await receiver.waitForItems(3)
      await ingest(h, face('e4'))
      await receiver.waitForItems(4)
      assert.deepEqual(ids(receiver), ['e1', 'e2', 'e3', 'e4'])
    } finally {
      await receiver.stop()
    }
  })

  test('a deactivated webhook does not retry; once reactivated, its retry happens at once', async () => {
    const { h, clock } = env
    const receiver = await Receiver.start()
    receiver.respond = statusResponder(500)
    try {
      const hook = await createHook(h, { url: receiver.url })
      await ingest(h, face('a'))
      await waitFor('the retry to be scheduled', () => clock.pendingTimers() > 0)
      await patchHook(h, hook.id, { active: false })
      await clock.advance(60_000)
      await settle()
      assert.equal(receiver.requests.length, 1)
      receiver.respond = statusResponder(200)
      await patchHook(h, hook.id, { active: true })
      const [d] = await waitForDeliveries(h, hook.id, 'delivery', (ds) => ds[0]?.status === 'delivered')
      assert.equal(d?.attempts, 2)
      assert.equal(receiver.requests.length, 2)
    } finally {
      await receiver.stop()
    }
  })

  test('reactivating a webhook retries at once, even before its scheduled retry is due', async () => {
    const { h, clock } = env
    const receiver = await Receiver.start()
    receiver.respond = statusResponder(500)
    try {
      const hook = await createHook(h, { url: receiver.url })
      await ingest(h, face('a'))
      await receiver.waitForRequests(1)
      for (let i = 0; i < 6; i++) await nextRetry(clock)
      await receiver.waitForRequests(7)
      await waitFor('the 100 s retry to be scheduled', () => (clock.nextTimerIn() ?? 0) > 50_000)
      await patchHook(h, hook.id, { active: false })
      receiver.respond = statusResponder(200)
      await patchHook(h, hook.id, { active: true })
      const [d] = await waitForDeliveries(h, hook.id, 'delivery', (ds) => ds[0]?.status === 'delivered')
      assert.equal(d?.attempts, 8)
    } finally {
      await receiver.stop()
    }
  })
})

describe('deleting a webhook', () => {
  test('deleting a webhook drops its queue and cancels its retry', async () => {
    const { h, clock } = env
    const receiver = await Receiver.start()
    receiver.respond = statusResponder(500)
    try {
      const hook = await createHook(h, { url: receiver.url })
      await ingest(h, [face('a'), face('b'), face('c')])
      await waitFor('the retry to be scheduled', () => clock.pendingTimers() > 0)
      assert.equal(h.herald.engine.depth(`webhook:${hook.id}`), 3)
      assert.equal((await api(h.url, 'DELETE', `/api/v1/hooks/${hook.id}/`)).status, 204)
      assert.equal(clock.pendingTimers(), 0)
      assert.equal(h.herald.engine.depth(`webhook:${hook.id}`), 0)
      assert.equal((await h.herald.store.openByLane()).has(`webhook:${hook.id}`), false)
      assert.equal((await api(h.url, 'GET', `/api/v1/hooks/${hook.id}/deliveries`)).status, 404)
      await clock.advance(200_000)
      await settle()
      assert.equal(receiver.requests.length, 1)
    } finally {
      await receiver.stop()
    }
  })

  test('deleting a webhook while its request is in flight sends nothing more', async () => {
    const { h } = env
    const { receiver, gate } = await gatedReceiver()
    const other = await Receiver.start()
    try {
      const hook = await createHook(h, { url: receiver.url })
      await ingest(h, face('a'))
      await receiver.waitForRequests(1)
      await ingest(h, [face('b'), face('c')])
      assert.equal((await api(h.url, 'DELETE', `/api/v1/hooks/${hook.id}/`)).status, 204)
      gate.release()
      // A new webhook proves the engine moved on: it gets the next event while the deleted one sends nothing.
      await createHook(h, { url: other.url })
      await ingest(h, face('d'))
      await other.waitForItems(1)
      await settle()
      assert.deepEqual(ids(receiver), ['a'])
      assert.equal((await h.herald.store.openByLane()).has(`webhook:${hook.id}`), false)
    } finally {
      await receiver.stop()
      await other.stop()
    }
  })
})

describe('editing a webhook', () => {
  test('editing filters applies to new events only: what was queued is still delivered', async () => {
    const { h } = env
    const { receiver, gate } = await gatedReceiver()
    try {
      const hook = await createHook(h, { url: receiver.url, filters: { face_events: { camera_in: [1] } } })
      await ingest(h, face('cam1-a', { camera: 1 }))
      await receiver.waitForRequests(1)
      await ingest(h, [face('cam1-b', { camera: 1 }), face('cam2-a', { camera: 2 })])
      await patchHook(h, hook.id, { filters: { face_events: { camera_in: [2] } } })
      await ingest(h, [face('cam1-c', { camera: 1 }), face('cam2-b', { camera: 2 })])
      gate.release()
      await receiver.waitForItems(3)
      await waitForDeliveries(h, hook.id, 'all delivered', (ds) => ds.length === 3 && ds.every((d) => d.status === 'delivered'))
      assert.deepEqual(ids(receiver), ['cam1-a', 'cam1-b', 'cam2-b'])
    } finally {
      await receiver.stop()
    }
  })

  test('raising batch_size applies to the queue as it stands', async () => {
    const { h } = env
    const { receiver, gate } = await gatedReceiver()
    try {
      const hook = await createHook(h, { url: receiver.url })
      await ingest(h, face('e1'))
      await receiver.waitForRequests(1)
      await ingest(h, [face('e2'), face('e3'), face('e4'), face('e5')])
      await patchHook(h, hook.id, { batch_size: 10 })
      gate.release()
      await receiver.waitForItems(5)
      assert.deepEqual(receiver.requests.map((r) => (r.json as Array<{ id: string }>).map((e) => e.id)), [['e1'], ['e2', 'e3', 'e4', 'e5']])
    } finally {
      await receiver.stop()
    }
  })

  test('fixing a wrong url delivers what queued up for it at once, in order', async () => {
    const { h, clock } = env
    const wrong = await Receiver.start()
    await wrong.stop()
    const right = await Receiver.start()
    try {
      const hook = await createHook(h, { url: wrong.url })
      await ingest(h, [face('a'), face('b')])
      await waitFor('the retry to be scheduled', () => clock.pendingTimers() > 0)
      await patchHook(h, hook.id, { url: right.url })
      // No clock advance: the retry scheduled for the wrong URL is not waited for.
      await right.waitForItems(2)
      assert.deepEqual(ids(right), ['a', 'b'])
    } finally {
      await right.stop()
    }
  })
})

describe('batch_size raised while a batch of one is on the way', () => {
  test('after a restart the event comes again alone under its webhook-id, not inside a bigger batch under another', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'herald-batch-grows-'))
    const receiver = await Receiver.start()
    receiver.respond = () => { /* the first request hangs until Herald stops */ }
    let h = await startHerald({}, { dataDir, drainTimeoutMs: 50 })
    try {
      const hook = await createHook(h, { url: receiver.url, batch_size: 1 })
      await ingest(h, [face('a'), face('b'), face('c')])
      await receiver.waitForRequests(1)
      await patchHook(h, hook.id, { batch_size: 5 })
      await h.herald.close()
      receiver.respond = (_req, res) => { res.statusCode = 200; res.end() }
      h = await startHerald({}, { dataDir })
      await receiver.waitForItems(4)
      const sent = receiver.requests.map((r) => [r.headers['webhook-id'], (r.json as Array<{ id: string }>).map((e) => e.id)])
      assert.deepEqual(sent.map(([, members]) => members), [['a'], ['a'], ['b', 'c']])
      assert.equal(sent[1]?.[0], sent[0]?.[0], 'the repeat of [a] has the webhook-id of the first try: a receiver de-duplicating by it sees a repeat')
    } finally {
      await h.close()
      await receiver.stop()
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
