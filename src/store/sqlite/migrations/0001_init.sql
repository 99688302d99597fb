-- 0001: events, the channel-agnostic delivery queue, webhooks, entities, settings.
-- The queue is one table for every channel: a row is one event for one recipient ("target"),
-- ordered FIFO within its lane; rows sent together share a message_id that stays the same
-- across retries (it is the Standard Webhooks `webhook-id`).

CREATE TABLE events (
  seq          INTEGER PRIMARY KEY,
  key          TEXT NOT NULL UNIQUE,
  type         TEXT NOT NULL,
  id           TEXT NOT NULL,
  transition   TEXT,
  json         TEXT NOT NULL,
  received_at  INTEGER NOT NULL
);
CREATE INDEX events_received_at ON events (received_at);

CREATE TABLE deliveries (
  id               INTEGER PRIMARY KEY,
  channel          TEXT NOT NULL,
  target           TEXT NOT NULL,
  lane             TEXT NOT NULL,
  grp              TEXT NOT NULL,
  event_seq        INTEGER NOT NULL,
  state            TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'delivered', 'failed')),
  message_id       TEXT,
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  INTEGER,
  locked_at        INTEGER,
  locked_by        TEXT,
  last_status_code INTEGER,
  last_error       TEXT,
  latency_ms       REAL,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  delivered_at     INTEGER
);
-- The claim path: the head of a lane is the lowest pending id.
CREATE INDEX deliveries_lane_open ON deliveries (lane, id) WHERE state IN ('pending', 'sending');
CREATE INDEX deliveries_message ON deliveries (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX deliveries_target ON deliveries (channel, target, id);
CREATE INDEX deliveries_finished ON deliveries (updated_at) WHERE state IN ('delivered', 'failed');

CREATE TABLE webhooks (
  id                     INTEGER PRIMARY KEY AUTOINCREMENT,
  name                   TEXT NOT NULL,
  active                 INTEGER NOT NULL,
  url                    TEXT NOT NULL,
  batch_size             INTEGER NOT NULL,
  send_attempts          INTEGER NOT NULL,
  filters                TEXT NOT NULL,
  verbose                INTEGER,
  secret                 TEXT,
  previous_secret        TEXT,
  previous_secret_until  INTEGER,
  created_by             INTEGER,
  created_date           TEXT NOT NULL,
  modified_date          TEXT NOT NULL
);

CREATE TABLE entities (
  kind           TEXT NOT NULL,
  id             INTEGER NOT NULL,
  body           TEXT NOT NULL,
  created_date   TEXT NOT NULL,
  modified_date  TEXT NOT NULL,
  PRIMARY KEY (kind, id)
);

CREATE TABLE settings (
  key    TEXT PRIMARY KEY,
  value  TEXT NOT NULL
);
