import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Duplex } from 'node:stream'
import type { WebSocket } from 'ws'
import { renderAlarm, viewAlarm } from '../../../src/channels/web/alarm-payload.js'
import type { PictureSettings as PictureOptions } from '../../../src/channels/picture/picture-url.js'
import { Connection } from '../../../src/channels/web/connection.js'
import type { HeraldEvent } from '../../../src/events/event.js'
import { normalizeEvent } from '../../../src/events/normalize.js'

/* The alarm payload and the per-connection filter as plain values: no server, no sockets. */

const NO_PICTURE: PictureOptions = { include: false, url: undefined, username: undefined, password: undefined, startHook: false }

function stored (data: Record<string, unknown>): HeraldEvent {
  const r = normalizeEvent({ type: 'alarm', ...data })
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return { ...r.event, seq: 1, receivedAt: 0 }
}

describe('the alarm payload', () => {
  test('ids are strings, a missing cause is null, a missing detection is [], RulesObject is {}', () => {
    const view = viewAlarm(stored({ monitor_id: 3, event_id: 77, phase: 'start' }))
    assert.ok(view !== undefined)
    assert.deepEqual(JSON.parse(renderAlarm(view, NO_PICTURE)), {
      event: 'alarm', type: '', status: 'Success',
      events: [{ Name: 'Monitor 3', MonitorId: '3', EventId: '77', Cause: null, DetectionJson: [], RulesObject: {} }]
    })
  })

  test('the supplementary copy for a pushed phone is the same alarm with supplementary "true", a string as zmNinja compares it', () => {
    const view = viewAlarm(stored({ monitor_id: 3, event_id: 77, phase: 'end', cause: 'Motion' }))
    assert.ok(view !== undefined)
    const plain = JSON.parse(renderAlarm(view, NO_PICTURE)) as Record<string, unknown>
    const text = renderAlarm(view, NO_PICTURE, true, true)
    assert.deepEqual(Object.keys(JSON.parse(text)), ['event', 'type', 'status', 'supplementary', 'events'])
    assert.deepEqual(JSON.parse(text), { ...plain, supplementary: 'true' })
  })

  test('an end is prefixed End: once, from the cause or else the notes; rendering twice changes nothing', () => {
    const event = stored({ monitor_id: '3', event_id: '77', phase: 'end', notes: 'Motion: Yard' })
    const view = viewAlarm(event)
    assert.ok(view !== undefined)
    const first = renderAlarm(view, NO_PICTURE)
    assert.equal(JSON.parse(first).events[0].Cause, 'End:Motion: Yard')
    assert.equal(renderAlarm(view, NO_PICTURE), first)
    assert.equal(event.data.notes, 'Motion: Yard', 'the stored event is untouched')
  })

  test('Picture needs include_picture and a non-empty picture_url', () => {
    const view = viewAlarm(stored({ monitor_id: 1, event_id: 2, phase: 'start' }))
    assert.ok(view !== undefined)
    for (const picture of [
      { ...NO_PICTURE, url: 'https://x/?eid=EVENTID' },
      { ...NO_PICTURE, include: true, url: '' },
      { ...NO_PICTURE, include: true }
    ]) assert.equal(JSON.parse(renderAlarm(view, picture)).events[0].Picture, undefined)
    assert.equal(JSON.parse(renderAlarm(view, { ...NO_PICTURE, include: true, url: 'https://x/?eid=EVENTID&m=MONITORID' })).events[0].Picture, 'https://x/?eid=2&m=1')
  })

  test('anything but a well-formed alarm is not viewed', () => {
    assert.equal(viewAlarm({ ...stored({ monitor_id: 1, event_id: 2, phase: 'start' }), type: 'face_event' }), undefined)
  })
})

describe('the connection filter', () => {
  const conn = (): Connection => new Connection('c1', {} as WebSocket, {} as Duplex, 'test', 0)

  test('intervals are looked up by the monitor\'s position in monlist (quirk 1 fixed)', () => {
    const c = conn()
    c.setFilter('1, 2,5', '0,120,30')
    assert.equal(c.intervalFor('1'), 0)
    assert.equal(c.intervalFor('2'), 120)
    assert.equal(c.intervalFor('5'), 30)
    assert.equal(c.watches('3'), false)
    assert.equal(c.watches('5'), true)
  })

  test('a short intlist leaves the rest unthrottled; "" and "-1" watch every monitor with no interval', () => {
    const c = conn()
    c.setFilter('1,2,3', '60')
    assert.deepEqual(['1', '2', '3'].map((m) => c.intervalFor(m)), [60, 0, 0])
    for (const all of ['', '-1']) {
      c.setFilter(all, '60')
      assert.equal(c.watches('42'), true)
      assert.equal(c.intervalFor('42'), 0)
    }
  })
})
