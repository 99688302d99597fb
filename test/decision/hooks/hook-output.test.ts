import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import {
  frameTypeOf,
  parseHookOutput,
  stripFrameMatchType
} from '../../../src/decision/hooks/hook-output.js'
import { shellArgv } from '../../../src/decision/hooks/hook-process.js'

const ZM_DETECT_JSON = '{"labels":["person"],"boxes":[[10,20,110,220]],"frame_id":"alarm","confidences":[0.97],"image_dimensions":{"original":[1080,1920]}}'

describe('parseHookOutput reads hook output like zmES parseDetectResults', () => {
  test('zm_detect output splits into text and parsed detection JSON', () => {
    const out = parseHookOutput(`[a] detected:person:97% --SPLIT--${ZM_DETECT_JSON}\n`)
    assert.equal(out.text, '[a] detected:person:97% ')
    assert.deepEqual(out.detection, JSON.parse(ZM_DETECT_JSON))
    assert.equal(out.detectionJson, ZM_DETECT_JSON)
    assert.equal(out.frameType, 'alarm')
    assert.equal(out.problem, null)
  })

  test('only one trailing newline is stripped', () => {
    assert.equal(parseHookOutput('detected:car\n\n').text, 'detected:car\n')
    assert.equal(parseHookOutput('detected:car').text, 'detected:car')
  })

  test('without --SPLIT-- the whole output is text and the detection is []', () => {
    const out = parseHookOutput('detected:person\n')
    assert.equal(out.text, 'detected:person')
    assert.deepEqual(out.detection, [])
    assert.equal(out.detectionJson, '[]')
    assert.equal(out.problem, null)
  })

  test('an empty or "0" JSON part reads as [] (Perl truthiness)', () => {
    assert.deepEqual(parseHookOutput('x--SPLIT--').detection, [])
    assert.equal(parseHookOutput('x--SPLIT--0').detectionJson, '[]')
    assert.equal(parseHookOutput('x--SPLIT--0').problem, null)
  })

  test('anything after a second --SPLIT-- is ignored, as in zmES', () => {
    const out = parseHookOutput('t--SPLIT--{"labels":["a"]}--SPLIT--{"labels":["b"]}')
    assert.equal(out.text, 't')
    assert.deepEqual(out.detection, { labels: ['a'] })
  })

  test('an array (the v7 fake hook shape) is kept as parsed JSON', () => {
    const out = parseHookOutput('[s] detected:car--SPLIT--[{"type":"object","label":"car","box":[1,2,3,4],"confidence":0.8}]')
    assert.deepEqual(out.detection, [{ type: 'object', label: 'car', box: [1, 2, 3, 4], confidence: 0.8 }])
    assert.equal(out.frameType, 'snapshot')
  })

  test('broken JSON is a problem and no detection, never an exception', () => {
    const out = parseHookOutput('[a] detected:person--SPLIT--{"labels": [person oops')
    assert.equal(out.text, '[a] detected:person')
    assert.deepEqual(out.detection, [])
    assert.equal(out.detectionJson, '[]')
    assert.match(out.problem ?? '', /does not parse/)
  })

  test('a JSON scalar is rejected: detection is an object or an array', () => {
    assert.match(parseHookOutput('t--SPLIT--"person"').problem ?? '', /not an object or array/)
    assert.match(parseHookOutput('t--SPLIT--null').problem ?? '', /not an object or array/)
  })

  test('detection JSON over the size limit is rejected', () => {
    const big = JSON.stringify({ labels: ['x'.repeat(2000)] })
    const out = parseHookOutput(`t--SPLIT--${big}`, 1000)
    assert.deepEqual(out.detection, [])
    assert.match(out.problem ?? '', /too large \(\d+ bytes, limit 1000\)/)
  })

  test('detection JSON nested deeper than 32 levels is rejected', () => {
    const deep = '['.repeat(40) + ']'.repeat(40)
    const out = parseHookOutput(`t--SPLIT--${deep}`)
    assert.deepEqual(out.detection, [])
    assert.match(out.problem ?? '', /deeper than 32 levels/)
    const veryDeep = '['.repeat(60_000) + ']'.repeat(60_000)
    assert.match(parseHookOutput(`t--SPLIT--${veryDeep}`).problem ?? '', /too large|deeper/)
  })

  test('empty output gives empty text', () => {
    const out = parseHookOutput('')
    assert.equal(out.text, '')
    assert.equal(out.frameType, null)
  })
})

describe('frame match type', () => {
  test('[a], [s] and [x] prefixes name the alarm, snapshot and other frames', () => {
    assert.equal(frameTypeOf('[a] detected:person'), 'alarm')
    assert.equal(frameTypeOf('[s] detected:person'), 'snapshot')
    assert.equal(frameTypeOf('[x] detected:person'), 'other')
    assert.equal(frameTypeOf('detected:person'), null)
    assert.equal(frameTypeOf('[b] detected:person'), null)
    assert.equal(frameTypeOf(' [a] detected:person'), null)
  })

  test('like zmES only the first three characters count', () => {
    assert.equal(frameTypeOf('[a]detected:person'), 'alarm')
  })

  test('stripFrameMatchType removes the 4-character prefix and nothing else', () => {
    assert.equal(stripFrameMatchType('[a] detected:person:97% '), 'detected:person:97% ')
    assert.equal(stripFrameMatchType('detected:person'), 'detected:person')
  })
})

describe('shellArgv', () => {
  test('appends "$@" to the command and passes the values as positional parameters', () => {
    assert.deepEqual(shellArgv("FOO=bar '/opt/hook.sh'", ['1', 'a b']), ['-c', 'FOO=bar \'/opt/hook.sh\' "$@"', 'herald-hook', '1', 'a b'])
  })

  test('trailing whitespace and newlines of the command are dropped', () => {
    assert.deepEqual(shellArgv('/opt/hook.sh \n', []), ['-c', '/opt/hook.sh "$@"', 'herald-hook'])
  })
})
