import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { api, startHerald, type TestHerald } from '../helpers/herald.js'

/* `GET /api/v1/events/{seq}`: what a user reads back after an ingest, and what bad input gets. */
describe('GET /api/v1/events/{seq}', () => {
  let h: TestHerald
  before(async () => { h = await startHerald() })
  after(async () => { await h.close() })

  test('shows an event as stored, by the seq of the ingest answer', async () => {
    const posted = await api(h.url, 'POST', '/api/v1/events', { type: 'face_event', id: 'ev-1', camera: 3, matched: true })
    const seq = posted.body.events[0].seq
    const res = await api(h.url, 'GET', `/api/v1/events/${seq}`)
    assert.equal(res.status, 200)
    assert.equal(res.body.type, 'face_event')
    assert.equal(res.body.id, 'ev-1')
    assert.deepEqual(res.body.data, { id: 'ev-1', camera: 3, matched: true })
    assert.equal(res.body.decision, undefined, 'only alarms are decided')
  })

  test('shows the decision of an alarm once it is made', async () => {
    const posted = await api(h.url, 'POST', '/api/v1/events', { type: 'alarm', monitor_id: 2, event_id: 77, phase: 'start', cause: 'Motion' })
    const seq = posted.body.events[0].seq
    let view
    const deadline = Date.now() + 5000
    do {
      view = await api(h.url, 'GET', `/api/v1/events/${seq}`)
      if (view.body.decision !== null) break
      await new Promise((resolve) => setTimeout(resolve, 10))
    } while (Date.now() < deadline)
    assert.equal(view.body.decision.phase, 'start')
    assert.equal(view.body.decision.rules.allowed, true)
    assert.equal(view.body.decision.hook, null)
    assert.equal(typeof view.body.decided_seq, 'number')
    const decided = await api(h.url, 'GET', `/api/v1/events/${String(view.body.decided_seq)}`)
    assert.equal(decided.body.data.cause, 'Motion')
    assert.deepEqual(decided.body.decision, view.body.decision)
  })

  test('answers 400 naming seq for anything but a number, 404 for an unknown one', async () => {
    for (const bad of ['abc', '-1', '1.5', '9'.repeat(40), '%00', '1%20OR%201=1']) {
      const res = await api(h.url, 'GET', `/api/v1/events/${bad}`)
      assert.equal(res.status, 400, bad)
      assert.equal(res.body.fields[0].field, 'seq', bad)
    }
    const missing = await api(h.url, 'GET', '/api/v1/events/999999')
    assert.equal(missing.status, 404)
    assert.equal(missing.body.code, 'HRD_ERR_NOT_FOUND')
  })
})
