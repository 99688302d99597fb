import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { api, startHerald, type TestHerald } from '../helpers/herald.js'
import { ManualClock } from '../helpers/manual-clock.js'

/*
 * The grace period of a rotated secret. An unbounded `secret_grace_period` (100000000000000 s)
 * stored a time past what a Date can hold: rotate-secret answered 500, so the new secret, shown
 * only then, was lost, and from then on every listing of webhooks was a 500 too.
 */

const WEEK_MS = 7 * 86_400_000

interface HookBody { id: number, secret: string | null, previous_secret_until?: string }

async function withHerald (gracePeriod: number, fn: (h: TestHerald, clock: ManualClock) => Promise<void>): Promise<void> {
  const clock = new ManualClock()
  // Straight into createHerald: the settings file refuses a grace past 7 days, an older version did not.
  const h = await startHerald({ webhooks: { secret_grace_period: gracePeriod } }, { clock })
  try {
    await fn(h, clock)
  } finally {
    await h.close()
  }
}

async function signedHook (h: TestHerald): Promise<HookBody> {
  const created = await api<HookBody>(h.url, 'POST', '/hooks/', { name: 'signed', url: 'http://127.0.0.1:9/', secret: true })
  assert.equal(created.status, 201)
  return created.body
}

async function assertListsAnswer (h: TestHerald, id: number): Promise<HookBody> {
  for (const path of ['/hooks/', '/api/v1/hooks/']) assert.equal((await api(h.url, 'GET', path)).status, 200, path)
  const one = await api<HookBody>(h.url, 'GET', `/hooks/${id}/`)
  assert.equal(one.status, 200)
  return one.body
}

describe('rotate-secret grace period bounds', () => {
  test('with the longest grace setting (7 days) rotate-secret answers 200 with the new secret, and the webhook lists answer 200', async () => {
    await withHerald(604_800, async (h, clock) => {
      const hook = await signedHook(h)
      const rotated = await api<HookBody>(h.url, 'POST', `/api/v1/hooks/${hook.id}/rotate-secret`, {})
      assert.equal(rotated.status, 200)
      assert.match(rotated.body.secret ?? '', /^whsec_/)
      assert.notEqual(rotated.body.secret, hook.secret)
      assert.equal(rotated.body.previous_secret_until, new Date(clock.now() + WEEK_MS).toISOString())
      assert.equal((await assertListsAnswer(h, hook.id)).previous_secret_until, rotated.body.previous_secret_until)
    })
  })

  test('a grace setting past 7 days that reaches the API anyway is held to 7 days: 200, the secret shown, the lists still 200', async () => {
    await withHerald(100_000_000_000_000, async (h, clock) => {
      const hook = await signedHook(h)
      const rotated = await api<HookBody>(h.url, 'POST', `/api/v1/hooks/${hook.id}/rotate-secret`)
      assert.equal(rotated.status, 200)
      assert.match(rotated.body.secret ?? '', /^whsec_/)
      assert.equal(rotated.body.previous_secret_until, new Date(clock.now() + WEEK_MS).toISOString())
      await assertListsAnswer(h, hook.id)
    })
  })

  test('grace_period_seconds past 7 days is refused with 400 naming the field, and the secret is unchanged', async () => {
    await withHerald(86_400, async (h) => {
      const hook = await signedHook(h)
      const res = await api<{ code: string, param: string, fields: Array<{ field: string, message: string }> }>(
        h.url, 'POST', `/api/v1/hooks/${hook.id}/rotate-secret`, { grace_period_seconds: 604_801 })
      assert.equal(res.status, 400)
      assert.equal(res.body.code, 'HRD_ERR_VALIDATION')
      assert.deepEqual(res.body.fields, [{ field: 'grace_period_seconds', message: 'must be an integer from 0 to 604800' }])
      const row = await h.herald.store.getWebhook(hook.id)
      assert.equal(row?.previous_secret, null)
    })
  })

  test('a grace end stored out of a Date\'s range by an older version is shown as the last time a Date holds, not a 500', async () => {
    await withHerald(86_400, async (h) => {
      const hook = await signedHook(h)
      await h.herald.store.updateWebhook(hook.id, { previous_secret: 'whsec_old', previous_secret_until: 1e17 }, new Date())
      const view = await assertListsAnswer(h, hook.id)
      assert.equal(view.previous_secret_until, '+275760-09-13T00:00:00.000Z')
      const listed = await api<{ results: HookBody[] }>(h.url, 'GET', '/hooks/')
      assert.equal(listed.body.results[0]?.previous_secret_until, '+275760-09-13T00:00:00.000Z')
      const rotated = await api<HookBody>(h.url, 'POST', `/api/v1/hooks/${hook.id}/rotate-secret`, { grace_period_seconds: 0 })
      assert.equal(rotated.status, 200, 'a rotation replaces it')
      assert.equal(rotated.body.previous_secret_until, undefined)
    })
  })
})
