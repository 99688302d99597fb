import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { StoreTokenRegistry } from '../../src/registry/token-registry.js'
import { ManualClock } from '../helpers/manual-clock.js'

const root = mkdtempSync(join(tmpdir(), 'herald-registry-'))
after(() => rmSync(root, { recursive: true, force: true }))

let files = 0
function freshFile (): string {
  return join(root, `${++files}.db`)
}

/** 15 March 2026, local time: month index 2. */
const MARCH = new Date(2026, 2, 15, 12, 0, 0).getTime()
const FCM = 'dGVzdDp0b2tlbg:APA91bH-0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV'

async function open (file: string, clock = new ManualClock(MARCH)): Promise<{ store: SqliteStore, registry: StoreTokenRegistry, clock: ManualClock }> {
  const store = new SqliteStore({ file })
  return { store, registry: await StoreTokenRegistry.load(store, { clock }), clock }
}

describe('StoreTokenRegistry: register', () => {
  it('creates a token with zmES defaults: all monitors, enabled, appversion unknown, no pushes this month', async () => {
    const { store, registry } = await open(':memory:')
    const created = await registry.register({ token: FCM, platform: 'android' })
    assert.deepEqual(created, {
      token: FCM, platform: 'android', monlist: '', intlist: '', pushstate: 'enabled', appversion: 'unknown', badge: 0,
      invocations: { count: 0, at: 2 }, profile: null, createdAt: MARCH, updatedAt: MARCH
    })
    assert.deepEqual(registry.get(FCM), created)
    assert.deepEqual(await store.listTokens(), [created])
    await store.close()
  })

  it('reads an empty or missing state as enabled, and "disabled" as disabled', async () => {
    const { store, registry } = await open(':memory:')
    assert.equal((await registry.register({ token: 'a', platform: 'ios', pushstate: '' })).pushstate, 'enabled')
    assert.equal((await registry.register({ token: 'a', platform: 'ios', pushstate: 'disabled' })).pushstate, 'disabled')
    assert.equal((await registry.register({ token: 'a', platform: 'ios' })).pushstate, 'enabled')
    await store.close()
  })

  it('keeps monlist and intlist when a registration gives them absent, empty or -1, and replaces them otherwise', async () => {
    const { store, registry } = await open(':memory:')
    await registry.register({ token: 'a', platform: 'android', monlist: '1,2', intlist: '0,60', appversion: '1.6.009', profile: 'home' })
    for (const keep of [{}, { monlist: '', intlist: '' }, { monlist: '-1', intlist: '-1' }]) {
      const again = await registry.register({ token: 'a', platform: 'android', ...keep })
      assert.deepEqual([again.monlist, again.intlist, again.appversion, again.profile], ['1,2', '0,60', '1.6.009', 'home'], JSON.stringify(keep))
    }
    const changed = await registry.register({ token: 'a', platform: 'ios', monlist: '5', intlist: '30', appversion: '1.7', profile: 'work' })
    assert.deepEqual([changed.platform, changed.monlist, changed.intlist, changed.appversion, changed.profile], ['ios', '5', '30', '1.7', 'work'])
    await store.close()
  })

  it('a token registered again keeps its push count, badge, created date and throttle state', async () => {
    const { store, registry, clock } = await open(':memory:')
    await registry.register({ token: 'a', platform: 'android' })
    await registry.countInvocation('a', new Date(MARCH))
    await registry.setBadge('a', 3)
    await registry.markSent('a', '7', MARCH)
    await clock.advance(60_000)
    const again = await registry.register({ token: 'a', platform: 'android', monlist: '7' })
    assert.deepEqual(again.invocations, { count: 1, at: 2 })
    assert.equal(again.badge, 3)
    assert.equal(again.createdAt, MARCH)
    assert.equal(again.updatedAt, MARCH + 60_000)
    assert.equal(registry.lastSent('a', '7'), MARCH)
    await store.close()
  })

  it('refuses an empty token, an empty platform and a token of 4 KiB or more, storing nothing', async () => {
    const { store, registry } = await open(':memory:')
    await assert.rejects(registry.register({ token: '', platform: 'android' }), { code: 'HRD_ERR_VALIDATION' })
    await assert.rejects(registry.register({ token: 'a', platform: '' }), { code: 'HRD_ERR_VALIDATION' })
    await assert.rejects(registry.register({ token: 'x'.repeat(4097), platform: 'ios' }), { code: 'HRD_ERR_VALIDATION' })
    assert.deepEqual(registry.list(), [])
    assert.deepEqual(await store.listTokens(), [])
    await store.close()
  })
})

