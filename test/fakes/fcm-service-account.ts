import { generateKeyPairSync, type KeyObject, createPublicKey } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** A Firebase service account made up for a test run: its key pair is generated here, never committed. */
export interface TestServiceAccount {
  readonly projectId: string
  readonly clientEmail: string
  readonly keyId: string
  readonly privateKeyPem: string
  readonly publicKey: KeyObject
}

/** RSA 2048 as Google issues them (PKCS#8 PEM); about 50–200 ms, so make one per test file. */
export function makeServiceAccount (projectId = 'herald-test'): TestServiceAccount {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' }
  })
  return {
    projectId,
    clientEmail: `herald-push@${projectId}.iam.gserviceaccount.com`,
    keyId: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
    privateKeyPem: privateKey,
    publicKey: createPublicKey(publicKey)
  }
}

/** Writes the account as the Firebase console's JSON download, with `token_uri` pointing at the fake. */
export function writeServiceAccountFile (dir: string, account: TestServiceAccount, tokenUri: string, name = 'service-account.json'): string {
  const file = join(dir, name)
  writeFileSync(file, JSON.stringify({
    type: 'service_account',
    project_id: account.projectId,
    private_key_id: account.keyId,
    private_key: account.privateKeyPem,
    client_email: account.clientEmail,
    client_id: '100000000000000000001',
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: tokenUri,
    auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
    client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(account.clientEmail)}`,
    universe_domain: 'googleapis.com'
  }, null, 2))
  return file
}
