import { afterEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Socket } from 'node:net'
import { logDeliveries } from '../../../src/observability/delivery-log.js'
import { TARGETS_SETTING, type TargetSettings } from '../../../src/channels/targets/index.js'
import { DiscordFake } from '../../fakes/targets/discord-fake.js'
import { NtfyFake } from '../../fakes/targets/ntfy-fake.js'
import { TelegramFake } from '../../fakes/targets/telegram-fake.js'
import { Harness, alarmOf, target } from './support.js'

/*
 * The targets channel on the real delivery engine and SQLite store, with a manual clock: what is
 * queued, retried, given up and switched off, and that an outage loses nothing.
 */

const START_ONLY: TargetSettings = { url: '', active: true, phases: ['start'], monitors: [] }
const BOT = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw'
const DISCORD_TOKEN = 'JHMHI8qBe7bk2ZwO5U711o3dV_js'

async function addTarget (h: Harness, name: string, url: string, settings: Partial<TargetSettings> = {}): Promise<void> {
  const result = await h.registry.create(name, { ...START_ONLY, url, ...settings }, target(url), h.clock.now())
  assert.ok(result.ok)
}

describe('routing', () => {
  let h: Harness
  afterEach(async () => { await h.close() })

  it('routes an alarm to every active target that takes its phase and monitor', async () => {
    h = await Harness.create()
    await addTarget(h, 'all-starts', 'ntfy://a')
    await addTarget(h, 'ends-too', 'ntfy://b', { phases: ['start', 'end'] })
    await addTarget(h, 'monitor-7', 'ntfy://c', { monitors: [7, 9] })
    await addTarget(h, 'off', 'ntfy://d', { active: false })
    const names = (f: Parameters<typeof alarmOf>[0]): string[] => h.channel.routes(alarmOf(f), 0).map((r) => r.target)
    assert.deepEqual(names({ monitorId: 3 }), ['all-starts', 'ends-too'])
    assert.deepEqual(names({ monitorId: 7 }), ['all-starts', 'ends-too', 'monitor-7'])
    assert.deepEqual(names({ monitorId: 7, phase: 'end' }), ['ends-too'])
    assert.deepEqual(names({ monitorId: 7, phase: 'update' }), [])
    const route = h.channel.routes(alarmOf({}), 0)[0]
    assert.deepEqual(route, { channel: 'targets', target: 'all-starts', lane: 'targets:all-starts', group: 'alarms' })
    assert.equal(h.channel.enabled(), true)
  })

  it('is not enabled without an active target; a removed target is gone, an inactive one paused', async () => {
    h = await Harness.create()
    assert.equal(h.channel.enabled(), false)
    await addTarget(h, 'off', 'ntfy://d', { active: false })
    assert.equal(h.channel.enabled(), false)
    assert.deepEqual(h.channel.target('off'), { kind: 'paused' })
    assert.deepEqual(h.channel.target('nope'), { kind: 'gone' })
    await addTarget(h, 'on', 'ntfy://e')
    assert.deepEqual(h.channel.target('on'), { kind: 'ready', batchSize: 1, maxAttempts: 0 })
  })

  it('describe() names the target with its URL masked', async () => {
    h = await Harness.create()
    await addTarget(h, 'secret', 'ntfys://tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2@ntfy.example.com/alarms')
    const d = h.channel.describe({ messageId: 'm', channel: 'targets', target: 'secret', lane: 'targets:secret', group: 'alarms', attempt: 1, items: [] })
    assert.deepEqual(d, { worker: 'Target(name=secret, ntfy, ntfys://****@ntfy.example.com/alarms) worker(type=alarms)', noun: 'ntfy notification' })
  })
})

