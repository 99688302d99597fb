import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Client, ESCONTROL_PASSWORD, alarm, escontrolLogin, login, raise, startEventHerald } from './support.js'
import { mulberry32 } from '../../helpers/prng.js'

/*
 * Hostile messages for the WebSocket surface: every client event with values of every JSON type
 * where strings are expected, odd keys, deep nesting. Seeded: HERALD_FUZZ_SEED=<seed> replays a
 * failure. Each message gets at most one reply and never an exception in the server, and the
 * connections stay usable (auth is left out: a bad one closes the connection, by design).
 */
const SEED = Number(process.env.HERALD_FUZZ_SEED ?? 0x3a5c17)
const MESSAGES = 400


test(`random push, control and escontrol messages never break the server (seed ${SEED})`, async () => {
  const random = mulberry32(SEED)
  const int = (n: number): number => Math.floor(random() * n)
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T
  const value = (depth = 0): unknown => {
    switch (int(depth > 2 ? 6 : 9)) {
      case 0: return null
      case 1: return random() < 0.5
      case 2: return pick([0, -1, 1, 3.5, 1e308, -0, 42])
      case 3: return pick(['', '-1', '1,2', '0,60', 'android', 'ios', 'enabled', 'disabled', '__proto__', 'é\u0000\u202e', 'x'.repeat(300)])
      case 4: return pick(['1', '2,3', '', 'a,b'])
      case 5: return pick(['get', 'mute', 'unmute', 'edit', 'reset', 'dance', 'timeout', 'auth.timeout', 'customize.picture_url', 'enable'])
      case 6: return Array.from({ length: int(4) }, () => value(depth + 1))
      default: {
        const o: Record<string, unknown> = {}
        for (let i = int(5); i > 0; i--) o[pick(['type', 'token', 'platform', 'monlist', 'intlist', 'state', 'badge', 'command', 'monitors', 'key', 'val', 'appversion', 'profile', '__proto__', 'constructor'])] = value(depth + 1)
        return o
      }
    }
  }
  const message = (): string => {
    const data: Record<string, unknown> = { type: pick(['token', 'badge', 'filter', 'version', 'other', 7]), command: pick(['get', 'mute', 'unmute', 'edit', 'reset', 'dance', null]) }
    const extra = value()
    if (extra !== null && typeof extra === 'object' && !Array.isArray(extra)) Object.assign(data, extra)
    const msg: Record<string, unknown> = { event: pick(['push', 'control', 'escontrol', 'alarm', 'x', 3, null]) }
    if (random() < 0.9) msg.data = random() < 0.9 ? data : value()
    if (random() < 0.3) msg.token = value()
    return random() < 0.05 ? JSON.stringify(msg).slice(0, int(20)) : JSON.stringify(msg)
  }

  const h = await startEventHerald({
    ini: { general: { use_escontrol_interface: 'yes', escontrol_interface_password: ESCONTROL_PASSWORD } },
    limits: { maxMessagesPerSecond: 100_000, maxQueuedMessages: 100_000 }
  })
  try {
    const clients: Client[] = [await login(h.url), await escontrolLogin(h.url), await Client.connect(h.url)]
    const sent = clients.map(() => [] as string[])
    for (let i = 0; i < MESSAGES; i++) {
      const which = int(clients.length)
      const text = message()
      sent[which]?.push(text)
      clients[which]?.send(text)
    }
    for (const [i, c] of clients.entries()) {
      await c.drain().catch((err: Error) => { throw new Error(`client ${i} unusable after: ${JSON.stringify(sent[i])}: ${err.message}`) })
      assert.ok(c.received.length <= (sent[i]?.length ?? 0) + 2, `client ${i}: more replies than messages`)
    }
    const failures = h.logs.filter((l) => l.level >= 50)
    assert.deepEqual(failures.map((l) => l.msg), [], 'no handler failed')
    const admin = await escontrolLogin(h.url)
    admin.send({ event: 'escontrol', data: { command: 'reset' } })
    await admin.drain()
    const watcher = await login(h.url)
    await raise(h, alarm(1, 77, 'start'))
    assert.equal((await watcher.drain()).length, 1, 'alarms still flow')
    admin.close()
    for (const c of [...clients, watcher]) c.close()
  } finally {
    await h.close()
  }
})
