import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { api, startHerald, type TestHerald } from '../helpers/herald.js'
import { Receiver } from '../helpers/receiver.js'

/** A loopback port nothing listens on: connections to it are refused. */
async function closedPort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** The value of one sample line of a Prometheus text exposition, or undefined. */
function sample (text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue
    const m = /^([a-z_]+)(?:\{([^}]*)\})? (\S+)$/.exec(line)
    if (m === null || m[1] !== name) continue
    const have = Object.fromEntries((m[2] ?? '').split(',').filter((s) => s !== '').map((kv) => {
      const [k, v] = kv.split('=') as [string, string]
      return [k, JSON.parse(v) as string]
    }))
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3])
  }
  return undefined
}

describe('operations', () => {
  let h: TestHerald
  let receiver: Receiver
  let okHook: number
  let deadHook: number
  before(async () => {
    receiver = await Receiver.start()
    h = await startHerald()
    okHook = (await api(h.url, 'POST', '/hooks/', { name: 'ok', url: receiver.url, filters: { face_events: {} } })).body.id
    deadHook = (await api(h.url, 'POST', '/hooks/', { name: 'dead', url: `http://127.0.0.1:${await closedPort()}/`, send_attempts: 0, filters: { counters: {} } })).body.id
    const res = await api(h.url, 'POST', '/api/v1/events', [
      { type: 'face_event', id: 'm-1' }, { type: 'face_event', id: 'm-2' }, { type: 'face_event', id: 'm-3' },
      { type: 'counter_record', id: 1 }, { type: 'counter_record', id: 2 }
    ])
    assert.equal(res.status, 202)
    await api(h.url, 'POST', '/api/v1/events', { type: 'face_event', id: 'm-1' })
    await receiver.waitForItems(3)
  })
  after(async () => {
    await h.close()
    await receiver.stop()
  })

  test('GET /healthz answers 200 with status ok and the version', async () => {
    const res = await api(h.url, 'GET', '/healthz', undefined, {})
    assert.equal(res.status, 200)
    assert.equal(res.body.status, 'ok')
    assert.match(res.body.version, /^\d+\.\d+\.\d+/)
  })

  test('GET /metrics counts ingested events, deliveries, queue depth and delivery latency', async () => {
    let text = ''
    // The delivered counter is bumped just after the receiver answers: give it a moment.
    for (let i = 0; i < 50; i++) {
      text = (await api(h.url, 'GET', '/metrics', undefined, {})).body
      if (sample(text, 'herald_deliveries_total', { target: String(okHook), outcome: 'ok' }) === 3) break
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    assert.equal(sample(text, 'herald_events_ingested_total', { type: 'face_event' }), 3)
    assert.equal(sample(text, 'herald_events_ingested_total', { type: 'counter_record' }), 2)
    assert.equal(sample(text, 'herald_events_duplicate_total', { type: 'face_event' }), 1)
    assert.equal(sample(text, 'herald_deliveries_total', { channel: 'webhook', target: String(okHook), outcome: 'ok' }), 3)
    assert.equal(sample(text, 'herald_queue_depth', { channel: 'webhook', lane: `webhook:${deadHook}` }), 2)
    assert.equal(sample(text, 'herald_delivery_latency_seconds_count', { channel: 'webhook' }), 3)
    assert.match(text, /^# TYPE herald_delivery_latency_seconds histogram$/m)
  })

  test('attempts answered with an error count in the attempt histogram too; a deleted webhook leaves no queue depth behind', async () => {
    const failing = await Receiver.start()
    failing.respond = (_req, res) => { res.statusCode = 500; res.end('down') }
    try {
      const hook = (await api(h.url, 'POST', '/hooks/', { name: 'erroring', url: failing.url, send_attempts: 0, filters: { body_events: {} } })).body.id as number
      await api(h.url, 'POST', '/api/v1/events', { type: 'body_event', id: 'answered-500' })
      await failing.waitForRequests(1)
      let text = ''
      for (let i = 0; i < 50; i++) {
        text = (await api(h.url, 'GET', '/metrics', undefined, {})).body
        if ((sample(text, 'herald_delivery_attempt_seconds_count', { channel: 'webhook', outcome: 'retry' }) ?? 0) >= 1) break
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      assert.ok((sample(text, 'herald_delivery_attempt_seconds_count', { channel: 'webhook', outcome: 'retry' }) ?? 0) >= 1, 'the 500 was timed')
      assert.equal(sample(text, 'herald_queue_depth', { channel: 'webhook', lane: `webhook:${hook}` }), 1)
      assert.equal((await api(h.url, 'DELETE', `/hooks/${hook}/`)).status, 204)
      text = (await api(h.url, 'GET', '/metrics', undefined, {})).body
      assert.equal(sample(text, 'herald_queue_depth', { channel: 'webhook', lane: `webhook:${hook}` }), undefined)
    } finally {
      await failing.stop()
    }
  })

  test('GET /docs/json is an OpenAPI document listing the webhook and ingest routes', async () => {
    const res = await api(h.url, 'GET', '/docs/json', undefined, {})
    assert.equal(res.status, 200)
    assert.match(res.body.openapi, /^3\./)
    for (const path of ['/hooks/', '/api/v1/hooks/', '/api/v1/events', '/api/v1/hooks/{id}/rotate-secret', '/api/v1/cameras']) {
      assert.ok(path in res.body.paths, `${path} is missing from ${Object.keys(res.body.paths).join(', ')}`)
    }
    assert.ok(res.body.paths['/hooks/'].post !== undefined)
    assert.ok(res.body.paths['/api/v1/events'].post !== undefined)
    // Served without a token, and documented so; everything else needs one.
    assert.deepEqual(res.body.paths['/healthz'].get.security, [])
    assert.deepEqual(res.body.paths['/metrics'].get.security, [])
    assert.deepEqual(res.body.security, [{ token: [] }])
  })

  test('GET /docs serves the interactive API page', async () => {
    const res = await fetch(`${h.url}/docs/`, { redirect: 'follow' })
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /text\/html/)
    await res.text()
  })

  test('an unknown route answers 404 with a JSON code', async () => {
    const res = await api(h.url, 'GET', '/no/such/route')
    assert.equal(res.status, 404)
    assert.equal(res.body.code, 'HRD_ERR_NOT_FOUND')
  })
})
