import type { ClaimedBatch } from '../store/store.js'

/**
 * What a channel tells the engine about one attempt. Channels classify; only the engine turns an
 * outcome into a schedule (retry-policy.ts).
 */
export type Outcome =
  | { readonly kind: 'delivered', readonly statusCode: number | null, readonly latencyMs: number }
  | {
    readonly kind: 'retry'
    readonly error: string
    readonly statusCode: number | null
    readonly latencyMs: number | null
    /** The receiver asked for this delay (Retry-After); the engine caps it. */
    readonly retryAfterMs?: number
  }
  | { readonly kind: 'permanent', readonly error: string, readonly statusCode: number | null, readonly latencyMs: number | null }

export type TargetState =
  | {
    readonly kind: 'ready'
    readonly batchSize: number
    /** 0 = unlimited */
    readonly maxAttempts: number
    /** Batches sent before the first is answered. @defaultValue 1 (one at a time) */
    readonly maxInFlight?: number
  }
  /** The recipient exists but must not be sent to now (an inactive webhook); its queue waits. */
  | { readonly kind: 'paused' }
  /** The recipient is gone; its queue is dropped. */
  | { readonly kind: 'gone' }

export interface BatchDescription {
  /** Log prefix, e.g. `Webhook(id=6) worker(type=face_events)`. */
  readonly worker: string
  /** What is being sent, for `Error sending <noun>`. */
  readonly noun: string
}

/** Every channel (webhooks now; WebSocket, FCM, MQTT, push scripts next) has this shape. */
export interface Channel {
  readonly name: string
  /**
   * Lanes that come and go (one per alarm, one per push token): the engine forgets such a lane
   * once it is empty, so memory and metric series do not grow with every recipient ever seen.
   */
  readonly transientLanes?: boolean
  /** The target as logs may show it, when the target itself is a secret (a push token). */
  displayTarget? (target: string): string
  target (target: string): TargetState
  describe (batch: ClaimedBatch): BatchDescription
  deliver (batch: ClaimedBatch, signal: AbortSignal): Promise<Outcome>
}

/** Deliver as a composable function, so cross-cutting concerns wrap it (undici-style interceptors). */
export type Deliver = (batch: ClaimedBatch, signal: AbortSignal) => Promise<Outcome>
export type Interceptor = (next: Deliver) => Deliver

export function compose (...interceptors: Interceptor[]): (deliver: Deliver) => Deliver {
  return (deliver) => interceptors.reduceRight((next, wrap) => wrap(next), deliver)
}

export function laneOf (channel: string, target: string): string {
  return `${channel}:${target}`
}

export function channelOfLane (lane: string): string {
  const i = lane.indexOf(':')
  return i === -1 ? lane : lane.slice(0, i)
}
