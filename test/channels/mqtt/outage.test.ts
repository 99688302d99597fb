import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { createServer, type AddressInfo, type Socket } from 'node:net'
import { MQTT_LANE } from '../../../src/channels/mqtt/index.js'
import { decidedAlarmEvent } from '../../helpers/decided-alarm.js'
import { drained, freePort, MOSQUITTO, PrivateBroker, sleep, startRig, Subscriber, zmesConfig, type Rig } from './support.js'

/*
 * Outages. A broker outage with a Mosquitto of the test's own: what is decided while it is down waits in
 * the store (deliver() fails fast, nothing queues inside mqtt.js), and goes out in order, once,
 * when the broker is back and the client's reconnect wakes the lane. The clock is manual, so
 * the engine's own backoff timers never fire: only the reconnect can bring the messages out.
 */

const haveMosquitto = existsSync(MOSQUITTO)
if (!haveMosquitto) console.error(`\n*** ${MOSQUITTO} is missing: the MQTT outage test is SKIPPED\n`)

interface Deferred { promise: Promise<void>, resolve: () => void }
function deferred (): Deferred {
  let resolve = (): void => {}
  const promise = new Promise<void>((r) => { resolve = r })
  return { promise, resolve }
}

describe('a broker outage', { skip: !haveMosquitto }, () => {
  let broker: PrivateBroker
  let rig: Rig
  let retries: Array<{ error: string, items: number }>
  /** Open while the test's subscriber is listening: the reconnect waits for it before retrying. */
  let listening: Deferred

  before(async () => {
    broker = new PrivateBroker(await freePort())
    await broker.start()
    listening = deferred()
    listening.resolve()
    rig = await startRig({
      config: zmesConfig({ mqtt: { enable: true, server: `127.0.0.1:${broker.port}`, topic: 'zm', herald_topic: '' } }),
      onReconnect: () => { void listening.promise.then(async () => { await rig.engine.retryNow(MQTT_LANE) }) }
    })
    retries = []
    rig.events.on('delivery:retry', (e) => { retries.push({ error: e.outcome.kind === 'retry' ? e.outcome.error : '', items: e.batch.items.length }) })
    await rig.connected()
  })

  after(async () => {
    await rig?.close()
    await broker?.dispose()
  })

  test('alarms decided while the broker is down wait in the store and arrive in order, none lost, when it is back', async () => {
    const before = await Subscriber.open('zm/#', broker.port)
    let eid = 0
    const alarm = (): ReturnType<typeof decidedAlarmEvent> => { eid++; return decidedAlarmEvent({ seq: eid, monitorId: 1 + (eid % 3), eventId: eid }) }

    await rig.ingest(alarm(), alarm(), alarm())
    assert.deepEqual((await before.waitFor(3)).map(eventId), ['1', '2', '3'])
    await drained(rig)

    listening = deferred()
    await broker.stop()
    for (let i = 0; i < 200 && rig.channel.connected(); i++) await sleep(10)
    assert.equal(rig.channel.connected(), false, 'the client noticed the broker is gone')
    await before.close().catch(() => {})

    // One alarm at a time, as decisions come: the first fails fast, the rest queue behind it.
    for (let i = 0; i < 5; i++) await rig.ingest(alarm())
    for (let i = 0; i < 100 && retries.length === 0; i++) await sleep(10)
    assert.equal(retries.length, 1, 'one attempt, then the lane waits for its retry')
    assert.match(retries[0]?.error ?? '', /^not connected to mqtt:\/\/127\.0\.0\.1:\d+/)
    assert.equal(rig.engine.depth(MQTT_LANE), 5, 'all five wait in the store')
    const pending = await rig.store.listDeliveries('mqtt', 'broker', { limit: 10, state: 'pending' })
    assert.equal(pending.results.length, 5)

    await broker.start()
    const afterwards = await Subscriber.open('zm/#', broker.port)
    listening.resolve()
    try {
      const got = await afterwards.waitFor(5, 5000)
      assert.deepEqual(got.map(eventId), ['4', '5', '6', '7', '8'])
      await drained(rig)
      assert.deepEqual((await afterwards.settle()).map(eventId), ['4', '5', '6', '7', '8'], 'each exactly once')
      const delivered = await rig.store.listDeliveries('mqtt', 'broker', { limit: 20, state: 'delivered' })
      assert.equal(delivered.results.length, 8)
    } finally {
      await afterwards.close()
    }
  })
})

function eventId (m: { payload: string }): string {
  return (JSON.parse(m.payload) as { eventid: string }).eventid
}

