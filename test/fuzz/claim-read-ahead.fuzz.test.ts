import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { IncomingEvent } from '../../src/events/event.js'
import type { ClaimResult, Route } from '../../src/store/store.js'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { mulberry32 } from '../helpers/prng.js'

/*
 * Claim's read-ahead must be invisible: a store that keeps queued deliveries in memory and one
 * that reads every batch from the table (readAheadItems: 0), given the same random sequence of
 * ingests, claims (batch sizes, windows), outcomes, restarts, drops and resends, must hand out
 * the same batches under the same ids, and end with the same rows.
 */

const LANES = ['webhook:1', 'webhook:2'] as const
const DOWN = { statusCode: 503, error: 'HTTP 503', latencyMs: 1 }
const OK = { statusCode: 200, error: null, latencyMs: 1 }

function event (n: number, car: boolean): IncomingEvent {
  const type = car ? 'car_event' : 'face_event'
  return { type, id: String(n), key: `${type}:${n}`, transition: null, data: { id: String(n) }, json: `{"id":"${n}"}` }
}

function routesOf (e: IncomingEvent, both: boolean): Route[] {
  const group = e.type === 'car_event' ? 'car_events' : 'face_events'
  return (both ? LANES : LANES.slice(0, 1)).map((lane) => ({ channel: 'webhook', target: lane.slice(8), lane, group }))
}

/** What a claim handed out, comparable across the two stores. */
function shape (c: ClaimResult): unknown {
  if (c.kind !== 'batch') return c
  const b = c.batch
  return { messageId: b.messageId, attempt: b.attempt, group: b.group, lane: b.lane, items: b.items.map((i) => [i.deliveryId, i.event.id, i.event.json]) }
}

async function run (seed: number, steps: number, readAheadItems: number): Promise<void> {
  const random = mulberry32(seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T
  const fast = new SqliteStore({ file: ':memory:', readAheadItems })
  const plain = new SqliteStore({ file: ':memory:', readAheadItems: 0 })
  const stores = [fast, plain]
  let now = 1_000
  let n = 0
  const flying: string[] = []
  const sent: number[] = []
  try {
    for (let step = 0; step < steps; step++) {
      now += Math.floor(random() * 50)
      const r = random()
      if (r < 0.25) {
        const events = Array.from({ length: 1 + Math.floor(random() * 30) }, () => event(n++, random() < 0.2))
        const both = random() < 0.5
        const results = await Promise.all(stores.map(async (s) => await s.ingest(events, (e) => routesOf(e, both), now)))
        assert.deepEqual(results[0], results[1])
      } else if (r < 0.65) {
        const lane = pick(LANES)
        const size = pick([1, 2, 3, 7, 50])
        const window = pick([1, 1, 3])
        const claimed = await Promise.all(stores.map(async (s) => await s.claim(lane, size, now, window)))
        assert.deepEqual(shape(claimed[0] as ClaimResult), shape(claimed[1] as ClaimResult), `seed ${seed} step ${step}: claim ${lane} ${size}/${window}`)
        const c = claimed[0] as ClaimResult
        if (c.kind === 'batch') {
          flying.push(c.batch.messageId)
          sent.push(...c.batch.items.map((i) => i.deliveryId))
        }
      } else if (r < 0.9 && flying.length > 0) {
        const id = flying.splice(Math.floor(random() * flying.length), 1)[0] as string
        const outcome = random()
        const retryAt = now + Math.floor(random() * 200)
        for (const s of stores) {
          if (outcome < 0.7) await s.markDelivered(id, OK, now)
          else if (outcome < 0.93) await s.scheduleRetry(id, retryAt, DOWN, now)
          else await s.markFailed(id, DOWN, now)
        }
      } else if (r < 0.93) {
        flying.length = 0
        for (const s of stores) await s.releaseInFlight()
      } else if (r < 0.95) {
        const lane = pick(LANES)
        assert.deepEqual(await fast.dropLane(lane), await plain.dropLane(lane))
      } else if (r < 0.98 && sent.length > 0) {
        const id = pick(sent)
        // A dropped delivery cannot be resent: both must say so.
        const again = await Promise.all(stores.map(async (s) => await s.resend(id, now).then((d) => d.id, (err: { code?: string }) => err.code)))
        assert.equal(again[0], again[1])
      } else {
        const lane = pick(LANES)
        assert.deepEqual(await fast.expedite(lane), await plain.expedite(lane))
      }
    }
    for (const lane of LANES) {
      const rows = await Promise.all(stores.map(async (s) => (await s.listDeliveries('webhook', lane.slice(8), { limit: 100_000 })).results))
      assert.deepEqual(rows[0], rows[1], `seed ${seed}: rows of ${lane}`)
    }
  } finally {
    for (const s of stores) await s.close()
  }
}

describe('claim read-ahead is invisible (random operations against a store that reads every batch from the table)', () => {
  it('with memory to spare', async () => {
    for (let seed = 1; seed <= 25; seed++) await run(seed, 400, 20_000)
  })

  it('with a memory budget smaller than the backlog', async () => {
    for (let seed = 101; seed <= 125; seed++) await run(seed, 400, 40)
  })
})
