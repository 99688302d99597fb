import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HeraldUsers } from '../../../src/auth/herald-users.js'
import { ZMES_DEFAULTS, type ZmesConfig } from '../../../src/config/zmes/zmes-schema.js'
import { createHerald } from '../../../src/herald.js'
import { MAX_TIMER_DELAY_MS } from '../../../src/timer-delay.js'
import { testConfig } from '../../helpers/herald.js'
import { NodeLimitsClock } from '../../helpers/node-limits-clock.js'
import { Client, ESCONTROL_PASSWORD, PASSWORD, USER, captureLogs, escontrolLogin, startEventHerald, type Ini, type Json } from './support.js'

/*
 * `[auth] timeout` past what a Node timer holds (2147484 s is 2^31 ms) used to fire after 1 ms:
 * every client got NOAUTH before it could log in, and as an escontrol override the lockout
 * survived restarts. The clocks here keep Node's limit, so the old behaviour would show.
 */

const ESCONTROL: Ini = { general: { use_escontrol_interface: 'yes', escontrol_interface_password: ESCONTROL_PASSWORD } }
const TOO_LONG = '2147484'

async function command (c: Client, data: Json): Promise<Json> {
  c.send({ event: 'escontrol', data })
  return await c.next()
}

/** A client that connected and then waited `ms` on the clock: still there, and able to log in. */
async function waitsThenLogsIn (url: string, clock: NodeLimitsClock, ms: number): Promise<void> {
  const c = await Client.connect(url)
  try {
    await clock.advance(ms)
    assert.deepEqual(await c.drain(), [], 'no NOAUTH while the timeout runs')
    c.send({ event: 'auth', data: { user: USER, password: PASSWORD } })
    assert.equal((await c.next()).status, 'Success')
  } finally {
    c.close()
  }
}

describe('[auth] timeout bounds', () => {
  test('escontrol edit auth.timeout=2147484 is refused with BADVALUE naming the range, stores nothing, and clients can still log in', async () => {
    const clock = new NodeLimitsClock(Date.now())
    const h = await startEventHerald({ ini: ESCONTROL, clock })
    try {
      const admin = await escontrolLogin(h.url)
      for (const key of ['auth.timeout', 'timeout']) {
        const request = { event: 'escontrol', data: { command: 'edit', key, val: TOO_LONG } }
        admin.send(request)
        assert.deepEqual(await admin.next(), {
          event: 'escontrol', type: '', status: 'Fail', reason: 'BADVALUE', request, message: `must be an integer from 1 to 86400, got "${TOO_LONG}"`
        })
      }
      assert.deepEqual(JSON.parse((await command(admin, { command: 'get' })).response), { notifications: {} })
      await waitsThenLogsIn(h.url, clock, 1000)
      assert.equal((await command(admin, { command: 'edit', key: 'auth.timeout', val: '86400' })).status, 'Success', 'a day is accepted')
      admin.close()
    } finally {
      await h.close()
    }
  })

  test('the same value stored as an override by an older Herald is not applied at the next start: the file\'s timeout stands', async () => {
    let h = await startEventHerald({ ini: ESCONTROL })
    const dir = h.dir
    try {
      // As an older version without the bound stored it: past the edit check.
      await h.herald.control.setOverride('auth.timeout', TOO_LONG)
      await h.close(true)
      const clock = new NodeLimitsClock(Date.now())
      h = await startEventHerald({ ini: { ...ESCONTROL, auth: { timeout: '30' } }, dir, user: false, clock })
      assert.ok(h.logs.some((l) => l.msg.includes('[auth] timeout') && l.msg.includes('not applied')), 'the refused override is logged')
      await waitsThenLogsIn(h.url, clock, 29_000)
      const silent = await Client.connect(h.url)
      await clock.advance(30_000)
      assert.deepEqual(await silent.next(), { event: 'auth', type: '', status: 'Fail', reason: 'NOAUTH' })
    } finally {
      await h.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('a timeout past 2^31−1 ms that reaches the event server anyway (a config built in code) waits the longest a timer can, not 1 ms', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-auth-timeout-'))
    const clock = new NodeLimitsClock(Date.now())
    const zmes: ZmesConfig = {
      ...ZMES_DEFAULTS,
      network: { port: 0, address: '127.0.0.1' },
      ssl: { enable: false, cert: undefined, key: undefined },
      auth: { enable: true, timeout: Number(TOO_LONG) }
    }
    const herald = await createHerald(testConfig(dir), { clock, logger: captureLogs().logger, zmes })
    try {
      await new HeraldUsers(herald.store, { rounds: 4 }).add(USER, PASSWORD)
      await herald.start()
      const url = herald.eventServerAddress
      assert.ok(url !== undefined)
      await waitsThenLogsIn(url, clock, 60_000)
      const silent = await Client.connect(url)
      await clock.advance(MAX_TIMER_DELAY_MS - 1)
      assert.deepEqual(await silent.drain(), [])
      await clock.advance(1)
      assert.deepEqual(await silent.next(), { event: 'auth', type: '', status: 'Fail', reason: 'NOAUTH' })
    } finally {
      await herald.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
