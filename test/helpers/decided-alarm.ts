import type { HeraldEvent, JsonObject } from '../../src/events/event.js'
import { DECIDED_SUFFIX, encodeDecision, type DecisionRecord } from '../../src/decision/decided-alarm.js'

export interface DecidedAlarmFixture {
  readonly seq?: number
  readonly monitorId?: number | string
  readonly monitorName?: string
  readonly eventId?: number | string
  readonly phase?: 'start' | 'update' | 'end'
  /** Extra keys of the alarm as posted (event_path, notes…). */
  readonly alarm?: JsonObject
  readonly record?: Partial<DecisionRecord>
}

/** A decided alarm event as the decision module stores it, for channel tests. */
export function decidedAlarmEvent (f: DecidedAlarmFixture = {}): HeraldEvent {
  const phase = f.phase ?? 'start'
  const alarm: JsonObject = {
    monitor_id: f.monitorId ?? 3,
    monitor_name: f.monitorName ?? 'Front Door',
    event_id: f.eventId ?? 1234,
    phase,
    cause: 'Motion All',
    ...f.alarm
  }
  const record: DecisionRecord = {
    phase,
    cause: typeof alarm.cause === 'string' ? alarm.cause : '',
    notes: null,
    detection: [],
    hook: null,
    hookConfigured: false,
    userscript: null,
    frameType: null,
    startHookResult: null,
    rules: { allowed: true, rulesObject: {}, rule: null, reason: 'no rules for this monitor' },
    channels: {},
    alarmSeq: (f.seq ?? 1) - 1,
    decidedAt: 1_700_000_000_000,
    ...f.record
  }
  const data = encodeDecision(alarm, record)
  const id = `${String(alarm.monitor_id)}/${String(alarm.event_id)}/${phase}`
  return {
    seq: f.seq ?? 1,
    type: 'alarm',
    id,
    key: `alarm:${id}${DECIDED_SUFFIX}`,
    transition: null,
    data,
    json: JSON.stringify(data),
    receivedAt: 1_700_000_000_000
  }
}
