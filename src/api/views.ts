import { ValidationError } from '../errors.js'
import type { Delivery } from '../store/store.js'

export function parseId (params: unknown, name = 'id'): number {
  const raw = (params as Record<string, string | undefined>)[name]
  const id = Number(raw)
  if (raw === undefined || !/^\d{1,16}$/.test(raw) || !Number.isSafeInteger(id) || id < 1) {
    throw new ValidationError([{ field: name, message: 'must be a positive integer' }])
  }
  return id
}

/**
 * One query parameter as a string. A repeated parameter (`?ordering=id&ordering=name`) arrives
 * as an array; naming it beats guessing which one was meant.
 */
export function queryParam (query: unknown, name: string): string | undefined {
  const value = (query as Record<string, unknown> | undefined)?.[name]
  if (value === undefined || typeof value === 'string') return value
  throw new ValidationError([{ field: name, message: 'give this parameter once' }])
}

/** `id_in=1,2` or `id_in=1&id_in=2` (FindFace sends either): positive integer ids. */
export function parseIdList (query: unknown, name: string): Set<number> | undefined {
  const value = (query as Record<string, unknown> | undefined)?.[name]
  if (value === undefined) return undefined
  const parts = (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(','))
  const ids = new Set<number>()
  for (const part of parts) {
    const raw = part.trim()
    const id = Number(raw)
    if (!/^\d{1,16}$/.test(raw) || !Number.isSafeInteger(id) || id < 1) {
      throw new ValidationError([{ field: name, message: 'must be a comma-separated list of positive integer ids' }])
    }
    ids.add(id)
  }
  return ids
}

export function parseLimit (raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined) return fallback
  const n = Number(raw)
  if (!/^\d+$/.test(raw) || n < 1 || n > max) throw new ValidationError([{ field: 'limit', message: `must be an integer from 1 to ${max}` }])
  return n
}

const DELIVERY_STATES = ['pending', 'sending', 'delivered', 'failed'] as const

export interface DeliveryPageQuery {
  readonly limit: number
  readonly before: number | undefined
  readonly status: typeof DELIVERY_STATES[number] | undefined
  /** `&before=` of the next page, with the same filters. */
  next (before: number | null): string | null
}

/** `limit`, `before` (a delivery id) and `status` of an attempt-log query. */
export function parseDeliveryPage (query: unknown, path: string): DeliveryPageQuery {
  const q = { limit: queryParam(query, 'limit'), before: queryParam(query, 'before'), status: queryParam(query, 'status') }
  const limit = parseLimit(q.limit, 50, 1000)
  let before: number | undefined
  if (q.before !== undefined) {
    before = Number(q.before)
    if (!/^\d{1,16}$/.test(q.before) || !Number.isSafeInteger(before) || before < 1) throw new ValidationError([{ field: 'before', message: 'must be a delivery id' }])
  }
  if (q.status !== undefined && !(DELIVERY_STATES as readonly string[]).includes(q.status)) {
    throw new ValidationError([{ field: 'status', message: `must be one of ${DELIVERY_STATES.join(', ')}` }])
  }
  const status = q.status as DeliveryPageQuery['status']
  const sep = path.includes('?') ? '&' : '?'
  return {
    limit,
    before,
    status,
    next: (next) => next === null ? null : `${path}${sep}limit=${limit}&before=${next}${status !== undefined ? `&status=${status}` : ''}`
  }
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())

/** One row of the attempt log as the API shows it. */
export function deliveryView (d: Delivery): Record<string, unknown> {
  return {
    id: d.id,
    status: d.state,
    event: { seq: d.eventSeq, type: d.eventType, id: d.eventId },
    section: d.group,
    message_id: d.messageId,
    attempts: d.attempts,
    last_status_code: d.lastStatusCode,
    last_error: d.lastError,
    latency_ms: d.latencyMs === null ? null : Math.round(d.latencyMs * 100) / 100,
    next_attempt_at: iso(d.nextAttemptAt),
    created_at: iso(d.createdAt),
    updated_at: iso(d.updatedAt),
    delivered_at: iso(d.deliveredAt)
  }
}
