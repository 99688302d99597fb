import { createPrivateKey, type KeyObject } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { ConfigError, toError } from '../../errors.js'

/** The fields of a Firebase service-account JSON (Firebase console → Project settings → Service accounts) Herald uses. */
export interface ServiceAccount {
  readonly projectId: string
  readonly clientEmail: string
  /** `private_key_id`, sent as the JWT's `kid`; Google finds the key without it too. */
  readonly keyId: string | undefined
  readonly tokenUri: string
  readonly privateKey: KeyObject
}

const FIELD = 'fcm.fcm_service_account_file'
export const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token'

/**
 * Reads and checks the service-account file once, at start: a missing file, bad JSON, a missing
 * field or a key that is not an RSA private key stops Herald with one message that says which,
 * instead of failing every push later. The key never appears in a message.
 */
export async function loadServiceAccount (path: string): Promise<ServiceAccount> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    const code = (toError(err) as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : toError(err).message
    throw problem(`cannot read the service-account file ${path}: ${why}`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw problem(`${path} is not JSON; download the service-account key again (Firebase console → Project settings → Service accounts → Generate new private key)`)
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw problem(`${path} is not a JSON object`)
  const o = json as Record<string, unknown>
  if (o.type !== undefined && o.type !== 'service_account') throw problem(`${path} has "type": ${JSON.stringify(o.type)}; a service-account key has "service_account"`)
  const missing = ['project_id', 'client_email', 'private_key'].filter((k) => typeof o[k] !== 'string' || o[k] === '')
  if (missing.length > 0) throw problem(`${path} lacks ${missing.join(', ')}; is it a service-account key?`)
  const tokenUri = o.token_uri === undefined ? GOOGLE_TOKEN_URI : o.token_uri
  if (typeof tokenUri !== 'string' || !isHttpUrl(tokenUri)) throw problem(`${path}: token_uri must be an http(s) URL`)
  let privateKey: KeyObject
  try {
    privateKey = createPrivateKey(o.private_key as string)
  } catch {
    throw problem(`${path}: private_key is not a PEM private key`)
  }
  if (privateKey.asymmetricKeyType !== 'rsa') throw problem(`${path}: private_key must be an RSA key (RS256)`)
  return {
    projectId: o.project_id as string,
    clientEmail: o.client_email as string,
    keyId: typeof o.private_key_id === 'string' && o.private_key_id !== '' ? o.private_key_id : undefined,
    tokenUri,
    privateKey
  }
}

export function isHttpUrl (value: string): boolean {
  try {
    const url = new URL(value)
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== ''
  } catch {
    return false
  }
}

function problem (message: string): ConfigError {
  return new ConfigError([{ field: FIELD, message }])
}
