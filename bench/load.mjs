// The load generator, shared by every phase so the bare forwarder and Herald see exactly the same
// traffic: an undici Pool with keep-alive connections to the system under test, POSTing JSON bodies.
// Every loop is bounded twice: by a count and by a deadline.
import { Pool } from 'undici'

/** A keep-alive pool to one origin; `connections` caps the sockets (= the concurrency we drive). */
export function createPool (origin, connections) {
  return new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 60_000, keepAliveMaxTimeout: 600_000 })
}

const PAD = '0000000'

/**
 * One FindFace-style face event (~520 bytes of JSON), built as a string so the generator spends
 * little CPU. `bench_t` is the send stamp (performance.now() in the bench process); it is an extra
 * field, which Herald's open schema keeps and delivers as posted.
 */
export function faceEvent (runId, seq, benchT) {
  const n = String(seq)
  const id = `${runId}-${PAD.slice(n.length)}${n}`
  const cam = (seq % 16) + 1
  return `{"type":"face_event","id":"${id}","created_date":"2026-01-15T10:20:30.123456Z","bs_type":"realtime",` +
    `"camera":${cam},"camera_group":${(cam % 4) + 1},"matched":true,"matched_card":${(seq % 500) + 1},"matched_lists":[1,3],` +
    `"confidence":0.8731,"liveness":0.991,"temperature":null,` +
    `"thumbnail":"/uploads/2026/01/15/face_event/${id}_thumbnail.jpg","fullframe":"/uploads/2026/01/15/face_event/${id}_fullframe.jpg",` +
    `"features":{"gender":{"name":"male","confidence":0.93},"age":{"name":34,"confidence":0.71},"emotions":{"name":"neutral","confidence":0.66},` +
    `"glasses":{"name":"none","confidence":0.97},"beard":{"name":"none","confidence":0.88},"medmask":{"name":"none","confidence":0.99}},` +
    `"bench_t":${benchT}}`
}

/** A request body of `size` events starting at `firstSeq`: one object when size is 1, else an array. */
export function eventBody (runId, firstSeq, size, benchT = 0) {
  if (size === 1) return faceEvent(runId, firstSeq, benchT)
  let out = '['
  for (let k = 0; k < size; k++) {
    if (k > 0) out += ','
    out += faceEvent(runId, firstSeq + k, benchT)
  }
  return out + ']'
}

async function post (pool, path, headers, body, result) {
  try {
    const res = await pool.request({ path, method: 'POST', headers, body })
    await res.body.dump()
    if (res.statusCode >= 200 && res.statusCode < 300) return true
    result.errors++
    result.firstError ??= `HTTP ${res.statusCode}`
  } catch (err) {
    result.errors++
    result.firstError ??= err?.code ?? err?.message ?? String(err)
  }
  return false
}

/**
 * Closed loop: `concurrency` requests in flight until `requests` have been sent or the deadline
 * passes. `bodyFor(i)` builds the body of request i.
 */
export async function closedLoop ({ pool, path, headers, requests, concurrency, deadlineMs, bodyFor }) {
  const result = { sent: 0, acked: 0, errors: 0, firstError: undefined, firstSendAt: 0, lastAckAt: 0, timedOut: false }
  const stopAt = performance.now() + deadlineMs
  let next = 0
  result.firstSendAt = performance.now()
  const worker = async () => {
    while (next < requests) {
      if (performance.now() > stopAt) { result.timedOut = true; return }
      const i = next++
      result.sent++
      if (await post(pool, path, headers, bodyFor(i), result)) result.acked++
      result.lastAckAt = performance.now()
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return result
}

/**
 * Open loop: request i is due at start + i / rate, whatever happened to earlier ones (no
 * coordinated omission). A 1 ms timer fires every request that is due; `lagMax` says how late the
 * generator itself was, so a slow driver cannot hide. `ackTimes` are POST-to-response times. The
 * body is built, and stamped, just before its POST. Ends after `durationMs` of sending, then waits
 * up to `drainMs` for the last answers.
 */
export async function openLoop ({ pool, path, headers, rate, durationMs, drainMs = 5000, bodyFor }) {
  const total = Math.round(rate * durationMs / 1000)
  const result = { sent: 0, acked: 0, errors: 0, firstError: undefined, lagMax: 0, lags: [], ackTimes: [], timedOut: false }
  const inFlight = new Set()
  const start = performance.now()
  let i = 0
  await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now()
      const due = Math.min(total, Math.floor((now - start) * rate / 1000) + 1)
      while (i < due) {
        const scheduled = start + (i * 1000) / rate
        const sendAt = performance.now()
        const lag = sendAt - scheduled
        result.lags.push(lag)
        if (lag > result.lagMax) result.lagMax = lag
        const p = post(pool, path, headers, bodyFor(i, sendAt), result).then((ok) => {
          if (ok) { result.acked++; result.ackTimes.push(performance.now() - sendAt) }
          inFlight.delete(p)
        })
        inFlight.add(p)
        result.sent++
        i++
      }
      if (i >= total || now - start > durationMs + 2000) { resolve(); return }
      setTimeout(tick, 1)
    }
    tick()
  })
  const drained = Promise.all([...inFlight])
  const timeout = new Promise((resolve) => setTimeout(() => resolve('timeout'), drainMs).unref())
  if (await Promise.race([drained, timeout]) === 'timeout') result.timedOut = true
  return result
}
