import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { ForbiddenError, UnauthorizedError } from '../errors.js'
import type { Store } from '../store/store.js'

const SETTING = 'admin_token_sha256'

function digest (token: string): Buffer {
  return createHash('sha256').update(token).digest()
}

/**
 * The admin token. From the config when set; otherwise generated on first start and only its
 * hash kept, so the token itself is shown exactly once.
 */
export class AdminAuth {
  readonly #hash: Buffer
  /** The last token that matched the admin hash. */
  #lastGood: Buffer | undefined

  private constructor (hash: Buffer) {
    this.#hash = hash
  }

  static async init (store: Store, configured: string): Promise<{ auth: AdminAuth, generated: string | undefined }> {
    if (configured !== '') return { auth: new AdminAuth(digest(configured)), generated: undefined }
    const stored = await store.getSetting(SETTING)
    if (stored !== undefined) return { auth: new AdminAuth(Buffer.from(stored, 'hex')), generated: undefined }
    const token = randomBytes(24).toString('base64url')
    await store.setSetting(SETTING, digest(token).toString('hex'))
    return { auth: new AdminAuth(digest(token)), generated: token }
  }

  /** `Authorization: Token <t>` (FindFace) or `Bearer <t>`; `extra` is another accepted token. */
  check (header: string | undefined, extra?: Buffer): void {
    if (header === undefined || header.trim() === '') throw new UnauthorizedError('authentication required: send Authorization: Token <admin token>')
    const match = /^(?:Token|Bearer)\s+(\S+)\s*$/i.exec(header)
    if (match === null) throw new UnauthorizedError('malformed Authorization header: expected "Token <admin token>"')
    const token = match[1] as string
    // Every ingest request carries the same token: the last one that matched is kept and compared
    // in constant time (timingSafeEqual, not ===, which would leak it byte by byte through timing),
    // so a createHash per request is only paid for a new or wrong token. Only the length can leak.
    const raw = Buffer.from(token)
    const last = this.#lastGood
    if (last !== undefined && last.length === raw.length && timingSafeEqual(raw, last)) return
    const given = digest(token)
    if (timingSafeEqual(given, this.#hash)) {
      this.#lastGood = raw
      return
    }
    if (extra !== undefined && timingSafeEqual(given, extra)) return
    throw new ForbiddenError('invalid token')
  }

  readonly preHandler = async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    this.check(request.headers.authorization)
  }

  /** Accepts the admin token or `token` (when not empty). */
  alsoAccepting (token: string): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
    if (token === '') return this.preHandler
    const extra = digest(token)
    return async (request) => { this.check(request.headers.authorization, extra) }
  }
}
