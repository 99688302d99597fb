import { describe, test, before, after, beforeEach } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { IncomingEvent } from '../../src/events/event.js'
import type { Decision } from '../../src/decision/alarm-decider.js'
import { ADMIN_TOKEN } from '../helpers/herald.js'
import { alarm, login, startEventHerald, waitFor, type EventHerald, type Ini, type Json } from '../channels/web/support.js'

/*
 * The decision end to end: real hook scripts (test/fixtures/decision), a real Herald with its
 * zmNinja event server, a real WebSocket client. What is checked is what a user sees: which
 * channels were told, what the alarm says, what GET /api/v1/events/{seq} records, the log line.
 */

const FIXTURES = resolve('test/fixtures/decision')
const START_HOOK = `'${join(FIXTURES, 'start-hook.sh')}'`
const END_HOOK = `'${join(FIXTURES, 'end-hook.sh')}'`
const USERSCRIPT = `'${join(FIXTURES, 'userscript.sh')}'`
const AUTH = { authorization: `Token ${ADMIN_TOKEN}` }

const work = mkdtempSync(join(tmpdir(), 'herald-decision-'))
const hookLog = join(work, 'hooks.log')
process.env.HERALD_TEST_HOOK_LOG = hookLog

/** Hook invocations so far: [kind, ...args]. */
function hookCalls (): string[][] {
  if (!existsSync(hookLog)) return []
  const parts = readFileSync(hookLog, 'utf8').split('\0')
  const calls: string[][] = []
  let current: string[] | undefined
  for (const p of parts) {
    if (p === 'start' || p === 'end' || p === 'userscript' || p === 'api') {
      current = [p]
      calls.push(current)
    } else if (current !== undefined && p !== '') {
      current.push(p)
    }
  }
  return calls
}

const HOOKS: Ini = {
  customize: { use_hooks: 'yes', send_event_end_notification: 'yes' },
  hook: {
    event_start_hook: START_HOOK,
    event_end_hook: END_HOOK,
    event_start_notify_on_hook_success: 'all',
    event_start_notify_on_hook_fail: 'none',
    event_end_notify_on_hook_success: 'web',
    event_end_notify_on_hook_fail: 'none',
    use_hook_description: 'yes'
  }
}

interface Rig {
  readonly h: EventHerald
  readonly decisions: Map<number, Decision>
  /** Ingests and waits until every new alarm is decided; returns the decisions in order. */
  decide (...events: IncomingEvent[]): Promise<Decision[]>
  /** The same with a longer bound, for the load test. */
  decideWithin (timeoutMs: number, ...events: IncomingEvent[]): Promise<Decision[]>
  view (seq: number): Promise<Json>
}

async function rig (ini: Ini): Promise<Rig> {
  const h = await startEventHerald({ ini })
  const decisions = new Map<number, Decision>()
  h.herald.onDecision((_results, d) => { decisions.set(d.record.alarmSeq, d) })
  const decideWithin = async (timeoutMs: number, ...events: IncomingEvent[]): Promise<Decision[]> => {
    const results = await h.herald.ingestor.ingest(events)
    const seqs = results.filter((r) => !r.duplicate).map((r) => r.seq)
    await waitFor('the decisions', () => seqs.every((s) => decisions.has(s)), timeoutMs)
    return seqs.map((s) => decisions.get(s) as Decision)
  }
  return {
    h,
    decisions,
    decide: async (...events) => await decideWithin(10_000, ...events),
    decideWithin,
    async view (seq) {
      const res = await h.herald.api.inject({ method: 'GET', url: `/api/v1/events/${seq}`, headers: AUTH })
      assert.equal(res.statusCode, 200, res.body)
      return res.json()
    }
  }
}

let nextEvent = 9000
const eid = (): number => ++nextEvent

after(() => { rmSync(work, { recursive: true, force: true }) })

describe('an end without an end hook (spec §10.6 step 5: the cause\'s [a] decides BESTMATCH)', () => {
  let r: Rig
  before(async () => {
    const { event_end_hook: _end, ...hook } = HOOKS.hook as Record<string, string>
    r = await rig({ ...HOOKS, hook })
  })
  after(async () => { await r.h.close() })

  test('carries its start\'s hook text, and with it the frame the start hook matched', async () => {
    const e = eid()
    const [start] = await r.decide(alarm(3, e, 'start', { cause: 'person walking' }))
    assert.equal(start?.alarm.frameType, 'alarm')
    const [end] = await r.decide(alarm(3, e, 'end', { cause: 'person walking' }))
    assert.equal(end?.record.hook, null, 'no end hook ran')
    assert.match(end?.alarm.cause ?? '', /^\[a\] detected:person/)
    assert.equal(end?.alarm.frameType, 'alarm')
  })
})

