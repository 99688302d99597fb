import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { StoreControlState } from '../../src/registry/control-state.js'
import type { MonitorNotifyState } from '../../src/registry/contract.js'

const root = mkdtempSync(join(tmpdir(), 'herald-control-'))
after(() => rmSync(root, { recursive: true, force: true }))

let files = 0
async function reopen<T> (file: string, fn: (control: StoreControlState) => Promise<T>): Promise<T> {
  const store = new SqliteStore({ file })
  try {
    return await fn(await StoreControlState.load(store))
  } finally {
    await store.close()
  }
}

describe('StoreControlState', () => {
  it('starts empty on a new store', async () => {
    await reopen(join(root, `${++files}.db`), async (control) => {
      assert.deepEqual(control.overrides(), new Map())
      assert.deepEqual(control.monitorStates(), new Map())
    })
  })

  it('keeps overrides and monitor states across a restart', async () => {
    const file = join(root, `${++files}.db`)
    await reopen(file, async (control) => {
      await control.setOverride('fcm.enable', 'no')
      await control.setOverride('picture_url', 'https://zm/?a=1;b=#2')
      await control.setMonitorStates(['1', '2', '3'], -1)
      await control.setMonitorStates(['2'], 1)
      // Read from memory at once, before any restart.
      assert.equal(control.overrides().get('fcm.enable'), 'no')
      assert.equal(control.monitorStates().get('2'), 1)
    })
    await reopen(file, async (control) => {
      assert.deepEqual(control.overrides(), new Map([['fcm.enable', 'no'], ['picture_url', 'https://zm/?a=1;b=#2']]))
      assert.deepEqual(control.monitorStates(), new Map([['1', -1], ['2', 1], ['3', -1]]))
    })
  })

  it('reset clears every override and sets every known monitor to 0, also after a restart', async () => {
    const file = join(root, `${++files}.db`)
    await reopen(file, async (control) => {
      await control.setOverride('enable', 'no')
      await control.setMonitorStates(['1', '9'], -1)
      await control.reset()
      assert.deepEqual(control.overrides(), new Map())
      assert.deepEqual(control.monitorStates(), new Map([['1', 0], ['9', 0]]))
    })
    await reopen(file, async (control) => {
      assert.deepEqual(control.overrides(), new Map())
      assert.deepEqual(control.monitorStates(), new Map([['1', 0], ['9', 0]]))
    })
  })

  it('refuses a state other than -1, 0 or 1 and an empty override key, changing nothing', async () => {
    const file = join(root, `${++files}.db`)
    await reopen(file, async (control) => {
      await assert.rejects(control.setMonitorStates(['1'], 2 as MonitorNotifyState), { code: 'HRD_ERR_VALIDATION' })
      await assert.rejects(control.setOverride('', 'x'), { code: 'HRD_ERR_VALIDATION' })
      assert.deepEqual(control.monitorStates(), new Map())
      assert.deepEqual(control.overrides(), new Map())
    })
  })
})
