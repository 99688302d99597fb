import type { Logger } from 'pino'
import type { EngineEvents } from '../delivery/engine-events.js'

/**
 * Log lines in the shape of FindFace's journal, as pino fields plus a message:
 *   Webhook(id=6) worker(type=face_events) <queue: 0> Sent batch(len-1, type-"face_events"): ['4355024961160384430']
 *   Webhook(id=6) worker(type=face_events) <queue: 0> Error sending webhook: Cannot connect to host … Attempt 1 out of 10. Next attempt in 0.270 seconds.
 */
export function logDeliveries (events: EngineEvents, log: Logger, shown: (channel: string, target: string) => string = (_c, t) => t): void {
  const laneShown = (lane: string): string => {
    const i = lane.indexOf(':')
    return i === -1 ? lane : `${lane.slice(0, i + 1)}${shown(lane.slice(0, i), lane.slice(i + 1))}`
  }
  events.on('delivery:sent', ({ batch, describe, queue, outcome }) => {
    // Fires for every delivered batch; at the default `warn` level the line (and the id list it
    // joins, up to batch_size ids) is not built at all.
    if (!log.isLevelEnabled('info')) return
    const ids = batch.items.map((i) => `'${i.event.id}'`).join(', ')
    log.info({
      channel: batch.channel, target: shown(batch.channel, batch.target), section: batch.group, queue, messageId: batch.messageId,
      items: batch.items.length, attempt: batch.attempt, statusCode: outcome.kind === 'delivered' ? outcome.statusCode : null
    }, `${describe.worker} <queue: ${queue}> Sent batch(len-${batch.items.length}, type-"${batch.group}"): [${ids}]`)
  })
  events.on('delivery:retry', ({ batch, describe, queue, outcome, delayMs, maxAttempts }) => {
    if (!log.isLevelEnabled('warn')) return
    const error = outcome.kind === 'delivered' ? '' : outcome.error
    log.warn({
      channel: batch.channel, target: shown(batch.channel, batch.target), section: batch.group, queue, messageId: batch.messageId,
      attempt: batch.attempt, maxAttempts, delayMs, error
    }, `${describe.worker} <queue: ${queue}> Error sending ${describe.noun}: ${error}. Attempt ${batch.attempt} out of ${maxAttempts === 0 ? 'unlimited' : maxAttempts}. Next attempt in ${(delayMs / 1000).toFixed(3)} seconds.`)
  })
  events.on('delivery:failed', ({ batch, describe, queue, outcome, maxAttempts }) => {
    const error = outcome.kind === 'delivered' ? '' : outcome.error
    const ids = batch.items.map((i) => `'${i.event.id}'`).join(', ')
    log.error({
      channel: batch.channel, target: shown(batch.channel, batch.target), section: batch.group, queue, messageId: batch.messageId,
      attempt: batch.attempt, maxAttempts, error
    }, `${describe.worker} <queue: ${queue}> Error sending ${describe.noun}: ${error}. Attempt ${batch.attempt} out of ${maxAttempts === 0 ? 'unlimited' : maxAttempts}. Dropping batch(len-${batch.items.length}, type-"${batch.group}"): [${ids}]`)
  })
  events.on('lane:error', ({ lane, error, retryInMs }) => {
    log.error({ lane: laneShown(lane), err: error, retryInMs }, `${laneShown(lane)}: delivery engine error: ${error.message}. Trying again in ${(retryInMs / 1000).toFixed(3)} seconds.`)
  })
  events.on('lane:dropped', ({ lane, deliveries }) => {
    if (deliveries > 0) log.info({ lane: laneShown(lane), deliveries }, `Dropped ${deliveries} queued deliveries of ${laneShown(lane)}`)
  })
}
