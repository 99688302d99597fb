/**
 * A delivery is one event for one recipient. Its life:
 *
 *   pending ──claim──▶ sending ──markDelivered──▶ delivered
 *      ▲                  │
 *      └──scheduleRetry───┤
 *                         └──markFailed──▶ failed   (attempts exhausted)
 *
 * `sending` rows left behind by a crash are returned to `pending` by releaseInFlight at start
 * (SQLite: one process owns the file) or by the lease sweeper (PostgreSQL, several workers).
 */
export const DELIVERY_STATES = ['pending', 'sending', 'delivered', 'failed'] as const
export type DeliveryState = typeof DELIVERY_STATES[number]

export function isFinished (state: DeliveryState): boolean {
  switch (state) {
    case 'delivered':
    case 'failed':
      return true
    case 'pending':
    case 'sending':
      return false
    default: {
      const never: never = state
      throw new Error(`unknown delivery state ${String(never)}`)
    }
  }
}
