import type { Dispatcher } from 'undici'
import type { Outcome } from '../../delivery/contract.js'
import type { TargetMessage } from './target-message.js'

export const SERVICES = ['ntfy', 'pushover', 'gotify', 'telegram', 'slack', 'discord', 'email'] as const
export type ServiceName = typeof SERVICES[number]

/** What a service needs to send: the HTTP pool, limits, and the time. */
export interface ServiceContext {
  readonly dispatcher: Dispatcher
  /** Per request (per SMTP session for e-mail). */
  readonly timeoutMs: number
  readonly userAgent: string
  readonly now: () => number
}

export interface SendContext extends ServiceContext {
  readonly signal: AbortSignal
  /**
   * Recipients (chat ids, topics) that already got this message in an earlier attempt of the same
   * batch. A service with several recipients skips them and adds each one it reaches, so a retry
   * after a partial failure does not notify the others twice (in memory: after a restart they may).
   */
  readonly done: Set<string>
}

export interface SendResult {
  readonly outcome: Outcome
  /**
   * Set when the answer means the target can never work as configured (a deleted webhook, a
   * revoked token, a blocked bot): the channel switches the target off and logs this reason.
   */
  readonly disable?: string
}

/** One configured target of one service, parsed from its URL. */
export interface ServiceTarget {
  readonly service: ServiceName
  /** The URL with every password and token replaced by `****`: safe for logs and the API. */
  readonly masked: string
  /** Strings that must never reach a log line or an attempt record. */
  readonly secrets: readonly string[]
  send (message: TargetMessage, ctx: SendContext): Promise<SendResult>
  /** Releases connections (SMTP). */
  close? (): Promise<void>
}

/** Replaces every secret in a text (an error message, an answer body) by `****`. */
export function redact (text: string, secrets: readonly string[]): string {
  let out = text
  for (const secret of secrets) {
    // A one-character "secret" would blank out half the text and protects nothing.
    if (secret.length >= 4) out = out.replaceAll(secret, '****')
  }
  return out
}
