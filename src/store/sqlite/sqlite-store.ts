import { hash } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import type { EventType, HeraldEvent, IncomingEvent, JsonObject, Transition } from '../../events/event.js'
import type { DeliveryState } from '../../delivery/states.js'
import { HeraldError, NotFoundError, StoreOpenError, ValidationError, toError } from '../../errors.js'
import type { MonitorNotifyState, PushToken } from '../../registry/contract.js'
import type {
  AttemptInfo, ClaimResult, ClaimedBatch, ClaimedItem, Delivery, DeliveryPage, EntityKind, EntityRow, IngestResult, LastSentRow,
  NewWebhook, Route, Store, UserRow, WebhookPatch, WebhookRow
} from '../store.js'
import { migrate } from './migrate.js'
import { RegistryTables } from './registry-tables.js'
import { WalCheckpointer } from './wal-checkpointer.js'

export interface SqliteStoreOptions {
  /** File path, or ':memory:'. */
  readonly file: string
  readonly synchronous?: 'normal' | 'full'
  /**
   * `background`: WAL checkpoints run on a worker thread, not inside a commit (wal-checkpointer.ts).
   * `inline`: SQLite's own automatic checkpoint. A file only; ':memory:' has no WAL. @defaultValue 'inline'
   */
  readonly walCheckpoint?: 'background' | 'inline'
  /** Told when a deferred write (retried) or a background checkpoint fails; nobody awaits those to hear it. */
  readonly onBackgroundError?: (err: Error) => void
  /**
   * Most queued deliveries claim keeps in memory over all lanes (~1 KB each with its event); 0
   * reads every batch from the table. @defaultValue 20000
   */
  readonly readAheadItems?: number
}

interface EventRecord { seq: number, key: string, type: string, id: string, transition: string | null, json: string, received_at: number }
interface DeliveryRecord {
  id: number, channel: string, target: string, lane: string, grp: string, event_seq: number, state: DeliveryState,
  message_id: string | null, attempts: number, next_attempt_at: number | null, last_status_code: number | null,
  last_error: string | null, latency_ms: number | null, created_at: number, updated_at: number, delivered_at: number | null,
  type?: string, event_id?: string
}
interface WebhookRecord {
  id: number, name: string, active: number, url: string, batch_size: number, send_attempts: number, filters: string,
  verbose: number | null, max_in_flight: number | null, secret: string | null, previous_secret: string | null, previous_secret_until: number | null,
  created_by: number | null, created_date: string, modified_date: string
}
interface EntityRecord { kind: string, id: number, body: string, created_date: string, modified_date: string }

/** `data` is parsed on first use: most deliveries send `json` as stored and never need it. */
function toEvent (r: EventRecord): HeraldEvent {
  let data: JsonObject | undefined
  return {
    seq: r.seq,
    type: r.type as EventType,
    id: r.id,
    key: r.key,
    transition: r.transition as Transition | null,
    get data () { return (data ??= JSON.parse(r.json) as JsonObject) },
    json: r.json,
    receivedAt: r.received_at
  }
}

/**
 * The event as ingest has just stored it, for the read-ahead. Only its JSON is kept (a third of
 * the parsed object's memory); `data` is parsed again on first use, as for a row read back.
 */
function storedEvent (e: IncomingEvent, seq: number, receivedAt: number): HeraldEvent {
  const json = e.json
  let data: JsonObject | undefined
  return {
    seq,
    type: e.type,
    id: e.id,
    key: e.key,
    transition: e.transition,
    get data () { return (data ??= JSON.parse(json) as JsonObject) },
    json,
    receivedAt
  }
}

function toDelivery (r: DeliveryRecord): Delivery {
  return {
    id: r.id,
    channel: r.channel,
    target: r.target,
    lane: r.lane,
    group: r.grp,
    eventSeq: r.event_seq,
    eventType: r.type ?? '',
    eventId: r.event_id ?? '',
    state: r.state,
    messageId: r.message_id,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastStatusCode: r.last_status_code,
    lastError: r.last_error,
    latencyMs: r.latency_ms,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    deliveredAt: r.delivered_at
  }
}

function toWebhook (r: WebhookRecord): WebhookRow {
  return {
    id: r.id,
    name: r.name,
    active: r.active === 1,
    url: r.url,
    batch_size: r.batch_size,
    send_attempts: r.send_attempts,
    filters: JSON.parse(r.filters) as WebhookRow['filters'],
    verbose: r.verbose === null ? null : r.verbose === 1,
    max_in_flight: r.max_in_flight,
    secret: r.secret,
    previous_secret: r.previous_secret,
    previous_secret_until: r.previous_secret_until,
    created_by: r.created_by,
    created_date: r.created_date,
    modified_date: r.modified_date
  }
}

function toEntity (r: EntityRecord): EntityRow {
  return { kind: r.kind as EntityKind, id: r.id, body: JSON.parse(r.body) as JsonObject, created_date: r.created_date, modified_date: r.modified_date }
}

const DELIVERY_COLUMNS = `d.id, d.channel, d.target, d.lane, d.grp, d.event_seq, d.state, d.message_id, d.attempts,
  d.next_attempt_at, d.last_status_code, d.last_error, d.latency_ms, d.created_at, d.updated_at, d.delivered_at,
  e.type, e.id AS event_id`

/**
 * The database, created with its folder if need be, in WAL mode. What SQLite or the file system
 * refuses (a data folder that is a file or not writable, a read-only or damaged file) becomes one
 * error naming the path: better-sqlite3's own ("file is not a database") names nothing.
 */
function openDatabase (file: string): Database.Database {
  let db: Database.Database | undefined
  try {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
    db = new Database(file, { timeout: BUSY_TIMEOUT_MS })
    if (file !== ':memory:') enableWal(db)
    return db
  } catch (err) {
    db?.close()
    throw new StoreOpenError(file, toError(err).message)
  }
}

/**
 * A first attempt writes nothing at claim time, so its id must come out the same when the run is
 * read again after a crash: it is derived from the run (lane, first and last delivery id, and the
 * head's creation time and event key). The last id makes a different run (batch_size changed
 * across a restart) a different id, so a receiver de-duplicating by id cannot drop the extra
 * events; creation time and key keep it unique even if SQLite reuses a deleted tail rowid.
 * Same `msg_` + 32 hex format as the random ids before.
 */
