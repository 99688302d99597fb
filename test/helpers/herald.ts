import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { DEFAULTS } from '../../src/config/defaults.js'
import type { HeraldConfig } from '../../src/config/schema.js'
import { createHerald, type Herald, type HeraldDependencies } from '../../src/herald.js'
import type { Clock } from '../../src/clock.js'

export const ADMIN_TOKEN = 'test-admin-token'
export const AUTH = { authorization: `Token ${ADMIN_TOKEN}` }

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? Partial<T[K]> : T[K] }

export interface TestHerald {
  readonly herald: Herald
  readonly url: string
  readonly dataDir: string
  /** Closes Herald and removes its data folder. */
  close (): Promise<void>
}

export function testConfig (dataDir: string, overrides: DeepPartial<HeraldConfig> = {}): HeraldConfig {
  const c = structuredClone(DEFAULTS) as unknown as HeraldConfig
  c.data.dir = dataDir
  c.http.address = '127.0.0.1'
  c.http.port = 0
  c.admin.token = ADMIN_TOKEN
  c.log.level = 'silent'
  for (const [section, values] of Object.entries(overrides)) {
    Object.assign((c as unknown as Record<string, object>)[section] as object, values)
  }
  return c
}

/** A real Herald on loopback with its own SQLite file; logs silent unless HERALD_TEST_LOG is set. */
export async function startHerald (overrides: DeepPartial<HeraldConfig> = {}, deps: HeraldDependencies & { dataDir?: string } = {}): Promise<TestHerald> {
  const dataDir = deps.dataDir ?? mkdtempSync(join(tmpdir(), 'herald-test-'))
  const config = testConfig(dataDir, overrides)
  const logger = pino({ level: process.env.HERALD_TEST_LOG ?? 'silent' })
  const herald = await createHerald(config, { logger, ...deps })
  const url = await herald.start()
  return {
    herald,
    url,
    dataDir,
    async close () {
      await herald.close()
      if (deps.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true })
    }
  }
}

export interface ApiResponse<T = unknown> { status: number, body: T, headers: Headers }

/** JSON request against a running Herald, admin token unless `headers` says otherwise. */
export async function api<T = any> (base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = AUTH): Promise<ApiResponse<T>> {
  const init: RequestInit = { method, headers: { ...headers } }
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body)
    ;(init.headers as Record<string, string>)['content-type'] = 'application/json'
  }
  const res = await fetch(base + path, init)
  const text = await res.text()
  let parsed: unknown = text
  try { parsed = text === '' ? undefined : JSON.parse(text) } catch { /* not JSON */ }
  return { status: res.status, body: parsed as T, headers: res.headers }
}

export type { Clock }
