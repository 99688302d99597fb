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
 *
 * SQLite no longer writes `sending`: claim only reads (one process owns the file and the engine
 * sends one batch per lane at a time), keeps the in-flight batch in memory and shows it as
 * `sending` in the API; the outcome is the one write per attempt. The state stays for PostgreSQL,
 * whose workers must claim with a write and a lease, and for rows an older Herald left behind.
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
