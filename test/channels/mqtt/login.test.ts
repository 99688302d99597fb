import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { decidedAlarmEvent } from '../../helpers/decided-alarm.js'
import { drained, freePort, MOSQUITTO, PrivateBroker, sleep, startRig, Subscriber, zmesConfig, type Rig } from './support.js'
import type { ZmesMqtt } from '../../../src/config/zmes/zmes-schema.js'

/*
 * Login against a private Mosquitto that refuses anonymous clients: username and password both
 * set log in; a wrong password is refused, logged once, and never written to a log line.
 */

const PASSWD = '/usr/bin/mosquitto_passwd'
const usable = existsSync(MOSQUITTO) && existsSync(PASSWD)
if (!usable) console.error(`\n*** ${MOSQUITTO} or ${PASSWD} is missing: the MQTT login tests are SKIPPED\n`)

const PASSWORD = 'pa55-Wörd:with spaces'

describe('MQTT login', { skip: !usable }, () => {
  let broker: PrivateBroker
  let dir: string
  const rigs: Rig[] = []
  const lines: string[] = []
  const logger = pino({ level: 'debug' }, new Writable({ write (chunk: Buffer, _enc, done) { lines.push(chunk.toString()); done() } }))

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'herald-mqtt-passwd-'))
    const file = join(dir, 'passwd')
    execFileSync(PASSWD, ['-c', '-b', file, 'herald', PASSWORD], { stdio: 'ignore' })
    execFileSync(PASSWD, ['-b', file, 'reader', 'reader-pw'], { stdio: 'ignore' })
    // Mosquitto started as root reads it as its own user.
    chmodSync(dir, 0o755)
    chmodSync(file, 0o644)
    broker = new PrivateBroker(await freePort(), [`password_file ${file}`], false)
    await broker.start()
  })

  after(async () => {
    for (const r of rigs) await r.close()
    await broker?.dispose()
    rmSync(dir, { recursive: true, force: true })
  })

  async function rig (mqtt: Partial<ZmesMqtt>): Promise<Rig> {
    const r = await startRig({ logger, config: zmesConfig({ mqtt: { enable: true, server: `127.0.0.1:${broker.port}`, topic: 'zm', herald_topic: 'h', ...mqtt } }) })
    rigs.push(r)
    return r
  }

  test('username and password both set: logged in, messages go out', async () => {
    const sub = await Subscriber.open('zm/#', broker.port, { username: 'reader', password: 'reader-pw' })
    try {
      const r = await rig({ username: 'herald', password: PASSWORD })
      await r.connected()
      await r.ingest(decidedAlarmEvent({ seq: 1, eventId: 1 }))
      assert.equal((await sub.waitFor(1))[0]?.topic, 'zm/3')
      await drained(r)
    } finally {
      await sub.close()
    }
  })

  test('a wrong password is refused and logged once, with the reason and without the password', async () => {
    lines.length = 0
    const r = await rig({ username: 'herald', password: `${PASSWORD}-wrong` })
    await sleep(450)
    assert.equal(r.channel.connected(), false)
    const errors = lines.filter((l) => l.includes('"level":50'))
    assert.equal(errors.length, 1, 'one error line, however often the client retries')
    assert.match(errors[0] ?? '', /Not authorized/)
    assert.ok(lines.length > 0)
    for (const l of lines) assert.ok(!l.includes(PASSWORD), `a log line holds the password: ${l}`)
  })

  test('a password without a username connects anonymously (refused here), and warns at start', async () => {
    lines.length = 0
    const r = await rig({ password: PASSWORD })
    await sleep(200)
    assert.equal(r.channel.connected(), false)
    assert.ok(lines.some((l) => l.includes('[mqtt] password is set but username is not')))
    for (const l of lines) assert.ok(!l.includes(PASSWORD))
  })
})
