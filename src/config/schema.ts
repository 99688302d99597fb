import { Type, type Static } from '@sinclair/typebox'

/** Longest grace period of a rotated webhook secret, for the setting and for rotate-secret's own. */
export const MAX_SECRET_GRACE_PERIOD_SECONDS = 7 * 86_400

/*
 * Herald's own settings. They live in the same INI file as the zmeventnotification.ini sections
 * (each Herald section has a name zmES does not use) and each can be overridden by an environment
 * variable HERALD_<SECTION>_<KEY>, e.g. HERALD_HTTP_PORT.
 */
export const HeraldConfigSchema = Type.Object({
  data: Type.Object({
    /** Folder for the SQLite file and other state. @defaultValue './data' */
    dir: Type.String({ minLength: 1 })
  }),
  http: Type.Object({
    /** @defaultValue '0.0.0.0' */
    address: Type.String({ minLength: 1 }),
    /** @defaultValue 8080 */
    port: Type.Integer({ minimum: 0, maximum: 65535 }),
    /** Largest accepted request body in bytes; larger gets 413. @defaultValue 4194304 */
    body_limit: Type.Integer({ minimum: 1024, maximum: 1_073_741_824 }),
    /** Extra token accepted (besides the admin token) by POST /api/v1/events, for producers. @defaultValue '' */
    ingest_token: Type.String(),
    /**
     * FindFace's EXTERNAL_ADDRESS: makes relative media links in payloads absolute. Empty, or an
     * absolute http(s) URL: anything else would leave the links relative without a word. @defaultValue ''
     */
    public_base_url: Type.String({ pattern: '^(https?://[^\\s/?#]+[^\\s]*)?$', description: 'must be empty or an absolute http:// or https:// URL, such as https://ff.example.com' })
  }),
  admin: Type.Object({
    /** Admin API token. Empty: generated on first start, stored, printed once. @defaultValue '' */
    token: Type.String()
  }),
  webhooks: Type.Object({
    /** FindFace VERBOSE_WEBHOOKS: embed cameras, groups, cards and lists. @defaultValue false */
    verbose_webhooks: Type.Boolean(),
    /** Seconds before a webhook request counts as failed. @defaultValue 10 */
    timeout: Type.Number({ exclusiveMinimum: 0, maximum: 3600 }),
    /**
     * Upper bound of the retry delay and of Retry-After, seconds. At most a day: a receiver that
     * may not be tried for longer is better marked failed by send_attempts. @defaultValue 100
     */
    max_retry_delay: Type.Number({ exclusiveMinimum: 0, maximum: 86_400 }),
    /** Relative jitter applied to retry delays (0.05 = ±5 %). @defaultValue 0.05 */
    retry_jitter: Type.Number({ minimum: 0, maximum: 0.5 }),
    /** Seconds the previous secret keeps signing after rotate-secret (at most 7 days). @defaultValue 86400 */
    secret_grace_period: Type.Integer({ minimum: 0, maximum: MAX_SECRET_GRACE_PERIOD_SECONDS }),
    /** @defaultValue 'Herald-Webhooks/<version>' */
    user_agent: Type.String(),
    /**
     * Batches of one webhook sent before the first is answered. 1 = strict FIFO (FindFace).
     * More hides the receiver's round trip, at the price of order under partial failure
     * (docs/delivery.md). @defaultValue 1
     */
    max_in_flight: Type.Integer({ minimum: 1, maximum: 64 })
  }),
  store: Type.Object({
    /** @defaultValue 'sqlite' */
    driver: Type.Union([Type.Literal('sqlite')]),
    /** SQLite file; empty means `<data.dir>/herald.db`. @defaultValue '' */
    file: Type.String(),
    /**
     * `normal` survives a crash of the Herald process (SIGKILL, OOM); `full` also survives power loss
     * at the price of an fsync per write transaction. @defaultValue 'normal'
     */
    synchronous: Type.Union([Type.Literal('normal'), Type.Literal('full')]),
    /**
     * Where WAL checkpoints run: `background` on a worker thread, so no commit waits for one;
     * `inline` inside the commit that fills the WAL (SQLite's default). @defaultValue 'background'
     */
    wal_checkpoint: Type.Union([Type.Literal('background'), Type.Literal('inline')]),
    /** Days delivered and failed deliveries (and their events) are kept. @defaultValue 7 */
    retention_days: Type.Number({ minimum: 0 })
  }),
  log: Type.Object({
    /** @defaultValue 'info' */
    level: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)))
  })
})

export type HeraldConfig = Static<typeof HeraldConfigSchema>
export type HeraldSection = keyof HeraldConfig
