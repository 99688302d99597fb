import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { renderTargetMessage } from '../../../src/channels/targets/target-message.js'
import { alarmOf } from './support.js'

describe('the words every push target sends (FCM\'s, spec §10.2)', () => {
  it('with keep_frame_match_type off the hook\'s [a] prefix is dropped, as FCM drops it; on, it stays', () => {
    const start = alarmOf({ alarm: { cause: '[a] detected:person:97% Motion All' } })
    assert.equal(renderTargetMessage(start, undefined, false).body, 'detected:person:97% Motion All')
    assert.equal(renderTargetMessage(start, undefined, true).body, '[a] detected:person:97% Motion All')
    const end = alarmOf({ phase: 'end', alarm: { cause: '[s] detected:car' } })
    assert.deepEqual([renderTargetMessage(end, undefined, false).title, renderTargetMessage(end, undefined, false).body], ['Ended: Front Door Alarm (1234)', 'detected:car ended'])
  })

  it('a cause that is only the prefix reads "Alarm", not an empty body', () => {
    assert.equal(renderTargetMessage(alarmOf({ alarm: { cause: '[a] ' } }), undefined, false).body, 'Alarm')
  })
})
