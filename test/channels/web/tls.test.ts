import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { hasOpenssl, makeSelfSigned } from '../../helpers/self-signed.js'
import { Client, ESCONTROL_PASSWORD, USER, PASSWORD, alarm, login, raise, startEventHerald } from './support.js'

/*
 * [network] address and [ssl]: TLS with a self-signed certificate made by openssl here, the
 * address honoured with and without TLS (quirk 5 fixed), and what happens without a certificate.
 */


/** Refused when nothing listens there: 127.0.0.2 is loopback too, so a server on all addresses would answer. */
async function reachable (host: string, port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const s = connect(port, host)
    s.once('connect', () => { s.destroy(); resolve(true) })
    s.once('error', () => resolve(false))
  })
}

describe('TLS', { skip: hasOpenssl() ? false : 'no openssl binary to make a certificate' }, () => {
  let dir: string
  let cert: string
  let key: string
  const makeCertificate = (name: string): { cert: string, key: string } => makeSelfSigned(dir, name)

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'herald-tls-'))
    ;({ cert, key } = makeCertificate('first'))
  })
  after(() => { rmSync(dir, { recursive: true, force: true }) })

  test('with [ssl] enable, cert and key, zmNinja logs in over wss:// and gets alarms; the address is honoured', async () => {
    const h = await startEventHerald({ ini: { ssl: { enable: 'yes', cert, key } } })
    try {
      assert.match(h.url, /^wss:\/\/127\.0\.0\.1:\d+$/)
      const c = await Client.connect(h.url, { ca: readFileSync(cert) })
      c.send({ event: 'auth', data: { user: USER, password: PASSWORD, appversion: '1.6.009' } })
      assert.equal((await c.next()).status, 'Success')
      await raise(h, alarm(2, 1, 'start'))
      assert.equal((await c.next()).events[0].MonitorId, '2')
      const port = Number(new URL(h.url).port)
      assert.equal(await reachable('127.0.0.2', port), false, 'not listening on other addresses')
      c.close()
    } finally {
      await h.close()
    }
  })

  test('escontrol restart swaps in a renewed certificate without dropping connected clients', async () => {
    const escontrol = { general: { use_escontrol_interface: 'yes', escontrol_interface_password: ESCONTROL_PASSWORD } }
    const h = await startEventHerald({ ini: { ...escontrol, ssl: { enable: 'yes', cert, key } } })
    try {
      const user = await Client.connect(h.url, { ca: readFileSync(cert) })
      user.send({ event: 'auth', data: { user: USER, password: PASSWORD } })
      assert.equal((await user.next()).status, 'Success')
      const renewed = makeCertificate('renewed')
      h.writeIni({ ...escontrol, ssl: { enable: 'yes', cert: renewed.cert, key: renewed.key } })
      const admin = await Client.connect(h.url, { ca: readFileSync(cert) })
      admin.send({ event: 'auth', category: 'escontrol', data: { password: ESCONTROL_PASSWORD } })
      assert.equal((await admin.next()).status, 'Success')
      admin.send({ event: 'escontrol', data: { command: 'restart' } })
      assert.equal((await admin.next()).status, 'Success')
      await admin.drain()
      const after = await Client.connect(h.url, { ca: readFileSync(renewed.cert) })
      after.close()
      await assert.rejects(Client.connect(h.url, { ca: readFileSync(cert) }), /certificate/, 'the old certificate is no longer served')
      assert.deepEqual(await user.drain(), [], 'the client connected before is still there')
      user.close()
      admin.close()
    } finally {
      await h.close()
    }
  })

  test('[ssl] enable = yes written in the file without cert or key is a clear startup error', async () => {
    await assert.rejects(startEventHerald({ ini: { ssl: { enable: 'yes' } } }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'HRD_ERR_CONFIG_INVALID')
      assert.match(err.message, /\[ssl\] enable: TLS is on but \[ssl\] cert and key are not set/)
      return true
    })
  })

  test('an unreadable certificate file is a clear startup error naming it', async () => {
    await assert.rejects(startEventHerald({ ini: { ssl: { enable: 'yes', cert: join(dir, 'missing.pem'), key } } }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'HRD_ERR_CONFIG_INVALID')
      assert.match(err.message, /\[ssl\] cert: cannot read .*missing\.pem: file does not exist/)
      return true
    })
  })
})

describe('without TLS', () => {
  test('the built-in default [ssl] enable = yes without a certificate serves plain ws:// and warns', async () => {
    const h = await startEventHerald({ base: { network: { address: '127.0.0.1', port: '0' } } })
    try {
      assert.match(h.url, /^ws:\/\//)
      assert.ok(h.logs.some((l) => l.level === 40 && /\[ssl\] enable defaults to yes/.test(l.msg)))
      const c = await login(h.url)
      c.close()
    } finally {
      await h.close()
    }
  })

  test('[network] address is honoured without TLS too (zmES bound every address, quirk 5)', async () => {
    const h = await startEventHerald()
    try {
      const port = Number(new URL(h.url).port)
      assert.equal(await reachable('127.0.0.1', port), true)
      assert.equal(await reachable('127.0.0.2', port), false)
    } finally {
      await h.close()
    }
  })

  test('the address may be written with brackets, as zmES writes [::]', async () => {
    const h = await startEventHerald({ base: { network: { address: '[127.0.0.1]', port: '0' }, ssl: { enable: 'no' } } })
    try {
      assert.match(h.url, /^ws:\/\/127\.0\.0\.1:/)
    } finally {
      await h.close()
    }
  })
})
