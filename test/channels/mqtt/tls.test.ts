import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decidedAlarmEvent } from '../../helpers/decided-alarm.js'
import { drained, freePort, MOSQUITTO, PrivateBroker, sleep, startRig, Subscriber, zmesConfig, type Rig } from './support.js'
import type { ZmesMqtt } from '../../../src/config/zmes/zmes-schema.js'

/*
 * TLS against a private Mosquitto with certificates made for the test by openssl: a CA alone is
 * enough (no username, quirk 13 fixed), a client certificate works where the broker requires one,
 * and a broker whose certificate the CA did not sign is refused unless tls_insecure.
 */

const usable = existsSync(MOSQUITTO) && existsSync('/usr/bin/openssl')
if (!usable) console.error(`\n*** ${MOSQUITTO} or openssl is missing: the MQTT TLS tests are SKIPPED\n`)

interface Pki { ca: string, otherCa: string, client: string, clientKey: string }

/** A CA, a server certificate for 127.0.0.1, a client certificate, and an unrelated second CA. */
function makePki (dir: string): Pki {
  const ssl = (...args: string[]): void => { execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' }) }
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=herald-test-ca')
  ssl('req', '-x509', ...ec, '-keyout', 'other-ca.key', '-out', 'other-ca.pem', '-days', '1', '-subj', '/CN=someone-else')
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n')
  ssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1')
  ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '1', '-extfile', 'server.ext')
  ssl('req', ...ec, '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=herald')
  ssl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.pem', '-days', '1')
  // Mosquitto started as root drops to its own user before it reads some of these.
  chmodSync(dir, 0o755)
  for (const f of ['ca.pem', 'server.pem', 'server.key']) chmodSync(join(dir, f), 0o644)
  return { ca: join(dir, 'ca.pem'), otherCa: join(dir, 'other-ca.pem'), client: join(dir, 'client.pem'), clientKey: join(dir, 'client.key') }
}

describe('MQTT over TLS', { skip: !usable }, () => {
  let broker: PrivateBroker
  let pki: Pki
  let pkiDir: string
  /** A second listener that requires a client certificate. */
  let mutualPort: number
  const rigs: Rig[] = []

  before(async () => {
    pkiDir = mkdtempSync(join(tmpdir(), 'herald-mqtt-pki-'))
    pki = makePki(pkiDir)
    const files = [`cafile ${pki.ca}`, `certfile ${join(pkiDir, 'server.pem')}`, `keyfile ${join(pkiDir, 'server.key')}`]
    mutualPort = await freePort()
    broker = new PrivateBroker(await freePort(), [...files, `listener ${mutualPort} 127.0.0.1`, ...files, 'require_certificate true'])
    await broker.start()
  })

  after(async () => {
    for (const r of rigs) await r.close()
    await broker?.dispose()
    rmSync(pkiDir, { recursive: true, force: true })
  })

  async function rig (mqtt: Partial<ZmesMqtt>, port = broker.port): Promise<Rig> {
    const r = await startRig({ config: zmesConfig({ mqtt: { enable: true, server: `127.0.0.1:${port}`, topic: 'zm', herald_topic: '', ...mqtt } }) })
    rigs.push(r)
    return r
  }

  test('tls_ca alone: a verified TLS connection without username or password', async () => {
    const sub = await Subscriber.open('zm/#', broker.port, { protocol: 'mqtts', ca: readFileSync(pki.ca) })
    try {
      const r = await rig({ tls_ca: pki.ca })
      await r.connected()
      await r.ingest(decidedAlarmEvent({ seq: 1, eventId: 10 }))
      const [m] = await sub.waitFor(1)
      assert.equal(m?.topic, 'zm/3')
      await drained(r)
    } finally {
      await sub.close()
    }
  })

  test('where the broker requires a client certificate, tls_cert and tls_key get in and the CA alone does not', async () => {
    const mutual = await rig({ tls_ca: pki.ca, tls_cert: pki.client, tls_key: pki.clientKey }, mutualPort)
    const without = await rig({ tls_ca: pki.ca }, mutualPort)
    await mutual.connected()
    await sleep(200)
    assert.equal(without.channel.connected(), false)
  })

  test('a broker certificate the CA did not sign is refused; tls_insecure accepts it', async () => {
    const refused = await rig({ tls_ca: pki.otherCa })
    await sleep(300)
    assert.equal(refused.channel.connected(), false)
    const insecure = await rig({ tls_ca: pki.otherCa, tls_insecure: true })
    await insecure.connected()
  })
})
