import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { EventType, IncomingEvent, JsonObject } from '../../src/events/event.js'
import type { ClaimedBatch, ClaimResult, EntityKind, EntityRow, NewWebhook, Route, Store } from '../../src/store/store.js'
import type { PushToken } from '../../src/registry/contract.js'

/*
 * The Store conformance suite: what every adapter (SQLite now, PostgreSQL later) must do, stated
 * in the contract's own verbs. Times are plain numbers so nothing here depends on the wall clock.
 */

const T0 = Date.parse('2026-01-01T00:00:00Z')
const OK = { statusCode: 200, error: null, latencyMs: 12.5 } as const
const DOWN = { statusCode: 503, error: 'HTTP 503', latencyMs: 4 } as const

function incoming (type: EventType, id: string | number, extra: JsonObject = {}): IncomingEvent {
  const data: JsonObject = { id, ...extra }
  return { type, id: String(id), key: `${type}:${id}`, transition: null, data, json: JSON.stringify(data) }
}

function face (id: string | number, extra: JsonObject = {}): IncomingEvent {
  return incoming('face_event', id, extra)
}

function car (id: string | number): IncomingEvent {
  return incoming('car_event', id)
}

const GROUP_OF: Readonly<Partial<Record<EventType, string>>> = { face_event: 'face_events', car_event: 'car_events' }

function webhookRoute (target: string | number, group: string): Route {
  return { channel: 'webhook', target: String(target), lane: `webhook:${target}`, group }
}

/** A router that sends every event to each of `targets`, grouped by section like webhooks are. */
function toTargets (...targets: Array<string | number>): (event: IncomingEvent) => readonly Route[] {
  return (event) => targets.map((t) => webhookRoute(t, GROUP_OF[event.type] ?? event.type))
}

function batchOf (result: ClaimResult): ClaimedBatch {
  assert.equal(result.kind, 'batch', `expected a batch, got ${JSON.stringify(result)}`)
  return (result as { batch: ClaimedBatch }).batch
}

function idsOf (batch: ClaimedBatch): string[] {
  return batch.items.map((i) => i.event.id)
}

function newHook (fields: Partial<NewWebhook> = {}): NewWebhook {
  return {
    name: 'hook',
    active: true,
    url: 'http://127.0.0.1:9/hook',
    batch_size: 1,
    send_attempts: 10,
    filters: {},
    verbose: null,
    max_in_flight: null,
    secret: null,
    previous_secret: null,
    previous_secret_until: null,
    created_by: null,
    ...fields
  }
}

function pushToken (token: string, fields: Partial<PushToken> = {}): PushToken {
  return {
    token,
    platform: 'android',
    monlist: '1,2',
    intlist: '0,60',
    pushstate: 'enabled',
    appversion: '1.6.009',
    badge: 0,
    invocations: { count: 0, at: 0 },
    profile: null,
    createdAt: T0,
    updatedAt: T0,
    ...fields
  }
}

/**
 * Runs the conformance suite against a Store adapter. `makeStore` returns a fresh, empty,
 * migrated store for each test; the suite closes it.
 */