describe('start and end decisions with hooks', () => {
  let r: Rig
  before(async () => { r = await rig(HOOKS) })
  after(async () => { await r.h.close() })
  beforeEach(() => { rmSync(hookLog, { force: true }) })

  test('a successful start hook: its text prefixes the cause, its detection is the alarm\'s, every channel in the success list is told', async () => {
    const client = await login(r.h.url)
    const e = eid()
    const [d] = await r.decide(alarm(3, e, 'start', { cause: 'person walking' }))
    assert.ok(d !== undefined)
    assert.equal(d.alarm.cause, '[a] detected:person:97% person walking')
    assert.deepEqual((d.alarm.detection as Json).labels, ['person'])
    assert.equal(d.alarm.frameType, 'alarm')
    assert.equal(d.record.hook?.result, 0)
    assert.equal(d.record.channels.web?.told, true)
    assert.equal(d.record.channels.api?.told, false, 'api is off ([push] use_api_push)')
    assert.equal(d.record.channels.api?.reason, 'disabled')
    const msgs = await client.drain()
    const ev = msgs.find((m) => m.event === 'alarm')?.events[0]
    assert.equal(ev.Cause, '[a] detected:person:97% person walking')
    assert.deepEqual(ev.DetectionJson.labels, ['person'])
    assert.deepEqual(hookCalls(), [['start', String(e), '3', 'Cam 3', 'person walking']])
    client.close()

    const view = await r.view(d.record.alarmSeq)
    assert.equal(view.type, 'alarm')
    assert.equal(view.decision.hook.result, 0)
    assert.equal(view.decision.hook.text, '[a] detected:person:97% ')
    assert.equal(view.decision.rules.allowed, true)
    assert.equal(view.decision.channels.web.told, true)
    assert.equal(typeof view.decided_seq, 'number')
    const line = r.h.logs.find((l) => l.msg.startsWith(`decision: monitor 3 event ${e} start`))
    assert.ok(line, 'one log line per decision')
    assert.match(line.msg, /hook exit 0/)
    assert.match(line.msg, /web: told 1/)
    assert.match(line.msg, /fcm: not told \(no recipient|fcm: not told/)
  })

  test('a failed start hook tells nobody (fail list none), and then its end is suppressed (event_end_notify_if_start_success)', async () => {
    const client = await login(r.h.url)
    const e = eid()
    const [start] = await r.decide(alarm(4, e, 'start', { cause: 'leaves moving' }))
    assert.equal(start?.record.hook?.result, 1, 'no output and exit 1')
    assert.equal(start?.alarm.cause, 'leaves moving', 'a failed hook does not change the cause')
    assert.equal(start?.record.channels.web?.told, false)
    assert.equal(start?.record.channels.web?.reason, 'hook failed and event_start_notify_on_hook_fail lacks web')
    const [end] = await r.decide(alarm(4, e, 'end', { notes: 'leaves moving' }))
    assert.equal(end?.record.startHookResult, 1)
    assert.equal(end?.record.channels.web?.told, false)
    assert.match(end?.record.channels.web?.reason ?? '', /event_end_notify_if_start_success/)
    assert.deepEqual((await client.drain()).filter((m) => m.event === 'alarm'), [])
    client.close()
  })

  test('the end hook gets the notes with the start text put back, and the end cause carries the hook text once (quirk 9 fixed)', async () => {
    const e = eid()
    await r.decide(alarm(5, e, 'start', { cause: 'person at door' }))
    // ZoneMinder overwrote the notes: the start hook's text is no longer in them.
    const [end] = await r.decide(alarm(5, e, 'end', { notes: 'Motion: All' }))
    const endCall = hookCalls().find((c) => c[0] === 'end')
    assert.deepEqual(endCall, ['end', String(e), '5', 'Cam 5', '[a] detected:person:97% Motion: All'])
    assert.equal(end?.alarm.cause, '[a] detected:person:97% Motion: All')
    assert.equal((end?.alarm.cause.match(/detected:/g) ?? []).length, 1)
    assert.equal(end?.record.channels.web?.told, true)
  })

  test('an end without a start is decided on its own and says so', async () => {
    const e = eid()
    const [end] = await r.decide(alarm(6, e, 'end', { notes: 'Motion' }))
    assert.equal(end?.record.startHookResult, null)
    assert.ok(r.h.logs.some((l) => l.msg.includes(`event ${e} end`) && l.msg.includes('end without a start')))
  })

  test('a second start of the same alarm is not decided again; an update after the end tells nobody', async () => {
    const e = eid()
    await r.decide(alarm(7, e, 'start', { cause: 'person', id: `a-${e}` }))
    const results = await r.h.herald.ingestor.ingest([alarm(7, e, 'start', { cause: 'person', id: `b-${e}` })])
    assert.equal(results[0]?.duplicate, false, 'a different id: stored')
    await waitFor('the duplicate to be seen', () => r.h.logs.some((l) => l.msg.includes(`event ${e} start was decided already`)))
    assert.equal(hookCalls().filter((c) => c[0] === 'start').length, 1, 'the hook ran once')
    await r.decide(alarm(7, e, 'end', { notes: 'x' }))
    const [update] = await r.decide(alarm(7, e, 'update', { cause: 'more' }))
    assert.equal(update?.record.channels.webhooks?.told, false)
    assert.equal(update?.record.channels.webhooks?.reason, 'update after the end of the alarm')
  })

  test('a start that arrives after its own end tells nobody and runs no hook', async () => {
    const e = eid()
    await r.decide(alarm(13, e, 'end', { notes: 'Motion' }))
    const hooksBefore = hookCalls().filter((c) => c[0] === 'start').length
    const [start] = await r.decide(alarm(13, e, 'start', { cause: 'person' }))
    assert.equal(start?.record.channels.web?.told, false)
    assert.equal(start?.record.channels.web?.reason, 'start after the end of the alarm')
    assert.equal(hookCalls().filter((c) => c[0] === 'start').length, hooksBefore, 'the start hook did not run')
  })

  test('a source id shared by every update of an alarm: each update with new content is decided, and only a repeat of one is ignored', async () => {
    const e = eid()
    const id = `zm-${e}`
    const decided = await r.decide(
      alarm(12, e, 'start', { id, cause: 'Motion' }),
      alarm(12, e, 'update', { id, cause: 'person seen' }),
      alarm(12, e, 'update', { id, cause: 'person and car seen' })
    )
    assert.deepEqual(decided.map((d) => d?.record.phase), ['start', 'update', 'update'])
    assert.deepEqual(decided.slice(1).map((d) => d?.alarm.cause), ['person seen', 'person and car seen'])
    const repeat = await r.h.herald.ingestor.ingest([alarm(12, e, 'update', { id, cause: 'person seen' })])
    assert.equal(repeat[0]?.duplicate, true, 'the same update again is the same stored event')
  })

  test('a source id shared by the start and the end of an alarm does not make the end a duplicate', async () => {
    const e = eid()
    const [start, end] = await r.decide(
      alarm(9, e, 'start', { id: `zm-${e}`, cause: 'person' }),
      alarm(9, e, 'end', { id: `zm-${e}`, notes: 'person' })
    )
    assert.equal(start?.record.phase, 'start')
    assert.equal(end?.record.phase, 'end')
  })

  test('a hostile monitor name and cause reach the hook verbatim and run nothing', async () => {
    const marker = join(work, 'pwned')
    const name = `Front "door" $(touch ${marker}) \`touch ${marker}\`; touch ${marker}`
    const cause = `person ' ; touch ${marker} #`
    const e = eid()
    const [d] = await r.decide(alarm(8, e, 'start', { monitor_name: name, cause }))
    assert.equal(d?.record.hook?.result, 0)
    assert.deepEqual(hookCalls()[0], ['start', String(e), '8', name, cause])
    assert.equal(existsSync(marker), false)
  })
})

describe('hook options', () => {
  test('hook_skip_monitors: the hook does not run and counts as success; userscripts get result, ids, text and JSON', async () => {
    rmSync(hookLog, { force: true })
    const r = await rig({ ...HOOKS, hook: { ...HOOKS.hook, hook_skip_monitors: '11', event_start_hook_notify_userscript: USERSCRIPT } })
    try {
      const skipped = eid()
      const [a] = await r.decide(alarm(11, skipped, 'start', { cause: 'anything' }))
      assert.equal(a?.record.hook, null)
      assert.equal(a?.record.channels.web?.told, true, 'success list applies')
      const e = eid()
      await r.decide(alarm(12, e, 'start', { cause: 'person' }))
      const calls = hookCalls()
      assert.deepEqual(calls.map((c) => c[0]), ['start', 'userscript'])
      const json = calls[1]?.[6] ?? ''
      assert.deepEqual(calls[1]?.slice(0, 6), ['userscript', '0', String(e), '12', 'Cam 12', '[a] detected:person:97% '])
      assert.deepEqual(JSON.parse(json).labels, ['person'], 'the JSON argument keeps its quotes')
    } finally {
      await r.h.close()
    }
  })

  test('hook_timeout: a hanging hook and its child are killed, the decision is a failure and says so; other alarms are not held up', async () => {
    const r = await rig({ ...HOOKS, hook: { ...HOOKS.hook, hook_timeout: '1', event_start_notify_on_hook_fail: 'web' } })
    try {
      const started = Date.now()
      let quickAt = 0
      r.h.herald.onDecision((_results, decision) => { if (decision.alarm.monitorId === '14') quickAt = Date.now() })
      const [d] = await r.decide(alarm(13, eid(), 'start', { cause: 'hang' }), alarm(14, eid(), 'start', { cause: 'person' }))
      const hungFor = Date.now() - started
      assert.ok(hungFor < 8000)
      assert.ok(quickAt > 0 && quickAt - started < hungFor / 2, `the other alarm was decided after ${quickAt - started} ms, not held up by the hanging hook (${hungFor} ms)`)
      assert.equal(d?.record.hook?.timedOut, true)
      assert.equal(d?.record.hook?.result, 1)
      assert.equal(d?.record.channels.web?.told, true, 'the fail list has web')
      assert.ok(r.h.logs.some((l) => /timed out after 1 s/.test(l.msg)))
      assert.equal(r.h.herald.hooks.running, 0)
    } finally {
      await r.h.close()
    }
  })

  test('200 simultaneous alarms with a slow hook: all decided, none lost, never more hooks than max_parallel_hooks', async () => {
    const r = await rig({ ...HOOKS, hook: { ...HOOKS.hook, max_parallel_hooks: '20' } })
    try {
      let peak = 0
      const sampler = setInterval(() => { peak = Math.max(peak, r.h.herald.hooks.running) }, 5)
      const events = Array.from({ length: 200 }, (_, i) => alarm(100 + (i % 10), eid(), 'start', { cause: 'slow person' }))
      const decided = await r.decideWithin(60_000, ...events)
      clearInterval(sampler)
      assert.equal(decided.length, 200)
      const failed = decided.filter((d) => d.record.hook?.result !== 0).map((d) => d.record.hook)
      assert.deepEqual(failed, [], 'every hook succeeded')
      assert.ok(peak <= 20, `peak ${peak} hooks`)
      assert.ok(peak > 1, 'hooks ran in parallel')
    } finally {
      await r.h.close()
    }
  })
})

describe('rules in the decision', () => {
  test('a mute rule stops every channel; critical_notify reaches the websocket as RulesObject', async () => {
    const rulesFile = join(work, 'es_rules.json')
    writeFileSync(rulesFile, JSON.stringify({
      notifications: {
        monitors: {
          21: { rules: [{ time_format: '%H:%M', from: '00:00', to: '23:59', cause_has: 'cat', action: 'mute' }] },
          22: { rules: [{ time_format: '%H:%M', from: '00:00', to: '23:59', action: 'critical_notify' }] }
        }
      }
    }))
    const r = await rig({ customize: { es_rules: rulesFile } })
    try {
      const client = await login(r.h.url)
      const [muted, other, critical] = await r.decide(
        alarm(21, eid(), 'start', { cause: 'A CAT in the garden' }),
        alarm(21, eid(), 'start', { cause: 'a dog' }),
        alarm(22, eid(), 'start')
      )
      assert.equal(muted?.record.rules.allowed, false)
      assert.equal(muted?.record.channels.web?.told, false)
      assert.match(muted?.record.channels.web?.reason ?? '', /^rules: /)
      assert.equal(other?.record.channels.web?.told, true)
      assert.deepEqual(critical?.alarm.rulesObject, { notification_type: 'critical' })
      await waitFor('two alarms', async () => true)
      const alarms = (await client.drain()).filter((m) => m.event === 'alarm').map((m) => m.events[0])
      assert.deepEqual(alarms.map((a) => [a.MonitorId, a.RulesObject]), [['21', {}], ['22', { notification_type: 'critical' }]])
      client.close()
    } finally {
      await r.h.close()
    }
  })
})