describe('delivery through the engine', () => {
  let h: Harness
  const fakes: Array<{ stop: () => Promise<void> }> = []
  afterEach(async () => {
    await h.close()
    for (const f of fakes.splice(0)) await f.stop()
  })

  it('delivers a decided alarm and records it as delivered', async () => {
    const ntfy = await NtfyFake.create()
    fakes.push(ntfy)
    h = await Harness.create()
    await addTarget(h, 'phone', `ntfy://${ntfy.hostPort}/alarms`)
    assert.equal(await h.alarm(), 1)
    await h.until('delivered', async () => (await h.deliveries('phone'))[0]?.state === 'delivered')
    assert.equal(ntfy.accepted.length, 1)
    assert.deepEqual(ntfy.problems, [])
  })

  it('a 429 with Retry-After: 7 is sent again 7 s later, not before', async () => {
    const ntfy = await NtfyFake.create()
    fakes.push(ntfy)
    h = await Harness.create()
    await addTarget(h, 'phone', `ntfy://${ntfy.hostPort}/alarms`)
    ntfy.failNext(1, { ...NtfyFake.error(429, 42901, 'limit reached'), headers: { 'retry-after': '7' } })
    const t0 = h.clock.now()
    await h.alarm()
    await h.until('the retry is scheduled', async () => (await h.deliveries('phone'))[0]?.nextAttemptAt === t0 + 7000)
    await h.clock.advance(6999)
    assert.equal(ntfy.requests.length, 1)
    await h.clock.advance(1)
    await h.until('delivered', async () => (await h.deliveries('phone'))[0]?.state === 'delivered')
    assert.equal(ntfy.requests.length, 2)
    assert.equal((await h.deliveries('phone'))[0]?.attempts, 2)
  })

  it('Telegram\'s retry_after in the body schedules the retry', async () => {
    const tg = await TelegramFake.create(BOT, ['42'])
    fakes.push(tg)
    h = await Harness.create({ pictureUrl: () => undefined })
    await addTarget(h, 'chat', `tgram://${BOT}/42?base=${tg.base}`)
    tg.failNext(1, TelegramFake.tooMany(12))
    const t0 = h.clock.now()
    await h.alarm()
    await h.until('the retry is scheduled', async () => (await h.deliveries('chat'))[0]?.nextAttemptAt === t0 + 12_000)
    await h.clock.advance(12_000)
    await h.until('delivered', async () => (await h.deliveries('chat'))[0]?.state === 'delivered')
  })

  it('an outage of the service loses nothing: after it, every alarm arrives, in order', async () => {
    const ntfy = await NtfyFake.create()
    fakes.push(ntfy)
    h = await Harness.create()
    await addTarget(h, 'phone', `ntfy://${ntfy.hostPort}/alarms`)
    await ntfy.stop()
    for (let i = 0; i < 3; i++) await h.alarm()
    // Attempts 1..4 fail on a closed port with the engine's backoff (0.27, 0.73, 1.97, 5.31 s).
    for (let attempt = 1; attempt <= 4; attempt++) {
      await h.until(`attempt ${attempt} failed`, async () => (await h.deliveries('phone'))[0]?.attempts === attempt)
      const wait = h.clock.nextTimerIn()
      assert.ok(wait !== undefined)
      if (attempt < 4) await h.clock.advance(wait)
    }
    assert.equal((await h.deliveries('phone')).filter((d) => d.state === 'pending').length, 3)
    await ntfy.start()
    await h.clock.advance(h.clock.nextTimerIn() ?? 0)
    await h.until('all delivered', async () => (await h.deliveries('phone')).every((d) => d.state === 'delivered'))
    assert.deepEqual(ntfy.accepted.map((r) => (r.json as { title: string }).title), ['Front Door Alarm (1001)', 'Front Door Alarm (1002)', 'Front Door Alarm (1003)'])
  })

  it('with maxAttempts, an alarm is given up after that many attempts', async () => {
    const ntfy = await NtfyFake.create()
    fakes.push(ntfy)
    h = await Harness.create({ maxAttempts: 2 })
    await addTarget(h, 'phone', `ntfy://${ntfy.hostPort}/alarms`)
    ntfy.failNext(5, NtfyFake.error(500, 50001, 'internal error'))
    await h.alarm()
    await h.until('first failure', async () => (await h.deliveries('phone'))[0]?.attempts === 1)
    await h.clock.advance(h.clock.nextTimerIn() ?? 0)
    await h.until('failed', async () => (await h.deliveries('phone'))[0]?.state === 'failed')
    assert.equal(ntfy.requests.length, 2)
  })

  it('a retry after a partial failure does not notify the chats that already have the alarm', async () => {
    const tg = await TelegramFake.create(BOT, ['42', '43'])
    fakes.push(tg)
    h = await Harness.create({ pictureUrl: () => undefined })
    await addTarget(h, 'chats', `tgram://${BOT}/42/43?base=${tg.base}`)
    tg.script('success', TelegramFake.error(502, 'Bad Gateway'))
    await h.alarm()
    await h.until('first attempt', async () => (await h.deliveries('chats'))[0]?.attempts === 1)
    await h.clock.advance(h.clock.nextTimerIn() ?? 0)
    await h.until('delivered', async () => (await h.deliveries('chats'))[0]?.state === 'delivered')
    assert.deepEqual(tg.accepted.map((r) => (r.json as { chat_id: string }).chat_id), ['42', '43'])
  })

  it('a deleted Discord webhook fails the alarm, switches the API target off (stored) and logs why; later alarms wait', async () => {
    const discord = await DiscordFake.create('1', 'other')
    fakes.push(discord)
    h = await Harness.create()
    logDeliveries(h.events, h.log.logger)
    await addTarget(h, 'team', `discord://4174216298/${DISCORD_TOKEN}?base=${discord.base}`)
    await h.alarm()
    await h.until('failed', async () => (await h.deliveries('team'))[0]?.state === 'failed')
    await h.until('switched off', () => h.registry.get('team')?.active === false)
    assert.equal(h.registry.get('team')?.disabledReason, 'Discord says the webhook does not exist (Unknown Webhook)')
    const stored = JSON.parse(await h.store.getSetting(TARGETS_SETTING) ?? '{}') as { targets: Array<{ active: boolean, disabled_reason: string }> }
    assert.deepEqual(stored.targets.map((t) => [t.active, t.disabled_reason]), [[false, 'Discord says the webhook does not exist (Unknown Webhook)']])
    const line = h.log.lines.find((l) => l.level === 50 && String(l.msg).startsWith('target "team"'))
    assert.equal(line?.msg, `target "team" (discord://4174216298/****?base=${discord.base}) switched off: Discord says the webhook does not exist (Unknown Webhook). Its queued alarms wait; fix it and switch it on again: PATCH /api/v1/targets/team {"active": true}`)
    assert.equal(await h.alarm(), 0, 'a switched-off target gets no new alarms')
    assert.deepEqual(h.channel.target('team'), { kind: 'paused' })
    assert.doesNotMatch(h.log.text, new RegExp(DISCORD_TOKEN))
    assert.match(h.log.text, /Error sending discord notification: HTTP 404 Not Found: Unknown Webhook/)
  })

  it('alarms queued behind the one that switched the target off wait, and go out once it is switched on again', async () => {
    const discord = await DiscordFake.create('1', 'other')
    fakes.push(discord)
    h = await Harness.create()
    const url = `discord://4174216298/${DISCORD_TOKEN}?base=${discord.base}`
    await addTarget(h, 'team', url)
    // Both are queued before the first attempt ends.
    await Promise.all([h.alarm(), h.alarm()])
    await h.until('switched off', () => h.registry.get('team')?.active === false)
    const [first, second] = await h.deliveries('team')
    assert.deepEqual([first?.state, second?.state], ['failed', 'pending'])
    // The operator re-creates the webhook and switches the target on (what PATCH does).
    discord.hooks.set('4174216298', DISCORD_TOKEN)
    assert.ok((await h.registry.update('team', { active: true }, undefined, h.clock.now())).ok)
    await h.engine.retryNow('targets:team')
    await h.until('the waiting alarm is delivered', async () => (await h.deliveries('team'))[1]?.state === 'delivered')
    assert.deepEqual(discord.accepted.map((r) => (r.json as { content: string }).content), ['Front Door Alarm (1002)'])
  })

  it('a [targets] line is switched off in memory only, until Herald restarts', async () => {
    const tg = await TelegramFake.create(BOT, ['42'])
    fakes.push(tg)
    tg.blocked.add('42')
    const url = `tgram://${BOT}/42?base=${tg.base}`
    h = await Harness.create({ configured: [{ name: 'from-ini', url, service: target(url) }], pictureUrl: () => undefined })
    await h.alarm()
    await h.until('switched off', () => h.registry.get('from-ini')?.active === false)
    assert.match(h.registry.get('from-ini')?.disabledReason ?? '', /bot was blocked by the user/)
    assert.equal(await h.store.getSetting(TARGETS_SETTING), undefined)
    assert.match(h.log.messages(50).join('\n'), /target "from-ini" \(tgram:\/\/\*\*\*\*\/42\?base=.*\) switched off: .*fix its \[targets\] line and restart Herald/)
    assert.doesNotMatch(h.log.text, /AAHdqTcv/)
  })

  it('a service that accepts the connection but never answers is retried after the timeout', async () => {
    const sockets: Socket[] = []
    const silent = createServer((socket) => { sockets.push(socket) })
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()))
    fakes.push({ stop: async () => { for (const s of sockets) s.destroy(); await new Promise<void>((resolve) => silent.close(() => resolve())) } })
    const port = (silent.address() as { port: number }).port
    h = await Harness.create({ timeoutMs: 100 })
    await addTarget(h, 'phone', `ntfy://127.0.0.1:${port}/alarms`)
    await h.alarm()
    await h.until('first attempt timed out', async () => (await h.deliveries('phone'))[0]?.attempts === 1)
    const [d] = await h.deliveries('phone')
    assert.deepEqual([d?.state, d?.lastError], ['pending', 'Timeout: no response within 0.1 s'])
  })

  it('a picture URL function that throws costs the picture, not the alarm', async () => {
    const ntfy = await NtfyFake.create()
    fakes.push(ntfy)
    h = await Harness.create({ pictureUrl: () => { throw new Error('no portal') } })
    await addTarget(h, 'phone', `ntfy://${ntfy.hostPort}/alarms`)
    await h.alarm()
    await h.until('delivered', async () => (await h.deliveries('phone'))[0]?.state === 'delivered')
    assert.equal((ntfy.accepted[0]?.json as Record<string, unknown>).attach, undefined)
    assert.match(h.log.messages(40).join('\n'), /cannot build the picture URL/)
  })
})