export function storeContract (name: string, makeStore: () => Promise<Store>): void {
  const withStore = (fn: (store: Store) => Promise<void>) => async () => {
    const store = await makeStore()
    try {
      await fn(store)
    } finally {
      await store.close()
    }
  }

  describe(`${name}: the Store contract`, () => {
    describe('migrate', () => {
      it('running migrate on an up-to-date store changes nothing', withStore(async (store) => {
        await store.setSetting('k', 'v')
        await store.migrate()
        await store.migrate()
        assert.equal(await store.getSetting('k'), 'v')
      }))
    })

    describe('ingest', () => {
      it('stores each event and queues one pending delivery per route', withStore(async (store) => {
        const results = await store.ingest([face('a', { camera: 3 }), car('b')], toTargets(1, 2), T0)
        assert.equal(results.length, 2)
        const [a, b] = results
        assert.ok(a !== undefined && b !== undefined)
        assert.ok(b.seq > a.seq, 'seq follows the order of the batch')
        assert.deepEqual(a, { seq: a.seq, key: 'face_event:a', duplicate: false, routes: [webhookRoute(1, 'face_events'), webhookRoute(2, 'face_events')] })
        assert.equal(b.duplicate, false)

        const stored = await store.getEvent(a.seq)
        assert.ok(stored !== undefined)
        assert.equal(stored.seq, a.seq)
        assert.equal(stored.type, 'face_event')
        assert.equal(stored.id, 'a')
        assert.equal(stored.key, 'face_event:a')
        assert.equal(stored.transition, null)
        assert.equal(stored.json, '{"id":"a","camera":3}')
        assert.deepEqual(stored.data, { id: 'a', camera: 3 })
        assert.equal(stored.receivedAt, T0)

        assert.deepEqual(await store.openByLane(), new Map([['webhook:1', 2], ['webhook:2', 2]]))
        const page = await store.listDeliveries('webhook', '1', { limit: 10 })
        assert.deepEqual(page.results.map((d) => [d.eventType, d.eventId, d.state, d.attempts, d.messageId, d.group]), [
          ['car_event', 'b', 'pending', 0, null, 'car_events'],
          ['face_event', 'a', 'pending', 0, null, 'face_events']
        ])
        const first = page.results[1]
        assert.ok(first !== undefined)
        assert.equal(first.eventSeq, a.seq)
        assert.equal(first.createdAt, T0)
        assert.equal(first.nextAttemptAt, null)
        assert.equal(first.deliveredAt, null)
      }))

      it('keeps an episode transition', withStore(async (store) => {
        const data: JsonObject = { id: 7, events_count: 2 }
        const episode: IncomingEvent = { type: 'human_episode', id: '7', key: 'human_episode:7:episode_open:2', transition: 'episode_open', data, json: JSON.stringify(data) }
        const [r] = await store.ingest([episode], () => [], T0)
        assert.ok(r !== undefined)
        assert.equal((await store.getEvent(r.seq))?.transition, 'episode_open')
      }))

      it('stores an event no route matches and queues nothing for it', withStore(async (store) => {
        const [r] = await store.ingest([face('lonely')], () => [], T0)
        assert.ok(r !== undefined)
        assert.deepEqual(r.routes, [])
        assert.equal((await store.getEvent(r.seq))?.id, 'lonely')
        assert.equal((await store.openByLane()).size, 0)
      }))

      it('stores nothing of the batch when route throws', withStore(async (store) => {
        const route = (event: IncomingEvent): readonly Route[] => {
          if (event.id === 'bad') throw new Error('router broke')
          return [webhookRoute(1, 'face_events')]
        }
        await assert.rejects(store.ingest([face('good'), face('bad')], route, T0), /router broke/)
        assert.equal((await store.openByLane()).size, 0)
        assert.deepEqual((await store.listDeliveries('webhook', '1', { limit: 10 })).results, [])
        // 'good' was rolled back with the rest: posting it again stores it as new.
        const [again] = await store.ingest([face('good')], toTargets(1), T0)
        assert.equal(again?.duplicate, false)
        assert.equal((await store.openByLane()).get('webhook:1'), 1)
      }))

      it('reports a duplicate key with the original seq, keeps the original, and queues nothing', withStore(async (store) => {
        const [original] = await store.ingest([face('a', { v: 1 })], toTargets(1), T0)
        assert.ok(original !== undefined)
        const routed: string[] = []
        const route = (event: IncomingEvent) => { routed.push(event.id); return toTargets(1)(event) }
        const results = await store.ingest([face('a', { v: 2 }), face('b')], route, T0 + 1000)
        assert.deepEqual(results[0], { seq: original.seq, key: 'face_event:a', duplicate: true, routes: [] })
        assert.equal(results[1]?.duplicate, false)
        assert.deepEqual(routed, ['b'], 'route is only asked about new events')
        assert.equal((await store.getEvent(original.seq))?.json, '{"id":"a","v":1}')
        assert.equal((await store.openByLane()).get('webhook:1'), 2)
      }))

      it('stores a key repeated inside one batch once', withStore(async (store) => {
        const results = await store.ingest([face('a'), face('a')], toTargets(1), T0)
        assert.equal(results[0]?.duplicate, false)
        assert.equal(results[1]?.duplicate, true)
        assert.equal(results[1]?.seq, results[0]?.seq)
        assert.equal((await store.openByLane()).get('webhook:1'), 1)
      }))

      it('tells events of different types with the same id apart', withStore(async (store) => {
        const results = await store.ingest([face(1), car(1)], toTargets(1), T0)
        assert.deepEqual(results.map((r) => r.duplicate), [false, false])
      }))

      it('answers undefined for an unknown event seq', withStore(async (store) => {
        assert.equal(await store.getEvent(424242), undefined)
      }))
    })

    /*
     * Every claim test twice: on lanes never claimed, and on lanes whose queue a claim has already
     * read to its end (an adapter may then keep what ingest adds in memory instead of reading it
     * back: the SQLite store does). Both must claim the same batches under the same ids.
     */
    for (const [mode, readToEnd] of [['', false], [' (lanes read to their end before anything was queued)', true]] as const) {
      const withLanes = (fn: (store: Store) => Promise<void>) => withStore(async (store) => {
        if (readToEnd) {
          for (const lane of ['webhook:1', 'webhook:2']) assert.deepEqual(await store.claim(lane, 1, T0), { kind: 'empty' })
        }
        await fn(store)
      })

      describe(`claim${mode}`, () => {
        it('returns empty when the lane has nothing pending', withLanes(async (store) => {
          assert.deepEqual(await store.claim('webhook:1', 10, T0), { kind: 'empty' })
        }))

        it('takes the FIFO head run of a lane, up to maxItems, under one new message id', withLanes(async (store) => {
          await store.ingest(['e1', 'e2', 'e3', 'e4', 'e5'].map((id) => face(id)), toTargets(1, 2), T0)
          const batch = batchOf(await store.claim('webhook:1', 3, T0 + 10))
          assert.deepEqual(idsOf(batch), ['e1', 'e2', 'e3'])
          assert.equal(batch.attempt, 1)
          assert.equal(batch.channel, 'webhook')
          assert.equal(batch.target, '1')
          assert.equal(batch.lane, 'webhook:1')
          assert.equal(batch.group, 'face_events')
          assert.equal(typeof batch.messageId, 'string')
          assert.ok(batch.messageId.length > 0)
          const seqs = batch.items.map((i) => i.event.seq)
          assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y))
          assert.equal(batch.items[0]?.event.json, '{"id":"e1"}')
          for (const item of batch.items) {
            const d = await store.getDelivery(item.deliveryId)
            // Claim writes nothing: in flight shows as `sending` under the batch id, and attempts
            // counts finished attempts only (0 until the outcome is recorded).
            assert.equal(d?.state, 'sending')
            assert.equal(d?.attempts, 0)
            assert.equal(d?.messageId, batch.messageId)
            assert.equal(d?.lane, 'webhook:1')
          }
          const rest = await store.listDeliveries('webhook', '1', { limit: 10, state: 'pending' })
          assert.deepEqual(rest.results.map((d) => [d.eventId, d.messageId, d.attempts]), [['e5', null, 0], ['e4', null, 0]])
        }))

        it('stops a batch at the first delivery of another group', withLanes(async (store) => {
          await store.ingest([face('f1'), face('f2'), car('c1'), face('f3')], toTargets(1), T0)
          const first = batchOf(await store.claim('webhook:1', 10, T0))
          assert.deepEqual(idsOf(first), ['f1', 'f2'])
          await store.markDelivered(first.messageId, OK, T0)
          const second = batchOf(await store.claim('webhook:1', 10, T0))
          assert.deepEqual(idsOf(second), ['c1'])
          assert.equal(second.group, 'car_events')
          await store.markDelivered(second.messageId, OK, T0)
          assert.deepEqual(idsOf(batchOf(await store.claim('webhook:1', 10, T0))), ['f3'])
        }))

        it('returns empty while the head batch is in flight, even with more pending behind it', withLanes(async (store) => {
          await store.ingest([face('a'), face('b')], toTargets(1), T0)
          batchOf(await store.claim('webhook:1', 1, T0))
          assert.deepEqual(await store.claim('webhook:1', 1, T0), { kind: 'empty' })
        }))

        it('with maxInFlight, claims the next batches behind those in flight, in order, up to the window', withLanes(async (store) => {
          await store.ingest(['a', 'b', 'c', 'd', 'e'].map((id) => face(id)), toTargets(1), T0)
          const one = batchOf(await store.claim('webhook:1', 2, T0, 2))
          const two = batchOf(await store.claim('webhook:1', 2, T0, 2))
          assert.deepEqual([idsOf(one), idsOf(two)], [['a', 'b'], ['c', 'd']])
          assert.notEqual(one.messageId, two.messageId)
          assert.deepEqual(await store.claim('webhook:1', 2, T0, 2), { kind: 'empty' }, 'the window is full')
          // Answered out of order: the window has room again, and nothing is claimed twice.
          await store.markDelivered(two.messageId, OK, T0 + 1)
          await store.markDelivered(one.messageId, OK, T0 + 2)
          const three = batchOf(await store.claim('webhook:1', 2, T0 + 3, 2))
          assert.deepEqual(idsOf(three), ['e'])
          await store.markDelivered(three.messageId, OK, T0 + 4)
          assert.deepEqual(await store.claim('webhook:1', 2, T0 + 5, 2), { kind: 'empty' })
          const delivered = await store.listDeliveries('webhook', '1', { limit: 10, state: 'delivered' })
          assert.deepEqual(delivered.results.map((d) => d.eventId).sort(), ['a', 'b', 'c', 'd', 'e'])
        }))

        it('with maxInFlight, a failed batch stops the window: nothing new until it is delivered, and it goes out alone', withLanes(async (store) => {
          await store.ingest(['a', 'b', 'c', 'd', 'e'].map((id) => face(id)), toTargets(1), T0)
          const a = batchOf(await store.claim('webhook:1', 1, T0, 3))
          const b = batchOf(await store.claim('webhook:1', 1, T0, 3))
          const c = batchOf(await store.claim('webhook:1', 1, T0, 3))
          await store.scheduleRetry(a.messageId, T0 + 100, DOWN, T0 + 1)
          assert.deepEqual(await store.claim('webhook:1', 1, T0 + 200, 3), { kind: 'empty' }, 'b and c still in flight: nothing overtakes a')
          // b and c were already sent: they land (out of order, which is the price of the window).
          await store.markDelivered(c.messageId, OK, T0 + 2)
          await store.markDelivered(b.messageId, OK, T0 + 3)
          assert.deepEqual(await store.claim('webhook:1', 1, T0 + 50, 3), { kind: 'wait', until: T0 + 100 }, 'the retry of a is the head')
          const retried = batchOf(await store.claim('webhook:1', 1, T0 + 100, 3))
          assert.equal(retried.messageId, a.messageId)
          assert.equal(retried.attempt, 2)
          assert.deepEqual(await store.claim('webhook:1', 1, T0 + 100, 3), { kind: 'empty' }, 'a retry goes out alone')
          await store.markDelivered(retried.messageId, OK, T0 + 101)
          assert.deepEqual(idsOf(batchOf(await store.claim('webhook:1', 1, T0 + 102, 3))), ['d'])
          assert.deepEqual(idsOf(batchOf(await store.claim('webhook:1', 1, T0 + 102, 3))), ['e'])
        }))

        it('gives each lane its own head: one lane in flight does not hold up another', withLanes(async (store) => {
          await store.ingest([face('a')], toTargets(1, 2), T0)
          const one = batchOf(await store.claim('webhook:1', 5, T0))
          const two = batchOf(await store.claim('webhook:2', 5, T0))
          assert.notEqual(one.messageId, two.messageId)
          assert.deepEqual(idsOf(two), ['a'])
          assert.equal(two.target, '2')
        }))

        it('starts the next batch after the head is delivered, under a new message id', withLanes(async (store) => {
          await store.ingest([face('a'), face('b'), face('c')], toTargets(1), T0)
          const first = batchOf(await store.claim('webhook:1', 2, T0))
          await store.markDelivered(first.messageId, OK, T0 + 5)
          const second = batchOf(await store.claim('webhook:1', 2, T0 + 6))
          assert.deepEqual(idsOf(second), ['c'])
          assert.notEqual(second.messageId, first.messageId)
          assert.equal(second.attempt, 1)
          await store.markDelivered(second.messageId, OK, T0 + 7)
          assert.deepEqual(await store.claim('webhook:1', 2, T0 + 8), { kind: 'empty' })
        }))

        it('waits until next_attempt_at, then reclaims the same batch under the same message id', withLanes(async (store) => {
          await store.ingest([face('a'), face('b')], toTargets(1), T0)
          const first = batchOf(await store.claim('webhook:1', 5, T0))
          await store.scheduleRetry(first.messageId, T0 + 1000, DOWN, T0 + 4)
          assert.deepEqual(await store.claim('webhook:1', 5, T0 + 999), { kind: 'wait', until: T0 + 1000 })
          const again = batchOf(await store.claim('webhook:1', 5, T0 + 1000))
          assert.equal(again.messageId, first.messageId)
          assert.deepEqual(again.items.map((i) => i.deliveryId), first.items.map((i) => i.deliveryId))
          assert.equal(again.attempt, 2)
          assert.equal((await store.getDelivery(first.items[0]?.deliveryId ?? 0))?.attempts, 1, 'the second attempt is not finished yet')
        }))

        it('claims the same batch under the same id again after releaseInFlight (a restart)', withLanes(async (store) => {
          await store.ingest(['a', 'b', 'c'].map((id) => face(id)), toTargets(1), T0)
          const first = batchOf(await store.claim('webhook:1', 2, T0))
          await store.releaseInFlight()
          const again = batchOf(await store.claim('webhook:1', 2, T0 + 1))
          assert.equal(again.messageId, first.messageId)
          assert.deepEqual(again.items.map((i) => i.deliveryId), first.items.map((i) => i.deliveryId))
        }))

        it('claims a resent delivery after what was queued before the resend, and before what came later', withLanes(async (store) => {
          await store.ingest([face('a'), face('b')], toTargets(1), T0)
          const a = batchOf(await store.claim('webhook:1', 1, T0))
          await store.markDelivered(a.messageId, OK, T0 + 1)
          await store.resend(a.items[0]?.deliveryId ?? 0, T0 + 2)
          await store.ingest([face('c')], toTargets(1), T0 + 3)
          const order: string[][] = []
          for (let i = 0; i < 3; i++) {
            const batch = batchOf(await store.claim('webhook:1', 1, T0 + 4))
            order.push(idsOf(batch))
            await store.markDelivered(batch.messageId, OK, T0 + 5)
          }
          assert.deepEqual(order, [['b'], ['a'], ['c']])
          assert.deepEqual(await store.claim('webhook:1', 1, T0 + 6), { kind: 'empty' })
        }))

        it('after dropLane, claims only what was queued later', withLanes(async (store) => {
          await store.ingest([face('a'), face('b')], toTargets(1), T0)
          await store.dropLane('webhook:1')
          await store.ingest([face('c')], toTargets(1), T0 + 1)
          assert.deepEqual(idsOf(batchOf(await store.claim('webhook:1', 5, T0 + 2))), ['c'])
        }))

        it('retries a batch whole under its id when batch_size has shrunk since its first try', withLanes(async (store) => {
          await store.ingest(['a', 'b', 'c', 'd'].map((id) => face(id)), toTargets(1), T0)
          const first = batchOf(await store.claim('webhook:1', 3, T0))
          await store.scheduleRetry(first.messageId, T0 + 10, DOWN, T0 + 1)
          const again = batchOf(await store.claim('webhook:1', 1, T0 + 10))
          assert.equal(again.messageId, first.messageId)
          assert.deepEqual(idsOf(again), ['a', 'b', 'c'])
          await store.markDelivered(again.messageId, OK, T0 + 11)
          assert.deepEqual(idsOf(batchOf(await store.claim('webhook:1', 1, T0 + 12))), ['d'])
        }))

        it('does not add items queued after a batch to its retry', withLanes(async (store) => {
          await store.ingest([face('a'), face('b')], toTargets(1), T0)
          const first = batchOf(await store.claim('webhook:1', 5, T0))
          await store.scheduleRetry(first.messageId, T0 + 100, DOWN, T0)
          await store.ingest([face('c'), face('d')], toTargets(1), T0 + 50)
          const retried = batchOf(await store.claim('webhook:1', 5, T0 + 100))
          assert.equal(retried.messageId, first.messageId)
          assert.deepEqual(idsOf(retried), ['a', 'b'])
          await store.markDelivered(retried.messageId, OK, T0 + 101)
          const next = batchOf(await store.claim('webhook:1', 5, T0 + 102))
          assert.deepEqual(idsOf(next), ['c', 'd'])
          assert.notEqual(next.messageId, first.messageId)
          assert.equal(next.attempt, 1)
        }))
      })

    }

    describe('attempt outcomes', () => {
      it('markDelivered finishes the batch and records status, latency and time', withStore(async (store) => {
        await store.ingest([face('a'), face('b')], toTargets(1), T0)
        const batch = batchOf(await store.claim('webhook:1', 5, T0))
        await store.markDelivered(batch.messageId, OK, T0 + 20)
        for (const item of batch.items) {
          const d = await store.getDelivery(item.deliveryId)
          assert.ok(d !== undefined)
          assert.equal(d.state, 'delivered')
          assert.equal(d.attempts, 1)
          assert.equal(d.lastStatusCode, 200)
          assert.equal(d.lastError, null)
          assert.equal(d.latencyMs, 12.5)
          assert.equal(d.deliveredAt, T0 + 20)
          assert.equal(d.updatedAt, T0 + 20)
          assert.equal(d.nextAttemptAt, null)
          assert.equal(d.messageId, batch.messageId)
        }
        assert.equal((await store.openByLane()).size, 0)
      }))

      it('scheduleRetry returns the batch to pending with the attempt recorded', withStore(async (store) => {
        await store.ingest([face('a')], toTargets(1), T0)
        const batch = batchOf(await store.claim('webhook:1', 5, T0))
        await store.scheduleRetry(batch.messageId, T0 + 270, DOWN, T0 + 3)
        const d = await store.getDelivery(batch.items[0]?.deliveryId ?? 0)
        assert.ok(d !== undefined)
        assert.equal(d.state, 'pending')
        assert.equal(d.attempts, 1)
        assert.equal(d.nextAttemptAt, T0 + 270)
        assert.equal(d.lastStatusCode, 503)
        assert.equal(d.lastError, 'HTTP 503')
        assert.equal(d.latencyMs, 4)
        assert.equal(d.updatedAt, T0 + 3)
        assert.equal(d.deliveredAt, null)
        assert.equal((await store.openByLane()).get('webhook:1'), 1)
      }))

      it('markFailed finishes the batch as failed and the lane moves on', withStore(async (store) => {
        await store.ingest([face('a'), car('b')], toTargets(1), T0)
        const batch = batchOf(await store.claim('webhook:1', 5, T0))
        await store.markFailed(batch.messageId, { statusCode: null, error: 'connect ECONNREFUSED', latencyMs: null }, T0 + 9)
        const d = await store.getDelivery(batch.items[0]?.deliveryId ?? 0)
        assert.ok(d !== undefined)
        assert.equal(d.state, 'failed')
        assert.equal(d.lastStatusCode, null)
        assert.equal(d.lastError, 'connect ECONNREFUSED')
        assert.equal(d.latencyMs, null)
        assert.equal(d.deliveredAt, null)
        assert.equal(d.nextAttemptAt, null)
        assert.equal(d.updatedAt, T0 + 9)
        assert.deepEqual(idsOf(batchOf(await store.claim('webhook:1', 5, T0 + 10))), ['b'])
      }))

      it('ignores an outcome for a message id that is not in flight', withStore(async (store) => {
        await store.ingest([face('a')], toTargets(1), T0)
        const batch = batchOf(await store.claim('webhook:1', 5, T0))
        await store.scheduleRetry(batch.messageId, T0 + 100, DOWN, T0)
        // A late answer for the attempt that was already given up on must not finish the retry.
        await store.markDelivered(batch.messageId, OK, T0 + 1)
        await store.markFailed(batch.messageId, DOWN, T0 + 1)
        await store.markDelivered('msg_unknown', OK, T0 + 1)
        const d = await store.getDelivery(batch.items[0]?.deliveryId ?? 0)
        assert.equal(d?.state, 'pending')
        assert.equal(d?.nextAttemptAt, T0 + 100)
      }))
    })

    describe('releaseInFlight', () => {
      it('returns in-flight deliveries to pending; the same batch comes again under the same message id', withStore(async (store) => {
        await store.ingest([face('a'), face('b'), face('c')], toTargets(1, 2), T0)
        const one = batchOf(await store.claim('webhook:1', 2, T0))
        const two = batchOf(await store.claim('webhook:2', 1, T0))
        await store.markDelivered(two.messageId, OK, T0)
        const three = batchOf(await store.claim('webhook:2', 1, T0))

        assert.equal(await store.releaseInFlight(), 3)
        for (const item of [...one.items, ...three.items]) {
          const d = await store.getDelivery(item.deliveryId)
          assert.equal(d?.state, 'pending')
          // The interrupted attempt never finished, so it is not counted.
          assert.equal(d?.attempts, 0)
        }
        assert.equal((await store.getDelivery(two.items[0]?.deliveryId ?? 0))?.state, 'delivered')
        assert.equal(await store.releaseInFlight(), 0)

        // The batch was written down at claim time (it could hold more than one item), so it
        // comes again as it went: the receiver sees the same webhook-id.
        const again = batchOf(await store.claim('webhook:1', 2, T0 + 1))
        assert.equal(again.messageId, one.messageId)
        assert.deepEqual(idsOf(again), ['a', 'b'])
        assert.equal(again.attempt, 1)
      }))

      it('a batch interrupted by a restart comes back with its members and id, however the queue or batch_size changed', withStore(async (store) => {
        await store.ingest([face('a')], toTargets(1), T0)
        const one = batchOf(await store.claim('webhook:1', 10, T0))
        assert.deepEqual(idsOf(one), ['a'])
        // Events arrive while it is on the way; then Herald stops before the answer.
        await store.ingest([face('b'), face('c')], toTargets(1), T0 + 1)
        await store.releaseInFlight()
        const again = batchOf(await store.claim('webhook:1', 5, T0 + 2))
        assert.deepEqual(idsOf(again), ['a'], 'not rebuilt from the grown queue')
        assert.equal(again.messageId, one.messageId, 'a receiver de-duplicating by webhook-id sees a repeat, and b and c come in a batch of their own')
        assert.equal(again.attempt, 1)
        await store.markDelivered(again.messageId, OK, T0 + 2)
        const next = batchOf(await store.claim('webhook:1', 5, T0 + 3))
        assert.deepEqual(idsOf(next), ['b', 'c'])
        assert.notEqual(next.messageId, one.messageId)
      }))

      it('a batch of one whose webhook\'s batch_size then grows (pinInFlight) comes back alone, under its id, after a restart', withStore(async (store) => {
        await store.ingest([face('a')], toTargets(1), T0)
        const one = batchOf(await store.claim('webhook:1', 1, T0))
        await store.ingest([face('b'), face('c')], toTargets(1), T0 + 1)
        // PATCH batch_size 1 → 5 while [a] is on the way; then Herald stops before the answer.
        await store.pinInFlight('webhook:1')
        await store.releaseInFlight()
        const again = batchOf(await store.claim('webhook:1', 5, T0 + 2))
        assert.deepEqual(idsOf(again), ['a'], 'not [a, b, c] under another webhook-id')
        assert.equal(again.messageId, one.messageId)
        await store.markDelivered(again.messageId, OK, T0 + 2)
        assert.deepEqual(idsOf(batchOf(await store.claim('webhook:1', 5, T0 + 3))), ['b', 'c'])
      }))
    })

    describe('a wall clock that steps back', () => {
      it('a scheduled retry keeps the delay it was given, from the earlier time: it does not wait out the step too', withStore(async (store) => {
        await store.ingest([face('a'), face('b')], toTargets(1), T0)
        const first = batchOf(await store.claim('webhook:1', 1, T0))
        await store.scheduleRetry(first.messageId, T0 + 270, DOWN, T0)
        const back = T0 - 3_600_000
        assert.deepEqual(await store.claim('webhook:1', 1, back), { kind: 'wait', until: back + 270 })
        assert.deepEqual(await store.claim('webhook:1', 1, back + 100), { kind: 'wait', until: back + 270 }, 'asked again, the same time')
        const retry = batchOf(await store.claim('webhook:1', 1, back + 270))
        assert.deepEqual([idsOf(retry), retry.messageId, retry.attempt], [['a'], first.messageId, 2])
        await store.markDelivered(retry.messageId, OK, back + 271)
        assert.deepEqual(idsOf(batchOf(await store.claim('webhook:1', 1, back + 272))), ['b'])
      }))
    })

    describe('queue housekeeping', () => {
      it('openByLane counts pending and in-flight deliveries per lane, not finished ones', withStore(async (store) => {
        await store.ingest([face('a'), face('b'), face('c'), face('d')], toTargets(1), T0)
        await store.ingest([face('e')], toTargets(2), T0)
        const done = batchOf(await store.claim('webhook:1', 1, T0))
        await store.markDelivered(done.messageId, OK, T0)
        const failed = batchOf(await store.claim('webhook:1', 1, T0))
        await store.markFailed(failed.messageId, DOWN, T0)
        batchOf(await store.claim('webhook:1', 1, T0))
        assert.deepEqual(await store.openByLane(), new Map([['webhook:1', 2], ['webhook:2', 1]]))
      }))

      it('dropLane deletes only the unfinished deliveries of that lane', withStore(async (store) => {
        await store.ingest([face('a'), face('b'), face('c'), face('d')], toTargets(1, 2), T0)
        const done = batchOf(await store.claim('webhook:1', 1, T0))
        await store.markDelivered(done.messageId, OK, T0)
        const inFlight = batchOf(await store.claim('webhook:1', 1, T0))

        assert.equal(await store.dropLane('webhook:1'), 3)
        assert.equal((await store.getDelivery(done.items[0]?.deliveryId ?? 0))?.state, 'delivered')
        assert.equal(await store.getDelivery(inFlight.items[0]?.deliveryId ?? 0), undefined)
        assert.deepEqual(await store.openByLane(), new Map([['webhook:2', 4]]))
        assert.deepEqual(await store.claim('webhook:1', 5, T0), { kind: 'empty' })
        assert.equal(await store.dropLane('webhook:1'), 0)
      }))

      it('listDeliveries pages newest first with before and filters by state', withStore(async (store) => {
        await store.ingest(['a', 'b', 'c', 'd', 'e'].map((id) => face(id)), toTargets(1), T0)
        await store.ingest([face('other')], toTargets(2), T0)
        const first = batchOf(await store.claim('webhook:1', 2, T0))
        await store.markDelivered(first.messageId, OK, T0)

        const p1 = await store.listDeliveries('webhook', '1', { limit: 2 })
        assert.deepEqual(p1.results.map((d) => d.eventId), ['e', 'd'])
        assert.equal(p1.next, p1.results[1]?.id)
        const p2 = await store.listDeliveries('webhook', '1', { limit: 2, before: p1.next ?? 0 })
        assert.deepEqual(p2.results.map((d) => d.eventId), ['c', 'b'])
        const p3 = await store.listDeliveries('webhook', '1', { limit: 2, before: p2.next ?? 0 })
        assert.deepEqual(p3.results.map((d) => d.eventId), ['a'])
        assert.equal(p3.next, null)

        const exact = await store.listDeliveries('webhook', '1', { limit: 5 })
        assert.equal(exact.results.length, 5)
        assert.equal(exact.next, null, 'no next page when the last page is exactly full')

        const delivered = await store.listDeliveries('webhook', '1', { limit: 10, state: 'delivered' })
        assert.deepEqual(delivered.results.map((d) => d.eventId), ['b', 'a'])
        const pending = await store.listDeliveries('webhook', '1', { limit: 10, state: 'pending' })
        assert.deepEqual(pending.results.map((d) => d.eventId), ['e', 'd', 'c'])
        assert.deepEqual((await store.listDeliveries('webhook', '1', { limit: 10, state: 'failed' })).results, [])
        assert.deepEqual((await store.listDeliveries('webhook', '2', { limit: 10 })).results.map((d) => d.eventId), ['other'])
        assert.deepEqual((await store.listDeliveries('mqtt', '1', { limit: 10 })).results, [])
      }))

      it('getDelivery answers undefined for an unknown id', withStore(async (store) => {
        assert.equal(await store.getDelivery(424242), undefined)
      }))
    })

    describe('resend', () => {
      it('queues the event again as a new pending delivery at the tail of its lane', withStore(async (store) => {
        await store.ingest([face('a'), face('b')], toTargets(1), T0)
        const sent = batchOf(await store.claim('webhook:1', 1, T0))
        await store.markDelivered(sent.messageId, OK, T0)
        const original = await store.getDelivery(sent.items[0]?.deliveryId ?? 0)
        assert.ok(original !== undefined)

        const copy = await store.resend(original.id, T0 + 500)
        assert.ok(copy.id > original.id)
        assert.equal(copy.state, 'pending')
        assert.equal(copy.attempts, 0)
        assert.equal(copy.messageId, null)
        assert.equal(copy.eventSeq, original.eventSeq)
        assert.equal(copy.eventId, 'a')
        assert.equal(copy.eventType, 'face_event')
        assert.equal(copy.lane, 'webhook:1')
        assert.equal(copy.group, 'face_events')
        assert.equal(copy.createdAt, T0 + 500)
        assert.equal((await store.getDelivery(original.id))?.state, 'delivered', 'the original stays as it was')

        const next = batchOf(await store.claim('webhook:1', 5, T0 + 501))
        assert.deepEqual(idsOf(next), ['b', 'a'])
        assert.deepEqual(next.items.map((i) => i.deliveryId).at(-1), copy.id)
      }))

      it('refuses an unknown delivery with HRD_ERR_NOT_FOUND', withStore(async (store) => {
        await assert.rejects(store.resend(424242, T0), { code: 'HRD_ERR_NOT_FOUND' })
      }))
    })

    describe('prune', () => {
      it('deletes finished deliveries and unreferenced events older than the cutoff, and nothing else', withStore(async (store) => {
        const old = await store.ingest([face('delivered'), face('failed'), face('pending'), face('unrouted')],
          (e) => (e.id === 'unrouted' ? [] : toTargets(1)(e)), T0)
        const ok = batchOf(await store.claim('webhook:1', 1, T0))
        await store.markDelivered(ok.messageId, OK, T0)
        const ko = batchOf(await store.claim('webhook:1', 1, T0))
        await store.markFailed(ko.messageId, DOWN, T0)
        const later = T0 + 10_000
        const fresh = await store.ingest([face('fresh-unrouted'), face('fresh-delivered')],
          (e) => (e.id === 'fresh-unrouted' ? [] : toTargets(2)(e)), later)
        const freshBatch = batchOf(await store.claim('webhook:2', 1, later))
        await store.markDelivered(freshBatch.messageId, OK, later)

        assert.deepEqual(await store.prune(T0 + 5000), { deliveries: 2, events: 3 })
        const seqOf = (id: string) => [...old, ...fresh].find((r) => r.key === `face_event:${id}`)?.seq ?? 0
        assert.equal(await store.getEvent(seqOf('delivered')), undefined)
        assert.equal(await store.getEvent(seqOf('failed')), undefined)
        assert.equal(await store.getEvent(seqOf('unrouted')), undefined)
        assert.equal((await store.getEvent(seqOf('pending')))?.id, 'pending', 'an event still queued is kept')
        assert.equal((await store.getEvent(seqOf('fresh-unrouted')))?.id, 'fresh-unrouted')
        assert.equal((await store.getEvent(seqOf('fresh-delivered')))?.id, 'fresh-delivered')
        assert.equal(await store.getDelivery(ok.items[0]?.deliveryId ?? 0), undefined)
        assert.equal((await store.getDelivery(freshBatch.items[0]?.deliveryId ?? 0))?.state, 'delivered')
        assert.deepEqual(await store.openByLane(), new Map([['webhook:1', 1]]))
        assert.deepEqual(await store.prune(T0 + 5000), { deliveries: 0, events: 0 })
      }))

      it('prunes in chunks of at most `limit` rows of each kind per call', withStore(async (store) => {
        await store.ingest([face('a'), face('b'), face('c'), face('d'), face('e')], () => [], T0)
        assert.deepEqual(await store.prune(T0 + 1, 2), { deliveries: 0, events: 2 })
        assert.deepEqual(await store.prune(T0 + 1, 2), { deliveries: 0, events: 2 })
        assert.deepEqual(await store.prune(T0 + 1, 2), { deliveries: 0, events: 1 })
        assert.deepEqual(await store.prune(T0 + 1, 2), { deliveries: 0, events: 0 })
      }))

      it('prunes in chunks what finished, and later, under the same cutoff, what has finished since', withStore(async (store) => {
        const deliver = async (ids: string[]): Promise<void> => {
          await store.ingest(ids.map((id) => face(id)), toTargets(1), T0)
          for (;;) {
            const claimed = await store.claim('webhook:1', 1, T0)
            if (claimed.kind !== 'batch') return
            await store.markDelivered(claimed.batch.messageId, OK, T0)
          }
        }
        await deliver(['a', 'b', 'c'])
        assert.deepEqual(await store.prune(T0 + 1, 2), { deliveries: 2, events: 2 })
        assert.deepEqual(await store.prune(T0 + 1, 2), { deliveries: 1, events: 1 })
        assert.deepEqual(await store.prune(T0 + 1, 2), { deliveries: 0, events: 0 })
        await deliver(['d', 'e'])
        assert.deepEqual(await store.prune(T0 + 1, 2), { deliveries: 2, events: 2 })
        assert.deepEqual(await store.prune(T0 + 1), { deliveries: 0, events: 0 })
      }))

      it('keeps an old event whose delivery finished recently', withStore(async (store) => {
        const [r] = await store.ingest([face('slow')], toTargets(1), T0)
        const batch = batchOf(await store.claim('webhook:1', 1, T0))
        await store.markDelivered(batch.messageId, OK, T0 + 60_000)
        assert.deepEqual(await store.prune(T0 + 30_000), { deliveries: 0, events: 0 })
        assert.equal((await store.getEvent(r?.seq ?? 0))?.id, 'slow')
      }))
    })

    describe('webhooks', () => {
      const filters = {
        face_events: { camera_in: [1, 2], matched: true, confidence_gte: 0.7 },
        alarms: { cause_regex: '^Motion', labels_in: ['person'] }
      }

      it('round-trips every field of a created webhook', withStore(async (store) => {
        const now = new Date(T0)
        const created = await store.createWebhook(newHook({
          name: 'full', active: false, url: 'https://example.test/in?x=1', batch_size: 100, send_attempts: 0,
          filters, verbose: true, max_in_flight: 8, secret: 'whsec_current', previous_secret: 'whsec_old', previous_secret_until: T0 + 86_400_000, created_by: 1
        }), now)
        assert.equal(typeof created.id, 'number')
        assert.deepEqual(created, {
          id: created.id, name: 'full', active: false, url: 'https://example.test/in?x=1', batch_size: 100, send_attempts: 0,
          filters, verbose: true, max_in_flight: 8, secret: 'whsec_current', previous_secret: 'whsec_old', previous_secret_until: T0 + 86_400_000,
          created_by: 1, created_date: now.toISOString(), modified_date: now.toISOString()
        })
        assert.deepEqual(await store.getWebhook(created.id), created)
      }))

      it('keeps verbose as null, true or false', withStore(async (store) => {
        for (const verbose of [null, true, false]) {
          const hook = await store.createWebhook(newHook({ verbose }), new Date(T0))
          assert.equal((await store.getWebhook(hook.id))?.verbose, verbose)
        }
      }))

      it('lists webhooks in id order', withStore(async (store) => {
        const a = await store.createWebhook(newHook({ name: 'a' }), new Date(T0))
        const b = await store.createWebhook(newHook({ name: 'b', filters: {} }), new Date(T0))
        assert.ok(b.id > a.id)
        assert.deepEqual((await store.listWebhooks()).map((h) => h.name), ['a', 'b'])
      }))

      it('updateWebhook changes only the fields given and stamps modified_date', withStore(async (store) => {
        const created = await store.createWebhook(newHook({ name: 'a', filters, verbose: true, secret: 'whsec_a', created_by: 1 }), new Date(T0))
        const later = new Date(T0 + 60_000)
        const updated = await store.updateWebhook(created.id, { name: 'b', batch_size: 5, verbose: undefined, secret: undefined }, later)
        assert.deepEqual(updated, { ...created, name: 'b', batch_size: 5, modified_date: later.toISOString() })
        assert.deepEqual(await store.getWebhook(created.id), updated)

        const cleared = await store.updateWebhook(created.id, { verbose: null, secret: null, filters: { car_events: {} } }, later)
        assert.equal(cleared?.verbose, null)
        assert.equal(cleared?.secret, null)
        assert.deepEqual(cleared?.filters, { car_events: {} })
      }))

      it('deletes a webhook, and does not give its id to the next one', withStore(async (store) => {
        await store.createWebhook(newHook({ name: 'a' }), new Date(T0))
        const b = await store.createWebhook(newHook({ name: 'b' }), new Date(T0))
        assert.equal(await store.deleteWebhook(b.id), true)
        assert.equal(await store.getWebhook(b.id), undefined)
        assert.equal(await store.deleteWebhook(b.id), false)
        const c = await store.createWebhook(newHook({ name: 'c' }), new Date(T0))
        assert.ok(c.id > b.id, 'a deleted webhook id could still name a lane or appear in logs')
      }))

      it('answers undefined when updating an unknown webhook', withStore(async (store) => {
        assert.equal(await store.updateWebhook(424242, { name: 'x' }, new Date(T0)), undefined)
        assert.equal(await store.getWebhook(424242), undefined)
      }))
    })

    describe('entities', () => {
      const create = async (store: Store, kind: EntityKind, id: number | undefined, body: JsonObject, at = T0): Promise<EntityRow> => {
        const row = await store.createEntity(kind, id, body, new Date(at))
        assert.ok(row !== undefined, `created ${kind} ${String(id)}`)
        return row
      }

      it('gives auto ids per kind, starting at 1', withStore(async (store) => {
        const c1 = await create(store, 'camera', undefined, { name: 'gate' })
        const c2 = await create(store, 'camera', undefined, { name: 'yard' })
        const card = await create(store, 'card', undefined, { name: 'John' })
        assert.deepEqual([c1.id, c2.id, card.id], [1, 2, 1])
        assert.deepEqual(c2.body, { name: 'yard', id: 2 })
        assert.equal(c2.kind, 'camera')
      }))

      it('creates an entity under a given id, then replaces it keeping created_date', withStore(async (store) => {
        const created = await create(store, 'watch_list', 40, { name: 'VIP', comment: '', meta: { level: 3 } })
        assert.deepEqual(created, {
          kind: 'watch_list', id: 40, body: { name: 'VIP', comment: '', meta: { level: 3 }, id: 40 },
          created_date: new Date(T0).toISOString(), modified_date: new Date(T0).toISOString()
        })
        const replaced = await store.updateEntity('watch_list', 40, { name: 'Staff', id: 999 }, new Date(T0 + 1000))
        assert.ok(replaced !== undefined)
        assert.deepEqual(replaced.body, { name: 'Staff', id: 40 }, 'the body id is the row id')
        assert.equal(replaced.created_date, new Date(T0).toISOString())
        assert.equal(replaced.modified_date, new Date(T0 + 1000).toISOString())
        assert.deepEqual(await store.getEntity('watch_list', 40), replaced)
        const next = await create(store, 'watch_list', undefined, { name: 'next' })
        assert.equal(next.id, 41)
      }))

      it('refuses to create an entity whose id is taken, leaving the first one', withStore(async (store) => {
        await create(store, 'camera', 7, { name: 'first' })
        assert.equal(await store.createEntity('camera', 7, { name: 'second' }, new Date(T0)), undefined)
        assert.equal((await store.getEntity('camera', 7))?.body.name, 'first')
      }))

      it('does not update an entity that does not exist (a PUT racing a DELETE cannot revive it)', withStore(async (store) => {
        assert.equal(await store.updateEntity('card', 5, { name: 'ghost' }, new Date(T0)), undefined)
        assert.equal(await store.getEntity('card', 5), undefined)
      }))

      it('never reuses the id of a deleted entity', withStore(async (store) => {
        await create(store, 'card', undefined, { name: 'a' })
        const b = await create(store, 'card', undefined, { name: 'b' })
        assert.equal(await store.deleteEntity('card', b.id), true)
        const c = await create(store, 'card', undefined, { name: 'c' })
        assert.equal(c.id, b.id + 1)
      }))

      it('lists entities of one kind in id order and deletes them', withStore(async (store) => {
        await create(store, 'camera_group', 5, { name: 'b' })
        await create(store, 'camera_group', 2, { name: 'a' })
        await create(store, 'camera', 3, { name: 'not a group' })
        assert.deepEqual((await store.listEntities('camera_group')).map((e) => [e.id, e.body.name]), [[2, 'a'], [5, 'b']])
        assert.equal(await store.deleteEntity('camera_group', 2), true)
        assert.equal(await store.deleteEntity('camera_group', 2), false)
        assert.equal(await store.getEntity('camera_group', 2), undefined)
        assert.equal((await store.getEntity('camera', 3))?.body.name, 'not a group')
        assert.deepEqual((await store.listEntities('card')), [])
      }))
    })

    describe('settings', () => {
      it('reads back what was set, undefined when never set, and overwrites', withStore(async (store) => {
        assert.equal(await store.getSetting('admin_token_hash'), undefined)
        await store.setSetting('admin_token_hash', 'one')
        await store.setSetting('other', '')
        assert.equal(await store.getSetting('admin_token_hash'), 'one')
        await store.setSetting('admin_token_hash', 'two')
        assert.equal(await store.getSetting('admin_token_hash'), 'two')
        assert.equal(await store.getSetting('other'), '')
      }))
    })

    describe('users', () => {
      it('creates a user once and refuses the same name again, keeping the first hash', withStore(async (store) => {
        assert.equal(await store.createUser({ name: 'admin', passwordHash: '$2b$10$first', createdAt: T0 }), true)
        assert.equal(await store.createUser({ name: 'admin', passwordHash: '$2b$10$second', createdAt: T0 + 1 }), false)
        assert.deepEqual(await store.getUser('admin'), { name: 'admin', passwordHash: '$2b$10$first', createdAt: T0 })
      }))

      it('lists users in name order, treats names as case-sensitive, and deletes them', withStore(async (store) => {
        for (const name of ['zoe', 'Admin', 'admin']) await store.createUser({ name, passwordHash: `h-${name}`, createdAt: T0 })
        assert.deepEqual((await store.listUsers()).map((u) => u.name), ['Admin', 'admin', 'zoe'])
        assert.equal(await store.deleteUser('admin'), true)
        assert.equal(await store.deleteUser('admin'), false)
        assert.equal(await store.getUser('admin'), undefined)
        assert.equal((await store.getUser('Admin'))?.passwordHash, 'h-Admin')
      }))
    })

    describe('push tokens', () => {
      it('round-trips every field of a token, profile and a token with colons included', withStore(async (store) => {
        const full = pushToken('dGVzdA:APA91b-x_y', {
          platform: 'ios', monlist: '', intlist: '', pushstate: 'disabled', appversion: 'unknown', badge: 7,
          invocations: { count: 8001, at: 11 }, profile: 'home', createdAt: T0 + 5, updatedAt: T0 + 9
        })
        await store.putTokens([full])
        assert.deepEqual(await store.listTokens(), [full])
      }))

      it('putTokens replaces an existing token whole and lists tokens oldest first', withStore(async (store) => {
        await store.putTokens([pushToken('b', { createdAt: T0 + 1 }), pushToken('a', { createdAt: T0 + 2 })])
        await store.putTokens([pushToken('b', { createdAt: T0 + 1, monlist: '9', invocations: { count: 3, at: 4 }, profile: 'p' })])
        const tokens = await store.listTokens()
        assert.deepEqual(tokens.map((t) => t.token), ['b', 'a'])
        assert.deepEqual(tokens[0], pushToken('b', { createdAt: T0 + 1, monlist: '9', invocations: { count: 3, at: 4 }, profile: 'p' }))
      }))

      it('putTokens is all or nothing: one bad row leaves none of the batch stored', withStore(async (store) => {
        await store.putTokens([pushToken('kept', { monlist: 'old' })])
        const bad = pushToken('bad', { pushstate: 'maybe' as PushToken['pushstate'] })
        await assert.rejects(async () => await store.putTokens([pushToken('kept', { monlist: 'new' }), pushToken('fresh'), bad]))
        assert.deepEqual((await store.listTokens()).map((t) => [t.token, t.monlist]), [['kept', 'old']])
      }))

      it('keeps throttle rows per recipient and monitor, overwriting the time', withStore(async (store) => {
        await store.putTokens([pushToken('t1'), pushToken('t2')])
        await store.putLastSent([{ recipient: 't1', monitorId: '3', at: T0 }])
        await store.putLastSent([
          { recipient: 't1', monitorId: '3', at: T0 + 60_000 },
          { recipient: 't1', monitorId: '4', at: T0 + 1 },
          { recipient: 't2', monitorId: '3', at: T0 + 2 }
        ])
        await store.putLastSent([])
        assert.deepEqual(await store.listLastSent(), [
          { recipient: 't1', monitorId: '3', at: T0 + 60_000 },
          { recipient: 't1', monitorId: '4', at: T0 + 1 },
          { recipient: 't2', monitorId: '3', at: T0 + 2 }
        ])
      }))

      it('deleting a token deletes its throttle rows and nothing else', withStore(async (store) => {
        await store.putTokens([pushToken('t1'), pushToken('t2')])
        await store.putLastSent([{ recipient: 't1', monitorId: '3', at: T0 }, { recipient: 't2', monitorId: '3', at: T0 }])
        assert.equal(await store.deleteToken('t1'), true)
        assert.equal(await store.deleteToken('t1'), false)
        assert.deepEqual((await store.listTokens()).map((t) => t.token), ['t2'])
        assert.deepEqual(await store.listLastSent(), [{ recipient: 't2', monitorId: '3', at: T0 }])
      }))
    })

    describe('escontrol state', () => {
      it('stores overrides by key, overwriting a key set again', withStore(async (store) => {
        assert.deepEqual(await store.listOverrides(), new Map())
        await store.putOverride('fcm.enable', 'no')
        await store.putOverride('picture_url', 'https://zm.example/?a=1;b=#2')
        await store.putOverride('fcm.enable', 'yes')
        assert.deepEqual(await store.listOverrides(), new Map([['fcm.enable', 'yes'], ['picture_url', 'https://zm.example/?a=1;b=#2']]))
      }))

      it('sets monitor states in one call and changes only the monitors named', withStore(async (store) => {
        await store.putMonitorStates(['1', '2', '3'], -1)
        await store.putMonitorStates(['2'], 1)
        await store.putMonitorStates([], 0)
        assert.deepEqual(await store.listMonitorStates(), new Map([['1', -1], ['2', 1], ['3', -1]]))
      }))

      it('resetControl deletes every override and sets every known monitor to 0', withStore(async (store) => {
        await store.putOverride('enable', 'no')
        await store.putMonitorStates(['1', '2'], -1)
        await store.putMonitorStates(['3'], 1)
        await store.resetControl()
        assert.deepEqual(await store.listOverrides(), new Map())
        assert.deepEqual(await store.listMonitorStates(), new Map([['1', 0], ['2', 0], ['3', 0]]))
      }))
    })
  })
}