function deriveMessageId (lane: string, firstId: number, lastId: number, createdAt: number, eventKey: string): string {
  return `msg_${hash('sha256', `${lane}\0${firstId}\0${lastId}\0${createdAt}\0${eventKey}`, 'hex').slice(0, 32)}`
}

// Same WHERE as the partial index deliveries_lane_open: with `state = 'pending'` alone SQLite
// cannot prove the index applies and scans the whole table, finished rows included, on every
// claim (200k delivered rows kept for retention: 28 ms per claim, against 0.03 ms this way).
const HEAD_RUN_SQL = `SELECT d.id AS delivery_id, d.channel, d.target, d.grp, d.state, d.message_id, d.next_attempt_at,
  d.created_at AS d_created_at, d.updated_at AS d_updated_at, e.* FROM deliveries d JOIN events e ON e.seq = d.event_seq
  WHERE d.lane = ? AND d.state IN ('pending', 'sending') AND d.id > ? ORDER BY d.id`

type RetryRow = EventRecord & { delivery_id: number, channel: string, target: string, attempts: number, state: DeliveryState, message_id: string | null }

type RunRow = EventRecord & {
  delivery_id: number, channel: string, target: string, grp: string, state: DeliveryState, message_id: string | null,
  next_attempt_at: number | null, d_created_at: number, d_updated_at: number
}

/** A batch handed to the engine and not yet answered: kept in memory only (see claim). */
interface Flight {
  readonly messageId: string
  readonly lane: string
  /** Members are the open deliveries of the lane in [first, last]: a run is consecutive in its lane. */
  readonly first: number
  readonly last: number
  readonly attempt: number
  readonly count: number
  /** Its id is on its rows (a retry, or a first try claimed with room for more than one item). */
  pinned: boolean
}

/** A queued first try held in memory from its ingest on, so that claiming it reads nothing (see #ahead). */
interface AheadItem {
  readonly deliveryId: number
  readonly channel: string
  readonly target: string
  readonly group: string
  readonly createdAt: number
  readonly event: HeraldEvent
}

/** Claim's read-ahead for one lane (see #ahead). */
interface AheadLane {
  /** Queued first tries in lane order; those before `next` are claimed already. */
  items: AheadItem[]
  next: number
  /**
   * true: every open delivery of the lane that is not in flight nor landed is here, and ingest
   * appends what it commits. false: a run read from the table; the table has more after it.
   */
  complete: boolean
}

/**
 * Most queued deliveries held in memory for claim, over all lanes (the default of the
 * readAheadItems option), and most lanes held. Past them a lane's queue is read from the table
 * again (a backlog behind a slow receiver, a fan-out to many tokens); ~1 KB per item with its
 * event, so at most a few tens of MB.
 */
const AHEAD_MAX_ITEMS = 20_000
const AHEAD_MAX_LANES = 4096
/**
 * A claim that reads the table reads this many rows (or 4 batches, if more) and keeps the rest
 * for the next claims: a backlog (a receiver back after an outage) costs one read per 256 events
 * at batch_size 1 instead of one per event.
 */
const AHEAD_READ_ROWS = 256

/** A delivered batch whose outcome is known in memory and not yet written (see #land). */
interface Landed {
  readonly flight: Flight
  readonly info: AttemptInfo
  readonly now: number
}

/**
 * Longest a delivered outcome waits in memory before it is written. It bounds what a crash can
 * undo: batches delivered in the last few ms are sent again after a restart, under the same id.
 */
const OUTCOME_FLUSH_MS = 5

/** How long a connection waits for another one's lock before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000

/** SQLite's default: the writer checkpoints inside the commit that makes the WAL this long (4 MB). */
const INLINE_CHECKPOINT_FRAMES = 1000
/**
 * With the background checkpointer, the writer's own automatic checkpoint only as a backstop (the
 * thread stalled or gone): 80 MB of WAL. The file is cut back to 64 MB when it starts over.
 */
const BACKSTOP_CHECKPOINT_FRAMES = 20_000
const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024

/**
 * Switching a new file to WAL needs an exclusive lock, and SQLite answers SQLITE_BUSY at once,
 * without waiting in its busy handler, when another connection opens the same new file at that
 * moment (two Herald processes starting together). Retried here for as long as a lock wait lasts:
 * 4 connections opening each of 1,000 new files together failed 47 of 4,000 opens before, none after.
 */
function enableWal (db: Database.Database): void {
  const deadline = Date.now() + BUSY_TIMEOUT_MS
  const pause = new Int32Array(new SharedArrayBuffer(4))
  for (;;) {
    try {
      db.pragma('journal_mode = WAL')
      return
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw err
    }
    Atomics.wait(pause, 0, 0, 5)
  }
}

/**
 * The embedded store. better-sqlite3 is synchronous; every method does its work at once and
 * returns a settled promise so that the contract stays the one PostgreSQL will implement. The one
 * exception is markDelivered, whose write is deferred by a few ms and grouped (see there).
 * WAL mode lets readers (the API) run beside the single writer.
 */
export class SqliteStore implements Store {
  readonly #db: Database.Database
  readonly #stmt: ReturnType<SqliteStore['prepare']>
  readonly #registry: RegistryTables
  /** In-flight batches by lane (oldest first) and by message id. One process owns the file, so memory is enough. */
  readonly #flights = new Map<string, Flight[]>()
  readonly #flightsById = new Map<string, Flight>()
  /**
   * Lanes where a batch failed while later ones were still in flight: nothing new is claimed
   * until those have landed, and their outcomes are written at once, so that the claim cursor
   * (#landedUpTo) never passes the failed batch's rows.
   */
  readonly #disordered = new Set<string>()
  readonly #headRunByLimit = new Map<number, Database.Statement>()
  /**
   * Read-ahead of claim, per lane: the lane's next open deliveries, all first tries, in order,
   * so that claim takes them from here instead of reading the head run (the largest store cost of
   * a claim). Either complete (every open delivery of the lane that is not in flight nor landed;
   * ingest appends what it has just committed) from a claim that read the queue to its end, or a
   * run read from the table by a claim, the table holding more after it. Left on anything else
   * that changes the lane's rows (a retry, a failure, a drop, a resend, a restart).
   */
  readonly #ahead = new Map<string, AheadLane>()
  /** Items held in #ahead and not claimed yet, over all lanes, and the most there may be. */
  #aheadItems = 0
  readonly #aheadMaxItems: number
  /** Where the current prune pass (one `before`) has got to in the deliveries. */
  #pruned = { before: Number.NaN, deliveriesFrom: 0, full: false }
  /** Delivered outcomes not written yet, in landing order; and per lane the last delivery id they cover. */
  #landed: Landed[] = []
  readonly #landedUpTo = new Map<string, number>()
  #flushTimer: NodeJS.Timeout | undefined
  readonly #onBackgroundError: (err: Error) => void
  readonly #writeLanded: () => void
  /** Writes a first try's message id on its members (with the landed outcomes waiting): see claim. */
  readonly #pinTx: (messageId: string, lane: string, first: number, last: number) => void
  /** Also returns what to add to #ahead, applied only once the transaction has committed. */
  readonly #ingestTx: (events: readonly IncomingEvent[], route: (e: IncomingEvent) => readonly Route[], now: number) => { results: IngestResult[], ahead: Array<[string, AheadItem]> }
  readonly #checkpointer: WalCheckpointer | undefined

