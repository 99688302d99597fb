import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { runHook } from '../../../src/decision/hooks/hook-run.js'
import {
  endHookInvocation,
  startHookInvocation,
  userScriptInvocation,
  type HookEventContext
} from '../../../src/decision/hooks/hook-invocation.js'
import { captureLogs, fixture, WARN } from './support.js'

const EVENT: HookEventContext = { eventId: 33989, monitorId: 2, monitorName: 'Front door', eventPath: '/var/cache/zoneminder/events/2/2019-10-06/33989' }
const FAST = { timeoutMs: 300, killGraceMs: 100 }

describe('invocations carry zmES\'s arguments', () => {
  test('start hook: eid, mid, monitor name, cause', () => {
    const inv = startHookInvocation('/usr/bin/zm_event_start.sh', EVENT, 'Motion: All')
    assert.deepEqual(inv.args, ['33989', '2', 'Front door', 'Motion: All'])
    assert.equal(inv.kind, 'start')
    assert.equal(inv.eventId, '33989')
    assert.equal(inv.monitorId, '2')
  })

  test('hook_pass_image_path appends the event directory when it is known', () => {
    assert.deepEqual(
      startHookInvocation('h', EVENT, 'Motion', { passImagePath: true }).args,
      ['33989', '2', 'Front door', 'Motion', '/var/cache/zoneminder/events/2/2019-10-06/33989']
    )
    assert.equal(startHookInvocation('h', { ...EVENT, eventPath: null }, 'Motion', { passImagePath: true }).args.length, 4)
  })

  test('end hook: eid, mid, monitor name, notes', () => {
    assert.deepEqual(endHookInvocation('h', EVENT, '[a] detected:person Motion: All').args, ['33989', '2', 'Front door', '[a] detected:person Motion: All'])
  })

  test('userscript: hook result, eid, mid, name, hook text, hook JSON with its inner quotes, event dir', async () => {
    const { logger } = captureLogs()
    const hook = await runHook(startHookInvocation(fixture('detect-person.sh'), EVENT, 'Motion'), { logger, ...FAST })
    const inv = userScriptInvocation(fixture('echo-args.sh'), 'start', hook, EVENT, { passImagePath: true })
    assert.equal(inv.kind, 'start-userscript')
    const user = await runHook(inv, { logger, ...FAST })
    assert.equal(user.result, 0)
    const [count, ...received] = user.text.split('\0').slice(0, -1)
    assert.equal(count, '7')
    assert.deepEqual(received, [
      '0', '33989', '2', 'Front door', '[a] detected:person:97% ',
      hook.detectionJson, '/var/cache/zoneminder/events/2/2019-10-06/33989'
    ])
    assert.match(received[5] ?? '', /^\{"labels":\["person"\],/)
  })
})

describe('results follow zmES semantics', () => {
  test('exit 0 with text is success, with text, parsed detection and frame type', async () => {
    const { logger } = captureLogs()
    const run = await runHook(startHookInvocation(fixture('detect-person.sh'), EVENT, 'Motion'), { logger, ...FAST })
    assert.equal(run.result, 0)
    assert.equal(run.exitCode, 0)
    assert.equal(run.text, '[a] detected:person:97% ')
    assert.equal(run.frameType, 'alarm')
    assert.deepEqual(run.detection, {
      labels: ['person'],
      boxes: [[10, 20, 110, 220]],
      frame_id: 'alarm',
      confidences: [0.97],
      image_dimensions: { original: [1080, 1920], resized: [450, 800] }
    })
    assert.equal(run.timedOut, false)
    assert.equal(run.skipped, null)
    assert.equal(run.error, null)
    assert.equal(run.truncated, false)
    assert.equal(run.command, fixture('detect-person.sh'))
    assert.deepEqual(run.args, ['33989', '2', 'Front door', 'Motion'])
    assert.ok(run.pid !== null && run.durationMs >= 0)
  })

  test('the v7 array shape is kept as parsed JSON', async () => {
    const { logger } = captureLogs()
    const run = await runHook(startHookInvocation(fixture('detect-array.sh'), EVENT, 'Motion'), { logger, ...FAST })
    assert.equal(run.result, 0)
    assert.equal(run.frameType, 'snapshot')
    assert.deepEqual(run.detection, [{ type: 'object', label: 'car', box: [1, 2, 3, 4], confidence: 0.81 }])
  })

  test('the exit status is the result even when the hook printed a detection', async () => {
    const { logger } = captureLogs()
    const run = await runHook(startHookInvocation(fixture('text-exit-1.sh'), EVENT, 'Motion'), { logger, ...FAST })
    assert.equal(run.result, 1)
    assert.equal(run.exitCode, 1)
    assert.equal(run.frameType, 'other')
  })

  test('no output and exit 1 (nothing detected) is a failure', async () => {
    const { logger } = captureLogs()
    const run = await runHook(startHookInvocation(fixture('no-detection.sh'), EVENT, 'Motion'), { logger, ...FAST })
    assert.equal(run.result, 1)
    assert.equal(run.text, '')
  })

  test('exit 0 with empty output is a failure', async () => {
    const { logger } = captureLogs()
    const run = await runHook(endHookInvocation(fixture('empty-output.sh'), EVENT, 'notes'), { logger, ...FAST })
    assert.equal(run.exitCode, 0)
    assert.equal(run.result, 1)
  })

  test('exit 0 with text "0" is a failure too (Perl truthiness)', async () => {
    const { logger } = captureLogs()
    const run = await runHook(startHookInvocation('echo 0 #', EVENT, 'Motion'), { logger, ...FAST })
    assert.equal(run.text, '0')
    assert.equal(run.result, 1)
  })

  test('garbage after --SPLIT-- is no detection and a warning, not a crash; stderr is logged at warn', async () => {
    const { logger, lines } = captureLogs()
    const run = await runHook(startHookInvocation(fixture('garbage-json.sh'), EVENT, 'Motion'), { logger, ...FAST })
    assert.equal(run.result, 0)
    assert.equal(run.text, '[a] detected:person:90% ')
    assert.deepEqual(run.detection, [])
    assert.equal(run.detectionJson, '[]')
    assert.match(run.error ?? '', /does not parse/)
    assert.equal(run.stderr, 'warning: model fell back to CPU\n')
    const warns = lines.filter((l) => l.level === WARN)
    assert.ok(warns.some((l) => /^start hook for event 33989 of monitor 2: detection JSON does not parse/.test(l.msg)))
    const stderrLine = warns.find((l) => l.msg === 'start hook for event 33989 of monitor 2 wrote to stderr')
    assert.equal(stderrLine?.stderr, 'warning: model fell back to CPU')
  })

  test('a timed-out hook is a failure and the log says it was killed', async () => {
    const { logger, lines } = captureLogs()
    const inv = startHookInvocation(`'${fixture('sleep-forever.sh')}' /dev/null`, EVENT, 'Motion')
    const run = await runHook(inv, { logger, ...FAST })
    assert.equal(run.timedOut, true)
    assert.equal(run.result, 1)
    assert.equal(run.signal, 'SIGTERM')
    assert.ok(lines.some((l) => l.level === WARN && l.msg === 'start hook for event 33989 of monitor 2 timed out after 0.3 s, killed'))
  })

  test('a hook killed by a signal it did not get from Herald is a failure', async () => {
    const { logger, lines } = captureLogs()
    const run = await runHook(startHookInvocation('echo "[a] detected:person"; kill -9 $$; :', EVENT, 'Motion'), { logger, ...FAST })
    assert.equal(run.signal, 'SIGKILL')
    assert.equal(run.result, 1)
    assert.ok(lines.some((l) => l.level === WARN && /was killed by SIGKILL/.test(l.msg)))
  })

  test('a hook that cannot be started is a logged failure, never an exception', async () => {
    const { logger, lines } = captureLogs()
    const run = await runHook(startHookInvocation(fixture('quick.sh'), { ...EVENT, monitorName: 'bad\0name' }, 'Motion'), { logger, ...FAST })
    assert.equal(run.result, 1)
    assert.equal(run.pid, null)
    assert.ok(run.error !== null)
    assert.ok(lines.some((l) => l.level === WARN && /could not be started/.test(l.msg)))
  })

  test('an argument longer than Linux allows (E2BIG) is a logged failure that says why', async () => {
    const { logger, lines } = captureLogs()
    const run = await runHook(startHookInvocation(fixture('quick.sh'), EVENT, 'x'.repeat(200 * 1024)), { logger, ...FAST })
    assert.equal(run.result, 1)
    assert.match(run.error ?? '', /E2BIG/)
    assert.ok(lines.some((l) => l.level === WARN && /could not be started: .*E2BIG.*128 KiB on Linux/.test(l.msg)))
  })

  test('an oversized JSON part is rejected and the run is marked truncated when stdout hit its cap', async () => {
    const { logger } = captureLogs()
    const run = await runHook(startHookInvocation(fixture('detect-person.sh'), EVENT, 'Motion'), { logger, ...FAST, maxDetectionBytes: 10 })
    assert.deepEqual(run.detection, [])
    assert.match(run.error ?? '', /too large/)
    const big = await runHook(startHookInvocation(fixture('big-output.sh'), EVENT, 'Motion'), { logger, timeoutMs: 5000, killGraceMs: 100 })
    assert.equal(big.truncated, true)
    assert.equal(big.text.length, 1024 * 1024)
  })

  test('userscript output is not parsed and empty output is not a failure', async () => {
    const { logger } = captureLogs()
    const hook = await runHook(startHookInvocation(fixture('no-detection.sh'), EVENT, 'Motion'), { logger, ...FAST })
    const user = await runHook(userScriptInvocation(fixture('empty-output.sh'), 'end', hook, EVENT), { logger, ...FAST })
    assert.equal(user.kind, 'end-userscript')
    assert.equal(user.args[0], '1')
    assert.equal(user.result, 0)
  })
})