describe('StoreTokenRegistry: filters, badge, push counts', () => {
  it('setFilter stores -1 as "" (all monitors) and ignores a token it does not know', async () => {
    const { store, registry } = await open(':memory:')
    await registry.register({ token: 'a', platform: 'android', monlist: '1', intlist: '60' })
    await registry.setFilter('a', '-1', '-1')
    assert.deepEqual([registry.get('a')?.monlist, registry.get('a')?.intlist], ['', ''])
    await registry.setFilter('a', '3,4', '0,120')
    await registry.setFilter('nobody', '1', '1')
    assert.equal(registry.get('nobody'), undefined)
    assert.deepEqual((await store.listTokens()).map((t) => [t.token, t.monlist, t.intlist]), [['a', '3,4', '0,120']])
    await store.close()
  })

  it('setBadge stores the badge and refuses a negative or fractional one', async () => {
    const { store, registry } = await open(':memory:')
    await registry.register({ token: 'a', platform: 'ios' })
    await registry.setBadge('a', 12)
    await assert.rejects(registry.setBadge('a', -1), { code: 'HRD_ERR_VALIDATION' })
    await assert.rejects(registry.setBadge('a', 1.5), { code: 'HRD_ERR_VALIDATION' })
    assert.equal((await store.listTokens())[0]?.badge, 12)
    await store.close()
  })

  it('counts pushes within a month and starts again at 1 when the local month changes', async () => {
    const { store, registry } = await open(':memory:')
    await registry.register({ token: 'a', platform: 'android' })
    const lastMinuteOfMarch = new Date(2026, 2, 31, 23, 59, 0)
    const firstMinuteOfApril = new Date(2026, 3, 1, 0, 1, 0)
    await registry.countInvocation('a', lastMinuteOfMarch)
    await registry.countInvocation('a', lastMinuteOfMarch)
    assert.deepEqual(registry.get('a')?.invocations, { count: 2, at: 2 })
    await registry.countInvocation('a', firstMinuteOfApril)
    assert.deepEqual(registry.get('a')?.invocations, { count: 1, at: 3 })
    assert.deepEqual((await store.listTokens())[0]?.invocations, { count: 1, at: 3 })
    await store.close()
  })

  it('a count from December starts again in January: only the month index matters, as in zmES', async () => {
    const { store, registry } = await open(':memory:', new ManualClock(new Date(2025, 11, 1).getTime()))
    await registry.register({ token: 'a', platform: 'android' })
    await registry.countInvocation('a', new Date(2025, 11, 31, 12))
    await registry.countInvocation('a', new Date(2026, 0, 1, 12))
    assert.deepEqual(registry.get('a')?.invocations, { count: 1, at: 0 })
    await store.close()
  })

  it('list() shows every change and cannot be changed by its caller', async () => {
    const { store, registry } = await open(':memory:')
    await registry.register({ token: 'a', platform: 'android' })
    const first = registry.list()
    assert.ok(Object.isFrozen(first))
    await registry.register({ token: 'b', platform: 'ios' })
    await registry.setFilter('a', '9', '0')
    assert.deepEqual(registry.list().map((t) => [t.token, t.monlist]), [['a', '9'], ['b', '']])
    assert.deepEqual(first.map((t) => t.token), ['a'])
    await store.close()
  })
})

