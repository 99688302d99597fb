-- 0002: the zmES registries. Herald's own users (for the event server's auth), push tokens
-- (what zmES kept in tokens.txt), their per-monitor throttle state, and escontrol's overrides and
-- per-monitor notify states (what zmES kept in an opaque Storable file).

CREATE TABLE users (
  name           TEXT PRIMARY KEY,
  password_hash  TEXT NOT NULL,
  created_at     INTEGER NOT NULL
);

CREATE TABLE push_tokens (
  token              TEXT PRIMARY KEY,
  platform           TEXT NOT NULL,
  monlist            TEXT NOT NULL,
  intlist            TEXT NOT NULL,
  pushstate          TEXT NOT NULL CHECK (pushstate IN ('enabled', 'disabled')),
  appversion         TEXT NOT NULL,
  badge              INTEGER NOT NULL,
  invocations_count  INTEGER NOT NULL,
  invocations_month  INTEGER NOT NULL CHECK (invocations_month BETWEEN 0 AND 11),
  profile            TEXT,
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL
);

-- One row per (token, monitor): when the last start notification for that monitor went to that
-- token. Keyed by the token itself, so two tokens never share throttle state (zmES quirk 12).
CREATE TABLE last_sent (
  recipient   TEXT NOT NULL,
  monitor_id  TEXT NOT NULL,
  at          INTEGER NOT NULL,
  PRIMARY KEY (recipient, monitor_id)
);

CREATE TABLE escontrol_overrides (
  key    TEXT PRIMARY KEY,
  value  TEXT NOT NULL
);

CREATE TABLE monitor_notify_states (
  monitor_id  TEXT PRIMARY KEY,
  state       INTEGER NOT NULL CHECK (state IN (-1, 0, 1))
);
