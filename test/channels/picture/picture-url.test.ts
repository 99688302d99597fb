import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { displayCause, maskPassword, pictureUrl, type PictureAlarm, type PictureSettings } from '../../../src/channels/picture/picture-url.js'

/* The picture link of spec §10.6, rule by rule, and what log lines show of it. */

const ALARM: PictureAlarm = { eventId: '1234', monitorId: '3', hookResult: 0, frameType: null }
const ON: PictureSettings = { include: true, url: undefined, username: undefined, password: undefined, startHook: true }

function url (template: string, alarm: Partial<PictureAlarm> = {}, settings: Partial<PictureSettings> = {}): string | undefined {
  return pictureUrl({ ...ALARM, ...alarm }, { ...ON, url: template, ...settings })
}

describe('pictureUrl', () => {
  test('no link without include_picture, or with picture_url unset or empty', () => {
    assert.equal(url('https://p/?eid=EVENTID', {}, { include: false }), undefined)
    assert.equal(pictureUrl(ALARM, ON), undefined)
    assert.equal(url(''), undefined)
  })

  const table: Array<[string, string, Partial<PictureAlarm>, string, Partial<PictureSettings>?]> = [
    ['1: EVENTID is replaced, every time it occurs', 'https://p/?eid=EVENTID&x=EVENTID', {}, 'https://p/?eid=1234&x=1234'],
    ['1: Herald also replaces MONITORID', 'https://p/?mid=MONITORID&eid=EVENTID', {}, 'https://p/?mid=3&eid=1234'],
    ['2: hook result 1 turns objdetect into snapshot', 'https://p/?fid=objdetect&w=600', { hookResult: 1 }, 'https://p/?fid=snapshot&w=600'],
    ['2: hook result 1 turns objdetect_mp4 and objdetect_gif into snapshot', 'https://p/?fid=objdetect_mp4&b=objdetect_gif', { hookResult: 1 }, 'https://p/?fid=snapshot&b=snapshot'],
    ['2: any other result leaves objdetect', 'https://p/?fid=objdetect', { hookResult: 2 }, 'https://p/?fid=objdetect'],
    ['3: no start hook (or hooks off): objdetect_xxx becomes snapshot', 'https://p/?fid=objdetect_gif', {}, 'https://p/?fid=snapshot', { startHook: false }],
    ['3: with a start hook, objdetect_xxx stays, for the end of the event too', 'https://p/?fid=objdetect_gif', {}, 'https://p/?fid=objdetect_gif', { startHook: true }],
    ['3: no start hook: a plain objdetect stays', 'https://p/?fid=objdetect&w=1', {}, 'https://p/?fid=objdetect&w=1', { startHook: false }],
    ['3: the suffix is three characters, as zmES\'s objdetect_...', 'https://p/?fid=objdetect_webm', {}, 'https://p/?fid=snapshotm', { startHook: false }],
    ['4: BESTMATCH of an alarm-frame match becomes alarm', 'https://p/?fid=BESTMATCH', { frameType: 'alarm' }, 'https://p/?fid=alarm'],
    ['4: BESTMATCH of a snapshot match becomes snapshot', 'https://p/?fid=BESTMATCH', { frameType: 'snapshot' }, 'https://p/?fid=snapshot'],
    ['4: [x] leaves BESTMATCH as written', 'https://p/?fid=BESTMATCH', { frameType: 'other' }, 'https://p/?fid=BESTMATCH'],
    ['4: no frame type leaves BESTMATCH as written', 'https://p/?fid=BESTMATCH', { frameType: null }, 'https://p/?fid=BESTMATCH']
  ]
  for (const [rule, template, alarm, expected, settings] of table) {
    test(`§10.6 step ${rule}`, () => assert.equal(url(template, alarm, settings), expected))
  }

  test('§10.6 step 5: &username= as written, &password= URI-escaped like Perl\'s uri_escape', () => {
    assert.equal(
      url('https://p/?eid=EVENTID', {}, { username: 'zm user', password: "p&ss w!'()*~ö" }),
      "https://p/?eid=1234&username=zm user&password=p%26ss%20w%21%27%28%29%2A~%C3%B6"
    )
    assert.equal(url('https://p/?eid=EVENTID', {}, { username: '', password: '' }), 'https://p/?eid=1234')
  })

  test('a password spelling BESTMATCH or EVENTID is left alone', () => {
    assert.equal(url('https://p/?fid=BESTMATCH', { frameType: 'alarm' }, { password: 'BESTMATCH-EVENTID' }), 'https://p/?fid=alarm&password=BESTMATCH-EVENTID')
  })
})

describe('maskPassword', () => {
  test('password, pass, token and auth values become xxx; other parameters stay', () => {
    assert.equal(
      maskPassword('https://p/?eid=1&username=u&password=p%26ss&pass=x&token=abc.def&auth=0a1b&fid=alarm'),
      'https://p/?eid=1&username=u&password=xxx&pass=xxx&token=xxx&auth=xxx&fid=alarm'
    )
  })

  test('inside a JSON body the value ends at the quote', () => {
    assert.equal(maskPassword('{"image_url":"https://p/?eid=1&password=secret"}'), '{"image_url":"https://p/?eid=1&password=xxx"}')
  })

  test('parameter names that only end like a secret are kept', () => {
    assert.equal(maskPassword('https://p/?bypass=1&mytoken=2'), 'https://p/?bypass=1&mytoken=2')
  })
})

describe('displayCause', () => {
  test('keep_frame_match_type off removes the 4-character frame prefix; on keeps it', () => {
    assert.equal(displayCause('[a] detected:person:97%', false), 'detected:person:97%')
    assert.equal(displayCause('[s] detected:car', false), 'detected:car')
    assert.equal(displayCause('[x] detected:dog', false), 'detected:dog')
    assert.equal(displayCause('[a] detected:person:97%', true), '[a] detected:person:97%')
    assert.equal(displayCause('Motion All', false), 'Motion All')
    assert.equal(displayCause('[ab] not a prefix', false), '[ab] not a prefix')
  })
})