describe('StoreTokenRegistry: removal (quirk 10 fixed)', () => {
  it('a removed token is gone from memory and from the store, throttle state included, and stays gone after a restart', async () => {
    const file = freshFile()
    const first = await open(file)
    await first.registry.register({ token: FCM, platform: 'android', monlist: '1' })
    await first.registry.markSent(FCM, '1', MARCH)
    assert.equal(await first.registry.remove(FCM), true)
    assert.equal(first.registry.get(FCM), undefined)
    assert.equal(first.registry.lastSent(FCM, '1'), undefined)
    assert.deepEqual(first.registry.list(), [])
    // zmES's parent kept pushing to the token and wrote it back at the next reload.
    await first.registry.countInvocation(FCM, new Date(MARCH))
    await first.registry.setFilter(FCM, '1', '0')
    assert.equal(await first.registry.remove(FCM), false)
    await first.store.close()

    const second = await open(file)
    assert.equal(second.registry.get(FCM), undefined)
    assert.deepEqual(await second.store.listTokens(), [])
    assert.deepEqual(await second.store.listLastSent(), [])
    await second.store.close()
  })

  it('a write still waiting to reach the store does not bring back a token removed meanwhile', async () => {
    const file = freshFile()
    const first = await open(file)
    await first.registry.register({ token: 'a', platform: 'android' })
    // Not awaited one by one: the alarm fan-out starts these together.
    await Promise.all([
      first.registry.markSent('a', '1', MARCH),
      first.registry.countInvocation('a', new Date(MARCH)),
      first.registry.remove('a'),
      first.registry.markSent('a', '2', MARCH)
    ])
    await first.store.close()
    const second = await open(file)
    assert.deepEqual(await second.store.listTokens(), [])
    assert.deepEqual(await second.store.listLastSent(), [])
    await second.store.close()
  })

  it('removes a token another process wrote to the store after this registry loaded', async () => {
    const file = freshFile()
    const server = await open(file)
    const cli = await open(file)
    await cli.registry.register({ token: 'late', platform: 'ios' })
    assert.equal(server.registry.get('late'), undefined)
    assert.equal(await server.registry.remove('late'), true)
    assert.deepEqual(await cli.store.listTokens(), [])
    await server.store.close()
    await cli.store.close()
  })
})

describe('StoreTokenRegistry: throttle state (quirk 12 fixed)', () => {
  it('tokens loaded from the store each keep their own last_sent', async () => {
    const file = freshFile()
    const first = await open(file)
    await first.registry.register({ token: 'a', platform: 'android' })
    await first.registry.register({ token: 'b', platform: 'android' })
    await first.store.close()

    const second = await open(file)
    await second.registry.markSent('a', '3', MARCH)
    assert.equal(second.registry.lastSent('a', '3'), MARCH)
    assert.equal(second.registry.lastSent('b', '3'), undefined)
    assert.equal(second.registry.lastSent('a', '4'), undefined)
    await second.store.close()
  })

  it('keeps a token\'s last_sent across a restart, and a socket\'s only in memory', async () => {
    const file = freshFile()
    const first = await open(file)
    await first.registry.register({ token: 'a', platform: 'android' })
    await first.registry.markSent('a', '3', MARCH)
    await first.registry.markSent('a', '3', MARCH + 5000)
    await first.registry.markSent('conn-1700000000.123', '3', MARCH)
    assert.equal(first.registry.lastSent('conn-1700000000.123', '3'), MARCH)
    await first.store.close()

    const second = await open(file)
    assert.equal(second.registry.lastSent('a', '3'), MARCH + 5000)
    assert.equal(second.registry.lastSent('conn-1700000000.123', '3'), undefined)
    assert.deepEqual(await second.store.listLastSent(), [{ recipient: 'a', monitorId: '3', at: MARCH + 5000 }])
    await second.store.close()
  })

  it('forget() drops a closed socket\'s throttle state but never a token\'s', async () => {
    const { store, registry } = await open(':memory:')
    await registry.register({ token: 'a', platform: 'android' })
    await registry.markSent('a', '1', MARCH)
    await registry.markSent('socket-9', '1', MARCH)
    registry.forget('socket-9')
    registry.forget('a')
    assert.equal(registry.lastSent('socket-9', '1'), undefined)
    assert.equal(registry.lastSent('a', '1'), MARCH)
    await store.close()
  })
})

