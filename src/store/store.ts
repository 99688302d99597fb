import type { HeraldEvent, IncomingEvent, JsonObject } from '../events/event.js'
import type { DeliveryState } from '../delivery/states.js'
import type { WebhookFilters } from '../decision/filters/filter-schema.js'
import type { MonitorNotifyState, PushToken } from '../registry/contract.js'

/*
 * The store contract, in domain verbs. SQLite implements it now; PostgreSQL implements the same
 * contract later and runs the same conformance suite (test/store/contract.ts).
 */

/** Where one matched event must go: a channel, one of its recipients, and that recipient's FIFO. */
export interface Route {
  readonly channel: string
  readonly target: string
  /** FIFO unit: deliveries of one lane are sent in order, one batch at a time. */
  readonly lane: string
  /** Only deliveries of the same group may share a batch (for webhooks: the filter section). */
  readonly group: string
}

export interface IngestResult {
  readonly seq: number
  readonly key: string
  readonly duplicate: boolean
  /** Routes queued for this event (empty for a duplicate). */
  readonly routes: readonly Route[]
}

export interface Delivery {
  readonly id: number
  readonly channel: string
  readonly target: string
  readonly lane: string
  readonly group: string
  readonly eventSeq: number
  readonly eventType: string
  readonly eventId: string
  readonly state: DeliveryState
  readonly messageId: string | null
  readonly attempts: number
  readonly nextAttemptAt: number | null
  readonly lastStatusCode: number | null
  readonly lastError: string | null
  readonly latencyMs: number | null
  readonly createdAt: number
  readonly updatedAt: number
  readonly deliveredAt: number | null
}

export interface ClaimedItem {
  readonly deliveryId: number
  readonly event: HeraldEvent
}

export interface ClaimedBatch {
  /** Stable across retries of this batch: the idempotency key receivers see. */
  readonly messageId: string
  readonly channel: string
  readonly target: string
  readonly lane: string
  readonly group: string
  /** 1 for the first try of this batch. */
  readonly attempt: number
  readonly items: readonly ClaimedItem[]
}

export type ClaimResult =
  | { readonly kind: 'batch', readonly batch: ClaimedBatch }
  | { readonly kind: 'wait', readonly until: number }
  | { readonly kind: 'empty' }

export interface AttemptInfo {
  readonly statusCode: number | null
  readonly error: string | null
  readonly latencyMs: number | null
}

export interface DeliveryPage {
  readonly results: readonly Delivery[]
  readonly next: number | null
}

export interface WebhookRow {
  readonly id: number
  readonly name: string
  readonly active: boolean
  readonly url: string
  readonly batch_size: number
  readonly send_attempts: number
  readonly filters: WebhookFilters
  /** null: follow the server's `verbose_webhooks` setting. */
  readonly verbose: boolean | null
  /** Batches on the way at once (1–64); null: follow the server's `[webhooks] max_in_flight`. */
  readonly max_in_flight: number | null
  readonly secret: string | null
  readonly previous_secret: string | null
  readonly previous_secret_until: number | null
  readonly created_by: number | null
  readonly created_date: string
  readonly modified_date: string
}

export type NewWebhook = Omit<WebhookRow, 'id' | 'created_date' | 'modified_date'>
export type WebhookPatch = Partial<NewWebhook>

export const ENTITY_KINDS = ['camera', 'camera_group', 'watch_list', 'card'] as const
export type EntityKind = typeof ENTITY_KINDS[number]

export interface EntityRow {
  readonly kind: EntityKind
  readonly id: number
  /** The entity as the API shows it, `id` included. */
  readonly body: Readonly<JsonObject>
  readonly created_date: string
  readonly modified_date: string
}

/** A user of the event server's own user list; only a bcrypt hash of the password is kept. */
export interface UserRow {
  readonly name: string
  readonly passwordHash: string
  readonly createdAt: number
}

/** When the last start notification for a monitor went to a token (zmES `last_sent`). */
export interface LastSentRow {
  readonly recipient: string
  readonly monitorId: string
  readonly at: number
}

export interface Store {
  /** Creates or upgrades the schema; refuses a database written by a newer Herald. */
  migrate (): Promise<void>
  close (): Promise<void>

  getSetting (key: string): Promise<string | undefined>
  setSetting (key: string, value: string): Promise<void>

  /**
   * Stores events and queues their deliveries in one transaction. `route` is called once for each
   * event that is not a duplicate; what it returns is queued with the event, atomically.
   */
  ingest (events: readonly IncomingEvent[], route: (event: IncomingEvent) => readonly Route[], now: number): Promise<IngestResult[]>
  getEvent (seq: number): Promise<HeraldEvent | undefined>
  /** The event stored under an idempotency key (a decision looks up the decision of its alarm's start). */
  getEventByKey (key: string): Promise<HeraldEvent | undefined>

