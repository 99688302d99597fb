import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { createdDateWindows } from '../../src/api/created-date-window.js'

// Thursday 2026-12-03 10:30 UTC
const NOW = Date.parse('2026-12-03T10:30:00.000Z')

describe("FindFace's relative created_date filters", () => {
  test('last_n_days keeps the last N × 24 hours', () => {
    assert.deepEqual(createdDateWindows({ created_date_last_n_days: '2' }, NOW), [
      { key: 'created_date_last_n_days', value: '2', since: '2026-12-01T10:30:00.000Z', until: undefined }
    ])
  })

  test('nth_full_week counts back whole Monday-to-Monday weeks, 0 being this one', () => {
    assert.deepEqual(createdDateWindows({ created_date_nth_full_week: '0' }, NOW)[0], {
      key: 'created_date_nth_full_week', value: '0', since: '2026-11-30T00:00:00.000Z', until: '2026-12-07T00:00:00.000Z'
    })
    assert.deepEqual(createdDateWindows({ created_date_nth_full_week: '1' }, NOW)[0]?.since, '2026-11-23T00:00:00.000Z')
  })

  test('nth_work_week is Monday 00:00 to Saturday 00:00 of that week', () => {
    assert.deepEqual(createdDateWindows({ created_date_nth_work_week: '1' }, NOW)[0], {
      key: 'created_date_nth_work_week', value: '1', since: '2026-11-23T00:00:00.000Z', until: '2026-11-28T00:00:00.000Z'
    })
  })

  test('on a Sunday and a Monday the week is still the one that began on Monday', () => {
    const sunday = Date.parse('2026-12-06T23:59:59.000Z')
    const monday = Date.parse('2026-11-30T00:00:00.000Z')
    for (const now of [sunday, monday]) {
      assert.equal(createdDateWindows({ created_date_nth_full_week: '0' }, now)[0]?.since, '2026-11-30T00:00:00.000Z')
    }
  })

  test('several at once are all kept (the list must fall in every window); none gives none', () => {
    assert.equal(createdDateWindows({ created_date_last_n_days: '3', created_date_nth_work_week: '0' }, NOW).length, 2)
    assert.deepEqual(createdDateWindows({}, NOW), [])
  })

  /* [key, value]: what a 400 must name */
  const BAD: Array<[string, unknown]> = [
    ['created_date_last_n_days', '0'], ['created_date_last_n_days', '-1'], ['created_date_last_n_days', '1.5'],
    ['created_date_last_n_days', 'week'], ['created_date_last_n_days', '99999999'], ['created_date_nth_full_week', ''],
    ['created_date_nth_full_week', '5201'], ['created_date_nth_work_week', ['1', '2']]
  ]
  for (const [key, value] of BAD) {
    test(`${key}=${JSON.stringify(value)} is refused naming ${key}`, () => {
      assert.throws(() => createdDateWindows({ [key]: value }, NOW), (err: { fields?: Array<{ field: string }> }) => err.fields?.[0]?.field === key)
    })
  }
})
