import type { HeraldConfig } from './schema.js'
import { HERALD_VERSION } from '../version.js'

export const DEFAULTS = {
  data: { dir: './data' },
  http: { address: '0.0.0.0', port: 8080, body_limit: 4 * 1024 * 1024, ingest_token: '', public_base_url: '' },
  admin: { token: '' },
  webhooks: {
    verbose_webhooks: false,
    timeout: 10,
    max_retry_delay: 100,
    retry_jitter: 0.05,
    secret_grace_period: 86_400,
    user_agent: `Herald-Webhooks/${HERALD_VERSION}`,
    max_in_flight: 1
  },
  store: { driver: 'sqlite', file: '', synchronous: 'normal', wal_checkpoint: 'background', retention_days: 7 },
  log: { level: 'info' }
} as const satisfies HeraldConfig
