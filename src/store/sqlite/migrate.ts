import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type Database from 'better-sqlite3'
import { StoreTooNewError } from '../../errors.js'

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url))

interface Migration { version: number, name: string, sql: string }

function loadMigrations (): Migration[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{4}_.+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 4)), name: f, sql: readFileSync(MIGRATIONS_DIR + f, 'utf8') }))
}

/**
 * Applies numbered migrations. BEGIN IMMEDIATE takes the write lock before reading the version,
 * so two processes starting at once apply each migration exactly once.
 */
export function migrate (db: Database.Database): void {
  const migrations = loadMigrations()
  const latest = migrations.at(-1)?.version ?? 0
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)')
  const apply = db.transaction(() => {
    const row = db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null }
    const current = row.v ?? 0
    if (current > latest) {
      throw new StoreTooNewError(`the database is at schema version ${current}, newer than this Herald knows (${latest}); upgrade Herald`)
    }
    for (const m of migrations) {
      if (m.version <= current) continue
      db.exec(m.sql)
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now())
    }
  })
  apply.immediate()
}

export function latestMigration (): number {
  return loadMigrations().at(-1)?.version ?? 0
}