  constructor (options: SqliteStoreOptions) {
    this.#db = openDatabase(options.file)
    const synchronous = options.synchronous ?? 'normal'
    this.#onBackgroundError = options.onBackgroundError ?? (() => {})
    this.#aheadMaxItems = Math.max(0, options.readAheadItems ?? AHEAD_MAX_ITEMS)
    try {
      this.#db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`)
      migrate(this.#db)
    } catch (err) {
      this.#db.close()
      throw err instanceof HeraldError ? err : new StoreOpenError(options.file, toError(err).message)
    }
    if (options.file !== ':memory:' && options.walCheckpoint === 'background') {
      this.#db.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_FRAMES}`)
      this.#db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`)
      this.#checkpointer = new WalCheckpointer({
        file: options.file,
        synchronous,
        busyTimeoutMs: BUSY_TIMEOUT_MS,
        finish: () => { if (this.#db.open) this.#db.pragma('wal_checkpoint(PASSIVE)') },
        onError: this.#onBackgroundError,
        onExit: () => { if (this.#db.open) this.#db.pragma(`wal_autocheckpoint = ${INLINE_CHECKPOINT_FRAMES}`) }
      })
    }
    this.#stmt = this.prepare()
    this.#registry = new RegistryTables(this.#db)
    // Kept in memory until the transaction that writes them has committed (#forgetLanded).
    const writeLanded = (): void => {
      for (const { flight: f, info, now } of this.#landed) {
        this.#stmt.delivered.run(f.messageId, f.attempt, now, now, info.statusCode, info.error, info.latencyMs, f.lane, f.first, f.last)
      }
    }
    this.#writeLanded = this.#db.transaction(writeLanded)
    this.#pinTx = this.#db.transaction((messageId: string, lane: string, first: number, last: number) => {
      writeLanded()
      this.#stmt.pin.run(messageId, lane, first, last)
    })
    this.#ingestTx = this.#db.transaction((events, route, now) => {
      // Delivered outcomes waiting in memory ride along: one commit for both.
      writeLanded()
      const results: IngestResult[] = []
      const ahead: Array<[string, AheadItem]> = []
      for (const event of events) {
        const inserted = this.#stmt.insertEvent.get(event.key, event.type, event.id, event.transition, event.json, now) as { seq: number } | undefined
        if (inserted === undefined) {
          const existing = this.#stmt.eventSeqByKey.get(event.key) as { seq: number }
          results.push({ seq: existing.seq, key: event.key, duplicate: true, routes: [] })
          continue
        }
        const routes = route(event)
        if (routes.length > 0) {
          const stored = storedEvent(event, inserted.seq, now)
          for (const r of routes) {
            const deliveryId = Number(this.#stmt.enqueue.run(r.channel, r.target, r.lane, r.group, inserted.seq, now, now).lastInsertRowid)
            if (this.#ahead.get(r.lane)?.complete === true) ahead.push([r.lane, { deliveryId, channel: r.channel, target: r.target, group: r.group, createdAt: now, event: stored }])
          }
        }
        results.push({ seq: inserted.seq, key: event.key, duplicate: false, routes })
      }
      return { results, ahead }
    })
  }

  private prepare () {
    const db = this.#db
    return {
      insertEvent: db.prepare('INSERT INTO events (key, type, id, transition, json, received_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING RETURNING seq'),
      eventSeqByKey: db.prepare('SELECT seq FROM events WHERE key = ?'),
      eventBySeq: db.prepare('SELECT * FROM events WHERE seq = ?'),
      eventByKey: db.prepare('SELECT * FROM events WHERE key = ?'),
      enqueue: db.prepare("INSERT INTO deliveries (channel, target, lane, grp, event_seq, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)"),
      // A tried batch is a run at the head of its lane: read from the head on, stop at its end.
      retryItems: db.prepare(`SELECT d.id AS delivery_id, d.channel, d.target, d.attempts, d.state, d.message_id, e.* FROM deliveries d
        JOIN events e ON e.seq = d.event_seq WHERE d.lane = ? AND d.state IN ('pending', 'sending') AND d.id >= ? ORDER BY d.id`),
      // Outcome writes: the one write per attempt. They also persist the message id and the attempt
      // count, which a first attempt no longer writes at claim time.
      delivered: db.prepare(`UPDATE deliveries SET state = 'delivered', message_id = ?, attempts = ?, delivered_at = ?, updated_at = ?, last_status_code = ?,
        last_error = ?, latency_ms = ?, locked_at = NULL, next_attempt_at = NULL WHERE lane = ? AND id BETWEEN ? AND ? AND state IN ('pending', 'sending')`),
      pin: db.prepare(`UPDATE deliveries SET message_id = ? WHERE lane = ? AND id BETWEEN ? AND ? AND state IN ('pending', 'sending') AND message_id IS NULL`),
      reschedule: db.prepare("UPDATE deliveries SET next_attempt_at = ?, updated_at = ? WHERE lane = ? AND state = 'pending' AND message_id = ?"),
      retry: db.prepare(`UPDATE deliveries SET state = 'pending', message_id = ?, attempts = ?, next_attempt_at = ?, updated_at = ?, last_status_code = ?,
        last_error = ?, latency_ms = ?, locked_at = NULL WHERE lane = ? AND id BETWEEN ? AND ? AND state IN ('pending', 'sending')`),
      failed: db.prepare(`UPDATE deliveries SET state = 'failed', message_id = ?, attempts = ?, updated_at = ?, last_status_code = ?, last_error = ?,
        latency_ms = ?, locked_at = NULL, next_attempt_at = NULL WHERE lane = ? AND id BETWEEN ? AND ? AND state IN ('pending', 'sending')`),
      // The redundant IN lets the partial index serve this: open rows only, not the whole history.
      release: db.prepare("UPDATE deliveries SET state = 'pending', locked_at = NULL WHERE state IN ('pending', 'sending') AND state = 'sending'"),
      openByLane: db.prepare("SELECT lane, count(*) AS n FROM deliveries WHERE state IN ('pending', 'sending') GROUP BY lane"),
      expedite: db.prepare("UPDATE deliveries SET next_attempt_at = NULL WHERE lane = ? AND state = 'pending' AND next_attempt_at IS NOT NULL"),
      dropLane: db.prepare("DELETE FROM deliveries WHERE lane = ? AND state IN ('pending', 'sending')"),
      listDeliveries: db.prepare(`SELECT ${DELIVERY_COLUMNS} FROM deliveries d JOIN events e ON e.seq = d.event_seq
        WHERE d.channel = ? AND d.target = ? AND d.id < ? AND (? IS NULL OR d.state IN (?, ?)) ORDER BY d.id DESC LIMIT ?`),
      getDelivery: db.prepare(`SELECT ${DELIVERY_COLUMNS} FROM deliveries d JOIN events e ON e.seq = d.event_seq WHERE d.id = ?`),
      resend: db.prepare("INSERT INTO deliveries (channel, target, lane, grp, event_seq, state, created_at, updated_at) SELECT channel, target, lane, grp, event_seq, 'pending', ?, ? FROM deliveries WHERE id = ? RETURNING id"),
      // Prune reads a rowid range, [from, cutoff): no index on time (see #cutoff).
      pruneDeliveries: db.prepare(`DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE id >= ? AND id < ?
        AND state IN ('delivered', 'failed') AND updated_at < ? ORDER BY id LIMIT ?) RETURNING id`),
      firstDeliveryFrom: db.prepare('SELECT id, created_at AS t FROM deliveries WHERE id >= ? ORDER BY id LIMIT 1'),
      firstEventFrom: db.prepare('SELECT seq AS id, received_at AS t FROM events WHERE seq >= ? ORDER BY seq LIMIT 1'),
      // NOT IN builds the set of referenced events once (one pass over deliveries); the correlated
      // NOT EXISTS it replaces scanned every delivery for every old event, as there is no index on
      // event_seq (one would cost every ingest a write). 20k old events beside 20k queued deliveries:
      // 45 s (with the event loop blocked) before, 27 ms after.
      pruneEvents: db.prepare(`DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE seq >= ? AND seq < ? AND received_at < ?
        AND seq NOT IN (SELECT event_seq FROM deliveries) ORDER BY seq LIMIT ?)`),
      getSetting: db.prepare('SELECT value FROM settings WHERE key = ?'),
      setSetting: db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      listWebhooks: db.prepare('SELECT * FROM webhooks ORDER BY id'),
      getWebhook: db.prepare('SELECT * FROM webhooks WHERE id = ?'),
      insertWebhook: db.prepare(`INSERT INTO webhooks (name, active, url, batch_size, send_attempts, filters, verbose, max_in_flight, secret, previous_secret,
        previous_secret_until, created_by, created_date, modified_date) VALUES (@name, @active, @url, @batch_size, @send_attempts, @filters,
        @verbose, @max_in_flight, @secret, @previous_secret, @previous_secret_until, @created_by, @created_date, @modified_date) RETURNING *`),
      updateWebhook: db.prepare(`UPDATE webhooks SET name = @name, active = @active, url = @url, batch_size = @batch_size,
        send_attempts = @send_attempts, filters = @filters, verbose = @verbose, max_in_flight = @max_in_flight, secret = @secret, previous_secret = @previous_secret,
        previous_secret_until = @previous_secret_until, modified_date = @modified_date WHERE id = @id RETURNING *`),
      deleteWebhook: db.prepare('DELETE FROM webhooks WHERE id = ?'),
      listEntities: db.prepare('SELECT * FROM entities WHERE kind = ? ORDER BY id'),
      getEntity: db.prepare('SELECT * FROM entities WHERE kind = ? AND id = ?'),
      entityHighWater: db.prepare("SELECT value FROM settings WHERE key = 'entity_high_water:' || ?"),
      maxEntityId: db.prepare('SELECT coalesce(max(id), 0) AS id FROM entities WHERE kind = ?'),
      setEntityHighWater: db.prepare("INSERT INTO settings (key, value) VALUES ('entity_high_water:' || ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
      createEntity: db.prepare(`INSERT INTO entities (kind, id, body, created_date, modified_date) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (kind, id) DO NOTHING RETURNING *`),
      updateEntity: db.prepare('UPDATE entities SET body = ?, modified_date = ? WHERE kind = ? AND id = ? RETURNING *'),
      deleteEntity: db.prepare('DELETE FROM entities WHERE kind = ? AND id = ?')
    }
  }

  async migrate (): Promise<void> {
    migrate(this.#db)
  }

  async close (): Promise<void> {
    await this.#checkpointer?.close()
    if (this.#db.open) {
      this.#flushLanded()
      this.#db.close()
    }
  }

  async getSetting (key: string): Promise<string | undefined> {
    return (this.#stmt.getSetting.get(key) as { value: string } | undefined)?.value
  }

  async setSetting (key: string, value: string): Promise<void> {
    this.#stmt.setSetting.run(key, value)
  }

  async ingest (events: readonly IncomingEvent[], route: (event: IncomingEvent) => readonly Route[], now: number): Promise<IngestResult[]> {
    const { results, ahead } = this.#ingestTx(events, route, now)
    if (this.#landed.length > 0) this.#forgetLanded()
    for (const [lane, item] of ahead) this.#readAhead(lane, item)
    return results
  }

  #readAhead (lane: string, item: AheadItem): void {
    const ahead = this.#ahead.get(lane)
    if (ahead === undefined || !ahead.complete) return
    if (this.#aheadItems >= this.#aheadMaxItems) {
      // What it holds stays; what comes after is read from the table once that is claimed.
      ahead.complete = false
      return
    }
    ahead.items.push(item)
    this.#aheadItems++
  }

  /** The lane's queue is read from the table again from its next claim on. */
  #leaveAhead (lane: string): void {
    const ahead = this.#ahead.get(lane)
    if (ahead === undefined) return
    this.#aheadItems -= ahead.items.length - ahead.next
    this.#ahead.delete(lane)
  }

  #clearAhead (): void {
    this.#ahead.clear()
    this.#aheadItems = 0
  }

  /**
   * A claim read the lane's head from the table: `items` are the first tries it read past its
   * batch; `complete` when it read the queue to its end, so that from now on ingest keeps it in memory.
   */
  #enterAhead (lane: string, items: AheadItem[], complete: boolean): void {
    this.#leaveAhead(lane)
    if (this.#aheadItems + items.length > this.#aheadMaxItems) return
    if (!complete && items.length === 0) return
    if (this.#ahead.size >= AHEAD_MAX_LANES) {
      const oldest = this.#ahead.keys().next()
      if (oldest.done !== true) this.#leaveAhead(oldest.value)
    }
    this.#ahead.set(lane, { items, next: 0, complete })
    this.#aheadItems += items.length
  }

  async getEvent (seq: number): Promise<HeraldEvent | undefined> {
    const r = this.#stmt.eventBySeq.get(seq) as EventRecord | undefined
    return r === undefined ? undefined : toEvent(r)
  }

  async getEventByKey (key: string): Promise<HeraldEvent | undefined> {
    const r = this.#stmt.eventByKey.get(key) as EventRecord | undefined
    return r === undefined ? undefined : toEvent(r)
  }

  /**
   * Claims, writing only the message id of a first try that may hold several items. The head run
   * is read; its message id is derived from its head delivery (a retried batch keeps the id
   * stored by its last outcome). At batch_size 1 a crash mid-attempt recomputes the same batch
   * under the same id, so nothing is written; above 1 the queue may grow behind the batch, so its
   * id goes on its rows first (#pinTx) and it comes back as a retry does. The other write per
   * attempt is the outcome (markDelivered / scheduleRetry / markFailed), which also records
   * message_id and attempts. Claim used to be a write
   * transaction of its own: store-ops, file WAL, claim+markDelivered 296 → 180 µs/event at batch 1,
   * 44 → 24 µs/event at batch 100 (same machine, back to back).
   * "In flight" is kept in memory: the engine sends at most `maxInFlight` batches per lane at a
   * time, and one process owns the SQLite file. The `sending` state stays in the schema for
   * PostgreSQL, where several workers must claim with a write (and a lease); here it only shows
   * in the API, overlaid.
   */
  async claim (lane: string, maxItems: number, now: number, maxInFlight = 1): Promise<ClaimResult> {
    const flying = this.#flights.get(lane)
    // A batch beside others in flight only when all of them are first tries and none failed
    // meanwhile: a retry goes out alone, and nothing overtakes it.
    if (flying !== undefined && (flying.length >= maxInFlight || this.#disordered.has(lane) || flying.some((f) => f.attempt > 1))) {
      return { kind: 'empty' }
    }
    const limit = Number.isSafeInteger(maxItems) && maxItems > 0 ? maxItems : 1
    const ahead = this.#ahead.get(lane)
    const claimed = (ahead === undefined ? undefined : this.#claimAhead(lane, ahead, limit)) ?? this.#claimStored(lane, limit, now, flying)
    if (claimed.kind !== 'batch') return claimed
    const { batch } = claimed
    const flight: Flight = {
      messageId: batch.messageId,
      lane,
      first: batch.items[0]?.deliveryId ?? 0,
      last: batch.items.at(-1)?.deliveryId ?? 0,
      attempt: batch.attempt,
      count: batch.items.length,
      pinned: batch.attempt > 1
    }
    if (limit > 1 && batch.attempt === 1) {
      // A batch that may hold more than one item is written down before it goes out: after a
      // crash the queue behind it may have grown, and rebuilt from the queue the batch would take
      // more members and another webhook-id, which a receiver de-duplicating by id would process
      // twice. With its id on its rows it comes back as it went (the retry path of #claimStored).
      // One item per batch needs no write: rebuilt, it is the same item under the same id (unless
      // the batch size grows meanwhile: pinInFlight).
      try {
        this.#pin(flight)
      } catch (err) {
        // The batch was taken from memory (#ahead) before the write: without this, the next
        // claim would go on past it, and its rows would wait for a restart, then go out of order.
        this.#leaveAhead(lane)
        throw err
      }
    }
    if (flying === undefined) this.#flights.set(lane, [flight])
    else flying.push(flight)
    this.#flightsById.set(flight.messageId, flight)
    return claimed
  }

  /**
   * The next batch from memory: every item there is a first try, in lane order. Undefined when
   * the table must be read: memory holds a run that ends before this batch would.
   */
  #claimAhead (lane: string, ahead: AheadLane, limit: number): ClaimResult | undefined {
    const { items: queued, next } = ahead
    const head = queued[next]
    if (head === undefined) {
      if (ahead.complete) return { kind: 'empty' }
      this.#leaveAhead(lane)
      return undefined
    }
    const end = Math.min(queued.length, next + limit)
    let i = next + 1
    while (i < end && (queued[i] as AheadItem).group === head.group) i++
    // The batch would go on past what memory holds: the same batch as a read of the table gives.
    if (!ahead.complete && i === queued.length && i - next < limit) {
      this.#leaveAhead(lane)
      return undefined
    }
    const items: ClaimedItem[] = []
    for (let k = next; k < i; k++) {
      const a = queued[k] as AheadItem
      items.push({ deliveryId: a.deliveryId, event: a.event })
    }
    this.#aheadItems -= i - next
    ahead.next = i
    // Claimed items are dropped from the front now and then, not on every claim (splice is O(n)).
    if (i >= 1024 && i * 2 >= queued.length) {
      ahead.items = queued.slice(i)
      ahead.next = 0
    }
    const last = queued[i - 1] as AheadItem
    const messageId = deriveMessageId(lane, head.deliveryId, last.deliveryId, head.createdAt, head.event.key)
    return { kind: 'batch', batch: { messageId, channel: head.channel, target: head.target, lane, group: head.group, attempt: 1, items } }
  }

  /** The next batch read from the table: the head run with its events. */
  #claimStored (lane: string, limit: number, now: number, flying: readonly Flight[] | undefined): ClaimResult {
    // One read: the head run with its events. The head decides (wait, retry or a new batch).
    // Rows whose delivered outcome is still in memory, and rows in flight, are behind the head.
    const after = Math.max(this.#landedUpTo.get(lane) ?? 0, flying?.at(-1)?.last ?? 0)
    // Read further than this batch while the memory budget allows; the rest is kept (#ahead).
    const wanted = Math.max(limit * 4, AHEAD_READ_ROWS)
    const rows = this.#aheadItems + wanted <= this.#aheadMaxItems ? wanted : limit
    const run = this.#headRun(rows).all(lane, after) as RunRow[]
    const head = run[0]
    if (head === undefined) {
      this.#enterAhead(lane, [], true)
      return { kind: 'empty' }
    }
    if (flying !== undefined && head.message_id !== null) return { kind: 'empty' }
    // Left `sending` by an older Herald and not released yet: FIFO means nothing behind it may start.
    if (head.state === 'sending') return { kind: 'empty' }
    if (head.next_attempt_at !== null && head.next_attempt_at > now) {
      if (head.message_id === null || now >= head.d_updated_at) return { kind: 'wait', until: head.next_attempt_at }
      // The wall clock stepped back since the retry was scheduled: waited for as stored, the
      // retry (and the lane behind it) would also wait out the step, hours or years. It gets the
      // delay it was given, from now.
      const until = now + Math.max(0, head.next_attempt_at - head.d_updated_at)
      this.#stmt.reschedule.run(until, now, lane, head.message_id)
      if (until > now) return { kind: 'wait', until }
    }
    let batch: ClaimedBatch
    if (head.message_id !== null) {
      // A batch that was tried before keeps its members and its id (the receiver's idempotency key).
      const rows: Array<EventRecord & { delivery_id: number, channel: string, target: string, attempts: number }> = []
      for (const r of this.#stmt.retryItems.iterate(lane, head.delivery_id) as IterableIterator<RetryRow>) {
        if (r.state !== 'pending' || r.message_id !== head.message_id) break
        rows.push(r)
      }
      const first = rows[0]
      if (first === undefined) return { kind: 'empty' }
      const items: ClaimedItem[] = rows.map((r) => ({ deliveryId: r.delivery_id, event: toEvent(r) }))
      batch = { messageId: head.message_id, channel: first.channel, target: first.target, lane, group: head.grp, attempt: first.attempts + 1, items }
    } else {
      const first = head
      const items: ClaimedItem[] = []
      let k = 0
      for (; k < run.length && items.length < limit; k++) {
        const r = run[k] as RunRow
        if (r.state !== 'pending' || r.grp !== head.grp || r.message_id !== null) break
        items.push({ deliveryId: r.delivery_id, event: toEvent(r) })
      }
      if (items.length === 0) return { kind: 'empty' }
      // The first tries read past the batch are the next claims' (a retried or `sending` row ends them).
      const rest: AheadItem[] = []
      for (; k < run.length; k++) {
        const r = run[k] as RunRow
        if (r.state !== 'pending' || r.message_id !== null) break
        rest.push({ deliveryId: r.delivery_id, channel: r.channel, target: r.target, group: r.grp, createdAt: r.d_created_at, event: toEvent(r) })
      }
      // Everything open past the cursor was read: the queue was read to its end.
      this.#enterAhead(lane, rest, k === run.length && run.length < rows)
      const messageId = deriveMessageId(lane, first.delivery_id, items.at(-1)?.deliveryId ?? first.delivery_id, first.d_created_at, first.key)
      batch = { messageId, channel: first.channel, target: first.target, lane, group: head.grp, attempt: 1, items }
    }
    return { kind: 'batch', batch }
  }

  /**
   * The head-run read with its LIMIT written into the SQL: with `LIMIT ?` SQLite took 62 µs for one
   * row against 17 µs with `LIMIT 1` (10k queued, measured on the bench machine). One statement
   * per batch size in use; batch sizes are few. `limit` is a positive safe integer (claim checks
   * it), so writing it into the SQL is safe.
   */
  #headRun (limit: number): Database.Statement {
    let stmt = this.#headRunByLimit.get(limit)
    if (stmt === undefined) {
      stmt = this.#db.prepare(`${HEAD_RUN_SQL} LIMIT ${limit}`)
      if (this.#headRunByLimit.size < 64) this.#headRunByLimit.set(limit, stmt)
    }
    return stmt
  }

  /**
   * Ends a flight (the caller found it in #flightsById: a late or repeated outcome finds none).
   * `failed`: the batch goes back to the queue or is given up, so later flights of its lane land
   * out of order.
   */
  #land (flight: Flight, failed = false): void {
    this.#flightsById.delete(flight.messageId)
    const flying = this.#flights.get(flight.lane)
    if (flying !== undefined) {
      const i = flying.indexOf(flight)
      if (i !== -1) flying.splice(i, 1)
      if (flying.length === 0) {
        this.#flights.delete(flight.lane)
        this.#disordered.delete(flight.lane)
      } else if (failed) {
        this.#disordered.add(flight.lane)
      }
    }
  }

  /**
   * Write-behind: the outcome is kept in memory and written with the next ingest transaction, or
   * at the latest OUTCOME_FLUSH_MS later, together with every other outcome landed meanwhile. A
   * commit costs the same for one row as for fifty (store-ops, file WAL); writing each outcome
   * in its own commit was the largest store cost of the delivery path (markDelivered 16.5 % of
   * Herald's CPU at batch 1). Claim reads past the landed rows, and every other read of the
   * deliveries writes them first, so only another process or a crash can see them still open.
   * After a crash such a batch is sent again under the same message id: at-least-once, as for a
   * batch in flight.
   */
  async markDelivered (messageId: string, info: AttemptInfo, now: number): Promise<void> {
    const f = this.#flightsById.get(messageId)
    if (f === undefined) return
    const disordered = this.#disordered.has(f.lane)
    this.#land(f)
    this.#landed.push({ flight: f, info, now })
    if (disordered) {
      // An earlier batch of this lane is waiting to be retried: written now, the cursor stays put.
      this.#flushLanded()
      return
    }
    // Flights of a lane can land in any order; every row up to the highest is landed or in flight.
    this.#landedUpTo.set(f.lane, Math.max(this.#landedUpTo.get(f.lane) ?? 0, f.last))
    this.#flushTimer ??= setTimeout(() => { this.#flushLater() }, OUTCOME_FLUSH_MS).unref()
  }

  /** Writes the landed outcomes now. Every read or write of deliveries other than claim calls it first. */
  #flushLanded (): void {
    if (this.#landed.length === 0) return
    this.#writeLanded()
    this.#forgetLanded()
  }

  /** The landed outcomes are committed: claim reads them from the table again. */
  #forgetLanded (): void {
    if (this.#flushTimer !== undefined) clearTimeout(this.#flushTimer)
    this.#flushTimer = undefined
    this.#landed = []
    this.#landedUpTo.clear()
  }

  #flushLater (): void {
    this.#flushTimer = undefined
    try {
      this.#flushLanded()
    } catch (err) {
      // Still in memory (the transaction rolled back): the next ingest, read or timer tries again.
      this.#onBackgroundError(toError(err))
      this.#flushTimer = setTimeout(() => { this.#flushLater() }, OUTCOME_FLUSH_MS).unref()
    }
  }

  async scheduleRetry (messageId: string, nextAttemptAt: number, info: AttemptInfo, now: number): Promise<void> {
    const f = this.#flightsById.get(messageId)
    if (f === undefined) return
    this.#leaveAhead(f.lane)
    this.#land(f, true)
    this.#flushLanded()
    this.#stmt.retry.run(f.messageId, f.attempt, nextAttemptAt, now, info.statusCode, info.error, info.latencyMs, f.lane, f.first, f.last)
  }

  async markFailed (messageId: string, info: AttemptInfo, now: number): Promise<void> {
    const f = this.#flightsById.get(messageId)
    if (f === undefined) return
    this.#leaveAhead(f.lane)
    this.#land(f, true)
    this.#flushLanded()
    this.#stmt.failed.run(f.messageId, f.attempt, now, info.statusCode, info.error, info.latencyMs, f.lane, f.first, f.last)
  }

  async pinInFlight (lane: string): Promise<void> {
    for (const f of this.#flights.get(lane) ?? []) if (!f.pinned) this.#pin(f)
    // Answered but not yet written (#pin writes them along): written now, they are not rebuilt at all.
    this.#flushLanded()
  }

  /** Writes the flight's id on its rows, with the landed outcomes waiting, in one commit. */
  #pin (flight: Flight): void {
    this.#pinTx(flight.messageId, flight.lane, flight.first, flight.last)
    flight.pinned = true
    if (this.#landed.length > 0) this.#forgetLanded()
  }

  /** Forgets what is in flight in memory, and releases rows an older Herald left `sending`. */
  async releaseInFlight (): Promise<number> {
    this.#flushLanded()
    this.#clearAhead()
    let released = 0
    for (const flying of this.#flights.values()) for (const f of flying) released += f.count
    this.#flights.clear()
    this.#flightsById.clear()
    this.#disordered.clear()
    return released + this.#stmt.release.run().changes
  }

  /** The API shows an in-flight batch as `sending` under its id, as when claim wrote it. */
  #overlay (r: DeliveryRecord): DeliveryRecord {
    if (r.state !== 'pending') return r
    const f = this.#flights.get(r.lane)?.find((x) => r.id >= x.first && r.id <= x.last)
    if (f === undefined) return r
    return { ...r, state: 'sending', message_id: f.messageId }
  }

  async openByLane (): Promise<Map<string, number>> {
    this.#flushLanded()
    const rows = this.#stmt.openByLane.all() as Array<{ lane: string, n: number }>
    return new Map(rows.map((r) => [r.lane, r.n]))
  }

  async expedite (lane: string): Promise<number> {
    this.#flushLanded()
    this.#leaveAhead(lane)
    return this.#stmt.expedite.run(lane).changes
  }

  async dropLane (lane: string): Promise<number> {
    this.#flushLanded()
    this.#leaveAhead(lane)
    return this.#stmt.dropLane.run(lane).changes
  }

  async listDeliveries (channel: string, target: string, options: { limit: number, before?: number, state?: DeliveryState }): Promise<DeliveryPage> {
    this.#flushLanded()
    const state = options.state ?? null
    // In-flight rows are stored `pending` and shown `sending` (overlay): for either filter read
    // both states, overlay, then filter, reading as many extra rows as can be in flight.
    const open = state === 'pending' || state === 'sending'
    let extra = 0
    if (open) for (const flying of this.#flights.values()) for (const f of flying) extra += f.count
    const rows = (this.#stmt.listDeliveries.all(channel, target, options.before ?? Number.MAX_SAFE_INTEGER, state,
      open ? 'pending' : state, open ? 'sending' : state, options.limit + 1 + extra) as DeliveryRecord[])
      .map((r) => this.#overlay(r))
      .filter((r) => state === null || r.state === state)
    const more = rows.length > options.limit
    const page = rows.slice(0, options.limit).map(toDelivery)
    return { results: page, next: more ? (page.at(-1)?.id ?? null) : null }
  }

  async getDelivery (id: number): Promise<Delivery | undefined> {
    this.#flushLanded()
    const r = this.#stmt.getDelivery.get(id) as DeliveryRecord | undefined
    return r === undefined ? undefined : toDelivery(this.#overlay(r))
  }

  async resend (id: number, now: number): Promise<Delivery> {
    this.#flushLanded()
    // A row appended to a lane this store did not ingest.
    this.#clearAhead()
    const row = this.#stmt.resend.get(now, now, id) as { id: number } | undefined
    if (row === undefined) throw new NotFoundError(`delivery ${id} not found`)
    return toDelivery(this.#stmt.getDelivery.get(row.id) as DeliveryRecord)
  }

  async prune (before: number, limit = -1): Promise<{ deliveries: number, events: number }> {
    this.#flushLanded()
    // Chunks of one pass over the deliveries continue where the last one stopped: the rows it
    // skipped (still open behind a dead receiver, or finished recently) are not read again until
    // the next pass (another `before`). Events are read from the start each time: one skipped
    // because a delivery still referred to it may be free once that delivery is pruned.
    // A pass goes on only while each chunk came back full; anything else starts a new one.
    const from = this.#pruned.before === before && this.#pruned.full ? this.#pruned.deliveriesFrom : 0
    // LIMIT -1 is SQLite's "no limit".
    const deliveries = this.#stmt.pruneDeliveries.all(from, this.#cutoff(this.#stmt.firstDeliveryFrom, before), before, limit) as Array<{ id: number }>
    let next = from
    for (const r of deliveries) if (r.id >= next) next = r.id + 1
    this.#pruned = { before, deliveriesFrom: next, full: limit > 0 && deliveries.length === limit }
    const events = this.#stmt.pruneEvents.run(0, this.#cutoff(this.#stmt.firstEventFrom, before), before, limit).changes
    return { deliveries: deliveries.length, events }
  }

  /**
   * The first rowid stamped at or after `before` (creation or receipt time), by binary search:
   * rowids grow with time, so everything older than `before` lies below it. A clock stepped back
   * only makes a few rows wait for a later pass; each row's own time is still checked.
   */
  #cutoff (firstFrom: Database.Statement, before: number): number {
    let lo = 0
    let hi = Number.MAX_SAFE_INTEGER
    while (lo < hi) {
      const mid = lo + Math.floor((hi - lo) / 2)
      const row = firstFrom.get(mid) as { id: number, t: number } | undefined
      if (row === undefined || row.t >= before) hi = mid
      else lo = row.id + 1
    }
    return lo
  }

  async listWebhooks (): Promise<WebhookRow[]> {
    return (this.#stmt.listWebhooks.all() as WebhookRecord[]).map(toWebhook)
  }

  async getWebhook (id: number): Promise<WebhookRow | undefined> {
    const r = this.#stmt.getWebhook.get(id) as WebhookRecord | undefined
    return r === undefined ? undefined : toWebhook(r)
  }

  async createWebhook (hook: NewWebhook, now: Date): Promise<WebhookRow> {
    const stamp = now.toISOString()
    const r = this.#stmt.insertWebhook.get({ ...webhookParams(hook), created_by: hook.created_by, created_date: stamp, modified_date: stamp }) as WebhookRecord
    return toWebhook(r)
  }

  async updateWebhook (id: number, patch: WebhookPatch, now: Date): Promise<WebhookRow | undefined> {
    const current = await this.getWebhook(id)
    if (current === undefined) return undefined
    // A key present with the value undefined means "not given", not "set to NULL".
    const given = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as WebhookPatch
    const merged: NewWebhook = { ...current, ...given }
    const r = this.#stmt.updateWebhook.get({ ...webhookParams(merged), id, modified_date: now.toISOString() }) as WebhookRecord | undefined
    return r === undefined ? undefined : toWebhook(r)
  }

  async deleteWebhook (id: number): Promise<boolean> {
    return this.#stmt.deleteWebhook.run(id).changes > 0
  }

  async listEntities (kind: EntityKind): Promise<EntityRow[]> {
    return (this.#stmt.listEntities.all(kind) as EntityRecord[]).map(toEntity)
  }

  async getEntity (kind: EntityKind, id: number): Promise<EntityRow | undefined> {
    const r = this.#stmt.getEntity.get(kind, id) as EntityRecord | undefined
    return r === undefined ? undefined : toEntity(r)
  }

  async createEntity (kind: EntityKind, id: number | undefined, body: JsonObject, now: Date): Promise<EntityRow | undefined> {
    const tx = this.#db.transaction((): EntityRecord | undefined => {
      const stored = this.#stmt.entityHighWater.get(kind) as { value: string } | undefined
      const max = (this.#stmt.maxEntityId.get(kind) as { id: number }).id
      const highWater = Math.max(max, stored === undefined ? 0 : Number(stored.value))
      const entityId = id ?? highWater + 1
      if (!Number.isSafeInteger(entityId)) {
        throw new ValidationError([{ field: 'id', message: `no ${kind} id is left after ${highWater} (the largest JSON keeps exactly): give the id explicitly` }])
      }
      const stamp = now.toISOString()
      const row = this.#stmt.createEntity.get(kind, entityId, JSON.stringify({ ...body, id: entityId }), stamp, stamp) as EntityRecord | undefined
      if (row !== undefined && entityId > highWater) this.#stmt.setEntityHighWater.run(kind, String(entityId))
      return row
    })
    const row = tx()
    return row === undefined ? undefined : toEntity(row)
  }

  async updateEntity (kind: EntityKind, id: number, body: JsonObject, now: Date): Promise<EntityRow | undefined> {
    const row = this.#stmt.updateEntity.get(JSON.stringify({ ...body, id }), now.toISOString(), kind, id) as EntityRecord | undefined
    return row === undefined ? undefined : toEntity(row)
  }

  async deleteEntity (kind: EntityKind, id: number): Promise<boolean> {
    return this.#stmt.deleteEntity.run(kind, id).changes > 0
  }

  async listUsers (): Promise<UserRow[]> {
    return this.#registry.listUsers()
  }

  async getUser (name: string): Promise<UserRow | undefined> {
    return this.#registry.getUser(name)
  }

  async createUser (user: UserRow): Promise<boolean> {
    return this.#registry.createUser(user)
  }

  async deleteUser (name: string): Promise<boolean> {
    return this.#registry.deleteUser(name)
  }

  async listTokens (): Promise<PushToken[]> {
    return this.#registry.listTokens()
  }

  async putTokens (tokens: readonly PushToken[]): Promise<void> {
    this.#registry.putTokens(tokens)
  }

  async deleteToken (token: string): Promise<boolean> {
    return this.#registry.deleteToken(token)
  }

  async listLastSent (): Promise<LastSentRow[]> {
    return this.#registry.listLastSent()
  }

  async putLastSent (rows: readonly LastSentRow[]): Promise<void> {
    this.#registry.putLastSent(rows)
  }

  async listOverrides (): Promise<Map<string, string>> {
    return this.#registry.listOverrides()
  }

  async putOverride (key: string, value: string): Promise<void> {
    this.#registry.putOverride(key, value)
  }

  async listMonitorStates (): Promise<Map<string, MonitorNotifyState>> {
    return this.#registry.listMonitorStates()
  }

  async putMonitorStates (monitorIds: readonly string[], state: MonitorNotifyState): Promise<void> {
    this.#registry.putMonitorStates(monitorIds, state)
  }

  async resetControl (): Promise<void> {
    this.#registry.resetControl()
  }
}

function webhookParams (hook: NewWebhook) {
  return {
    name: hook.name,
    active: hook.active ? 1 : 0,
    url: hook.url,
    batch_size: hook.batch_size,
    send_attempts: hook.send_attempts,
    filters: JSON.stringify(hook.filters),
    verbose: hook.verbose === null ? null : hook.verbose ? 1 : 0,
    max_in_flight: hook.max_in_flight,
    secret: hook.secret,
    previous_secret: hook.previous_secret,
    previous_secret_until: hook.previous_secret_until
  }
}