/**
 * A broker that accepts every connection and every PUBLISH but never acknowledges one, and can
 * cut the connection: what a broker that dies mid-batch looks like to the client.
 */
class SilentBroker {
  readonly publishes: string[] = []
  readonly #sockets = new Set<Socket>()
  readonly #server = createServer((socket) => {
    this.#sockets.add(socket)
    socket.on('close', () => this.#sockets.delete(socket))
    socket.on('error', () => {})
    let buffer = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk])
      for (;;) {
        const packet = nextPacket(buffer)
        if (packet === undefined) break
        buffer = buffer.subarray(packet.size)
        if (packet.type === 1) socket.write(Buffer.from([0x20, 0x02, 0x00, 0x00])) // CONNECT → CONNACK accepted
        if (packet.type === 3) this.publishes.push(packet.topic)
        if (packet.type === 12) socket.write(Buffer.from([0xd0, 0x00])) // PINGREQ → PINGRESP
      }
    })
  })

  async listen (): Promise<number> {
    return await new Promise((resolve) => {
      this.#server.listen(0, '127.0.0.1', () => { resolve((this.#server.address() as AddressInfo).port) })
    })
  }

  get connections (): number {
    return this.#sockets.size
  }

  cut (): void {
    for (const s of this.#sockets) s.destroy()
  }

  async close (): Promise<void> {
    this.cut()
    await new Promise((resolve) => this.#server.close(resolve))
  }
}

/** One MQTT packet at the start of `b`: its type, size, and for a PUBLISH its topic. */
function nextPacket (b: Buffer): { type: number, size: number, topic: string } | undefined {
  if (b.length < 2) return undefined
  let length = 0
  let i = 1
  for (let shift = 0; ; shift += 7, i++) {
    const byte = b[i]
    if (byte === undefined) return undefined
    length += (byte & 0x7f) << shift
    if ((byte & 0x80) === 0) break
  }
  const size = i + 1 + length
  if (b.length < size) return undefined
  const type = (b[0] ?? 0) >> 4
  const topic = type === 3 ? b.subarray(i + 3, i + 3 + b.readUInt16BE(i + 1)).toString() : ''
  return { type, size, topic }
}

describe('a broker that takes messages but never acknowledges them', () => {
  let silent: SilentBroker
  let rig: Rig
  const outcomes: string[] = []

  before(async () => {
    silent = new SilentBroker()
    const port = await silent.listen()
    rig = await startRig({
      config: zmesConfig({ mqtt: { enable: true, server: `127.0.0.1:${port}`, topic: 'zm', herald_topic: '' } }),
      ackTimeoutMs: 300,
      // The test decides when to retry: the reconnect must not.
      onReconnect: () => {}
    })
    rig.events.on('delivery:retry', (e) => { outcomes.push(e.outcome.kind === 'retry' ? e.outcome.error : e.outcome.kind) })
    await rig.connected()
  })

  after(async () => {
    await rig?.close()
    await silent?.close()
  })

  test('a batch without PUBACKs is retried after ackTimeoutMs', async () => {
    await rig.ingest(decidedAlarmEvent({ seq: 1, eventId: 1 }), decidedAlarmEvent({ seq: 2, eventId: 2 }))
    for (let i = 0; i < 200 && outcomes.length === 0; i++) await sleep(10)
    assert.match(outcomes[0] ?? '', /no acknowledgement from mqtt:\/\/127\.0\.0\.1:\d+ within 300 ms/)
    assert.deepEqual(silent.publishes, ['zm/3', 'zm/3'])
  })

  test('a connection cut before the PUBACKs fails the batch at once, and mqtt.js re-sends nothing by itself on reconnect', async () => {
    outcomes.length = 0
    silent.publishes.length = 0
    await rig.engine.retryNow(MQTT_LANE)
    for (let i = 0; i < 200 && silent.publishes.length < 2; i++) await sleep(10)
    assert.deepEqual(silent.publishes, ['zm/3', 'zm/3'], 'the engine re-sent the batch')
    silent.cut()
    for (let i = 0; i < 200 && outcomes.length === 0; i++) await sleep(10)
    assert.match(outcomes[0] ?? '', /^connection to mqtt:\/\/127\.0\.0\.1:\d+ closed before the broker acknowledged the batch/)
    silent.publishes.length = 0
    for (let i = 0; i < 300 && !(rig.channel.connected() && silent.connections > 0); i++) await sleep(10)
    assert.equal(rig.channel.connected(), true, 'reconnected')
    await sleep(200)
    assert.deepEqual(silent.publishes, [], 'the unacknowledged messages wait for the engine, not for mqtt.js')
    assert.equal(rig.engine.depth(MQTT_LANE), 2)
  })
})
