import { createHmac, randomBytes } from 'node:crypto'

/**
 * Standard Webhooks v1 (HMAC-SHA256) signing. The signed content is
 * `${webhook-id}.${webhook-timestamp}.${body}`, exactly the bytes sent.
 */
const PREFIX = 'whsec_'

export function generateSecret (): string {
  return PREFIX + randomBytes(32).toString('base64')
}

export function isValidSecret (secret: string): boolean {
  if (!secret.startsWith(PREFIX)) return false
  const key = Buffer.from(secret.slice(PREFIX.length), 'base64')
  return key.length >= 24 && key.length <= 64
}

/** One `v1,<sig>` per secret, space-separated: during a rotation both keys sign. */
export function signatureHeader (secrets: readonly string[], messageId: string, timestampSeconds: number, body: string): string {
  const content = `${messageId}.${timestampSeconds}.${body}`
  return secrets
    .map((secret) => {
      const key = Buffer.from(secret.slice(PREFIX.length), 'base64')
      return `v1,${createHmac('sha256', key).update(content).digest('base64')}`
    })
    .join(' ')
}
