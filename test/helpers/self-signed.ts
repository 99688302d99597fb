import { execFileSync } from 'node:child_process'
import { join } from 'node:path'

/** Whether an `openssl` binary is there to make test certificates. */
export function hasOpenssl (): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** A self-signed EC certificate for 127.0.0.1 and localhost, valid one day: the paths of its PEM files in `dir`. */
export function makeSelfSigned (dir: string, name: string): { cert: string, key: string } {
  const files = { cert: join(dir, `${name}-cert.pem`), key: join(dir, `${name}-key.pem`) }
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', files.key, '-out', files.cert, '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'
  ], { stdio: 'ignore' })
  return files
}