  /**
   * Claims the next batch of a lane: up to `maxItems` consecutive pending deliveries of one group.
   * With `maxInFlight` > 1, up to that many first tries of a lane may be in flight together (the
   * next batch starts after the last one claimed); a retry is only claimed alone, and after a
   * failure nothing new is claimed until the lane's other flights have landed. `empty` while
   * the lane may not start another batch.
   */
  claim (lane: string, maxItems: number, now: number, maxInFlight?: number): Promise<ClaimResult>
  markDelivered (messageId: string, info: AttemptInfo, now: number): Promise<void>
  scheduleRetry (messageId: string, nextAttemptAt: number, info: AttemptInfo, now: number): Promise<void>
  markFailed (messageId: string, info: AttemptInfo, now: number): Promise<void>
  /** Returns every in-flight delivery to pending (its message id and attempt count are kept). */
  releaseInFlight (): Promise<number>
  /**
   * Writes down the members and id of every batch of the lane that is in flight or answered but
   * not yet recorded, before its batch size grows: rebuilt after a crash at the new size, such a
   * batch would come back bigger under another id, which a receiver de-duplicating by id would
   * process twice.
   */
  pinInFlight (lane: string): Promise<void>
  /** Pending and in-flight deliveries per lane. */
  openByLane (): Promise<Map<string, number>>
  /** Makes a lane's waiting retry due now (its recipient was fixed or re-enabled). */
  expedite (lane: string): Promise<number>
  /** Deletes every unfinished delivery of a lane (a deleted recipient). */
  dropLane (lane: string): Promise<number>
  listDeliveries (channel: string, target: string, options: { limit: number, before?: number, state?: DeliveryState }): Promise<DeliveryPage>
  getDelivery (id: number): Promise<Delivery | undefined>
  /** Queues the delivery's event again at the tail of its lane, as a new delivery. */
  resend (id: number, now: number): Promise<Delivery>
  /**
   * Deletes finished deliveries and unreferenced events older than `before`, at most `limit` of
   * each per call (default: all), so a caller can prune in chunks without blocking for long.
   */
  prune (before: number, limit?: number): Promise<{ deliveries: number, events: number }>

  listWebhooks (): Promise<WebhookRow[]>
  getWebhook (id: number): Promise<WebhookRow | undefined>
  createWebhook (hook: NewWebhook, now: Date): Promise<WebhookRow>
  updateWebhook (id: number, patch: WebhookPatch, now: Date): Promise<WebhookRow | undefined>
  deleteWebhook (id: number): Promise<boolean>

  listEntities (kind: EntityKind): Promise<EntityRow[]>
  getEntity (kind: EntityKind, id: number): Promise<EntityRow | undefined>
  /**
   * Creates an entity; `id` undefined takes the next id of that kind (ids are never reused, so an
   * old event never shows a newer entity). Resolves undefined when the id is taken.
   */
  createEntity (kind: EntityKind, id: number | undefined, body: JsonObject, now: Date): Promise<EntityRow | undefined>
  /** Replaces an existing entity's body; undefined when it does not exist. */
  updateEntity (kind: EntityKind, id: number, body: JsonObject, now: Date): Promise<EntityRow | undefined>
  deleteEntity (kind: EntityKind, id: number): Promise<boolean>

  /** Users in name order. */
  listUsers (): Promise<UserRow[]>
  getUser (name: string): Promise<UserRow | undefined>
  /** Creates a user; false when the name is taken (that user is left as it was). */
  createUser (user: UserRow): Promise<boolean>
  deleteUser (name: string): Promise<boolean>

  /** Push tokens, oldest first. */
  listTokens (): Promise<PushToken[]>
  /** Creates or replaces tokens in one transaction, so a tokens.txt import is all or nothing. */
  putTokens (tokens: readonly PushToken[]): Promise<void>
  /** Deletes a token together with its throttle rows; false when it did not exist. */
  deleteToken (token: string): Promise<boolean>
  listLastSent (): Promise<LastSentRow[]>
  /** Creates or overwrites throttle rows in one transaction (an alarm marks many tokens at once). */
  putLastSent (rows: readonly LastSentRow[]): Promise<void>

  /** escontrol `edit` overrides, by key. */
  listOverrides (): Promise<Map<string, string>>
  putOverride (key: string, value: string): Promise<void>
  /** escontrol per-monitor states, by monitor id. */
  listMonitorStates (): Promise<Map<string, MonitorNotifyState>>
  /** Sets the state of each monitor given, in one transaction. */
  putMonitorStates (monitorIds: readonly string[], state: MonitorNotifyState): Promise<void>
  /** escontrol `reset`, atomically: deletes every override and sets every known monitor to 0. */
  resetControl (): Promise<void>
}