describe('StoreTokenRegistry: persistence', () => {
  it('loads every field back after the store is reopened', async () => {
    const file = freshFile()
    const first = await open(file)
    await first.registry.register({ token: FCM, platform: 'ios', monlist: '1,2', intlist: '0,60', pushstate: 'disabled', appversion: '1.6.009', profile: 'p' })
    await first.registry.setBadge(FCM, 4)
    await first.registry.countInvocation(FCM, new Date(MARCH))
    const before = first.registry.get(FCM)
    await first.store.close()

    const second = await open(file)
    assert.deepEqual(second.registry.get(FCM), before)
    assert.deepEqual(second.registry.list(), [before])
    await second.store.close()
  })

  it('writes started together without waiting reach the store in order, none lost', async () => {
    const file = freshFile()
    const first = await open(file)
    await first.registry.register({ token: 'a', platform: 'android' })
    await Promise.all([
      first.registry.setFilter('a', '1,2', '0,30'),
      first.registry.countInvocation('a', new Date(MARCH)),
      first.registry.setBadge('a', 2),
      first.registry.countInvocation('a', new Date(MARCH)),
      first.registry.register({ token: 'a', platform: 'ios' })
    ])
    const expected = first.registry.get('a')
    await first.store.close()
    const second = await open(file)
    assert.deepEqual(second.registry.get('a'), expected)
    assert.deepEqual([expected?.platform, expected?.monlist, expected?.badge, expected?.invocations.count], ['ios', '1,2', 2, 2])
    await second.store.close()
  })
})

describe('StoreTokenRegistry: importTokens', () => {
  const record = (token: string, monlist = '1') => ({
    token, platform: 'android', monlist, intlist: '0', pushstate: 'enabled' as const, appversion: '1.6', invocations: { count: 5, at: 2 }, profile: null
  })

  it('creates and overwrites tokens, keeping the badge, created date and throttle state of existing ones', async () => {
    const { store, registry } = await open(':memory:')
    await registry.register({ token: 'old', platform: 'ios' })
    await registry.setBadge('old', 9)
    await registry.markSent('old', '1', MARCH)
    assert.deepEqual(await registry.importTokens([record('old', '-1'), record('new')]), { created: 1, updated: 1 })
    const old = registry.get('old')
    assert.deepEqual([old?.platform, old?.monlist, old?.badge, old?.invocations, old?.createdAt], ['android', '', 9, { count: 5, at: 2 }, MARCH])
    assert.equal(registry.lastSent('old', '1'), MARCH)
    assert.deepEqual((await store.listTokens()).map((t) => t.token).sort(), ['new', 'old'])
    await store.close()
  })

  it('imports nothing when one record is invalid', async () => {
    const { store, registry } = await open(':memory:')
    await assert.rejects(registry.importTokens([record('good'), record('x'.repeat(5000))]), { code: 'HRD_ERR_VALIDATION' })
    assert.deepEqual(registry.list(), [])
    assert.deepEqual(await store.listTokens(), [])
    await store.close()
  })

  it('puts memory back as it was when the store refuses the batch', async () => {
    const { store, registry } = await open(':memory:')
    await registry.register({ token: 'kept', platform: 'ios', monlist: '4' })
    const before = registry.list()
    await store.close()
    await assert.rejects(registry.importTokens([record('kept'), record('new')]))
    assert.deepEqual(registry.list(), before)
    assert.equal(registry.get('new'), undefined)
  })
})
