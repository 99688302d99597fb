import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Webhook } from 'standardwebhooks'
import { api, startHerald, type TestHerald } from '../helpers/herald.js'
import { ManualClock } from '../helpers/manual-clock.js'
import { Receiver, type ReceivedRequest } from '../helpers/receiver.js'

/*
 * What a real receiver on loopback gets from the webhook channel: the body (normal and verbose
 * rendering, absolute media links) and the Standard Webhooks headers (signing and rotation).
 */

/* ---- the body ---- */

type Json = Record<string, any>

/* FindFace REST shapes (webhooks.md §A5), as a producer posts them. */
function faceEvent (id: string, overrides: Json = {}): Json {
  return {
    type: 'face_event',
    id,
    created_date: '2025-08-21T08:16:23.512000+00:00',
    bs_type: 'realtime',
    camera: 3,
    camera_group: 1,
    case: null,
    thumbnail: 'uploads/2025/08/21/face_event/a_thumbnail.jpg',
    fullframe: '/uploads/2025/08/21/face_event/a_full_frame.jpg',
    matched: true,
    matched_card: 17,
    matched_object: '4046',
    matched_cluster: null,
    matched_lists: [2, 99],
    confidence: 0.92,
    looks_like_confidence: null,
    episode: 5512,
    frame_coords_left: 812,
    acknowledged: false,
    detector_params: { quality: 0.71, track: { id: null } },
    features: { gender: { name: 'male', confidence: 0.98 }, age: { name: 34, confidence: 0.9 } },
    external_detector: false,
    meta: { link: 'relative/not-media.jpg' },
    temperature: null,
    ...overrides
  }
}

function humanEpisode (id: number, overrides: Json = {}): Json {
  const { type: _t, ...nested } = faceEvent(`nested-${id}`)
  return {
    type: 'human_episode',
    transition: 'episode_open',
    id,
    created_date: '2025-08-21T08:16:23+00:00',
    closed_date: null,
    open: true,
    events_count: 1,
    cameras: [3, 404],
    camera_groups: [1],
    matched_lists: [2],
    matched_card: 17,
    case: null,
    last_face_event: nested,
    best_face_event: null,
    body_features: {},
    ...overrides
  }
}

/** What a receiver must get in normal mode: the posted object without Herald's envelope keys. */
function posted (event: Json): Json {
  const { type: _type, transition: _transition, ...rest } = event
  return rest
}

const ENTITIES: Array<[string, Json]> = [
  ['cameras', { id: 3, name: 'Gate 1', comment: '', group: 1, active: true, meta: {} }],
  ['camera-groups', { id: 1, name: 'Entrance', comment: '', meta: {} }],
  ['watch-lists', { id: 2, name: 'VIP', color: 'ffcc00', comment: '', meta: {} }],
  ['cards', { id: 17, name: 'John Smith', comment: '', watch_lists: [2], meta: { badge: 'A-17' } }]
]

async function seedEntities (h: TestHerald): Promise<Record<string, Json>> {
  const byPath: Record<string, Json> = {}
  for (const [path, body] of ENTITIES) {
    const res = await api(h.url, 'POST', `/api/v1/${path}`, body)
    assert.equal(res.status, 201)
    const { created_date: _c, modified_date: _m, ...embedded } = res.body
    byPath[path] = embedded
  }
  return byPath
}

async function hookTo (h: TestHerald, receiver: Receiver, overrides: Json = {}): Promise<number> {
  const res = await api(h.url, 'POST', '/hooks/', { name: 'render', url: receiver.url, filters: { face_events: {}, human_episodes: {} }, ...overrides })
  assert.equal(res.status, 201)
  return res.body.id
}

async function deliver (h: TestHerald, receiver: Receiver, events: Json[]): Promise<Json[]> {
  const already = receiver.items().length
  const res = await api(h.url, 'POST', '/api/v1/events', events)
  assert.equal(res.status, 202, JSON.stringify(res.body))
  await receiver.waitForItems(already + events.length)
  return receiver.items().slice(already) as Json[]
}

describe('normal mode', () => {
  let h: TestHerald
  let receiver: Receiver
  before(async () => {
    receiver = await Receiver.start()
    h = await startHerald()
    await seedEntities(h)
    await hookTo(h, receiver)
  })
  after(async () => {
    await h.close()
    await receiver.stop()
  })

  test('a receiver gets the posted objects byte for byte, without type and transition, one JSON array per batch', async () => {
    const face = faceEvent('normal-1')
    const episode = humanEpisode(1)
    await deliver(h, receiver, [face, episode])
    const [first, second] = receiver.requests.slice(-2)
    assert.ok(first !== undefined && second !== undefined)
    assert.equal(first.method, 'POST')
    assert.equal(first.headers['content-type'], 'application/json')
    assert.equal(first.body, JSON.stringify([posted(face)]))
    assert.equal(second.body, JSON.stringify([posted(episode)]))
  })

  test('ids stay ids and relative links stay relative when neither verbose mode nor a public base URL is set', async () => {
    const [item] = await deliver(h, receiver, [faceEvent('normal-2')])
    assert.equal(item?.camera, 3)
    assert.deepEqual(item?.matched_lists, [2, 99])
    assert.equal(item?.thumbnail, 'uploads/2025/08/21/face_event/a_thumbnail.jpg')
  })
})

/* Per server setting, [webhook verbose, embedded?]: the override works in both directions. */
const VERBOSE_CASES: Array<[boolean, Array<[boolean | null, boolean]>]> = [
  [true, [[null, true], [true, true], [false, false]]],
  [false, [[null, false], [true, true], [false, false]]]
]

for (const [serverVerbose, hooks] of VERBOSE_CASES) {
  describe(`verbose_webhooks=${String(serverVerbose)}`, () => {
    let h: TestHerald
    let entities: Record<string, Json>
    const receivers: Receiver[] = []
    before(async () => {
      h = await startHerald({ webhooks: { verbose_webhooks: serverVerbose } })
      entities = await seedEntities(h)
    })
    after(async () => {
      await h.close()
      for (const r of receivers) await r.stop()
    })

    for (const [hookVerbose, embedded] of hooks) {
      test(`a webhook with verbose=${String(hookVerbose)} ${embedded ? 'gets the related objects embedded in place' : 'gets the ids as posted'}`, async () => {
        const receiver = await Receiver.start()
        receivers.push(receiver)
        const id = await hookTo(h, receiver, { verbose: hookVerbose })
        const event = faceEvent(`verbose-${String(hookVerbose)}`)
        const [item] = await deliver(h, receiver, [event])
        // One webhook at a time, so the next test's event reaches only its own receiver.
        assert.equal((await api(h.url, 'DELETE', `/hooks/${id}/`)).status, 204)
        if (!embedded) {
          assert.deepEqual(item, posted(event))
          return
        }
        assert.deepEqual(item, {
          ...posted(event),
          camera: entities.cameras,
          camera_group: entities['camera-groups'],
          matched_card: entities.cards,
          matched_lists: [entities['watch-lists'], 99]
        })
        assert.deepEqual(Object.keys(item as Json), Object.keys(posted(event)), 'keys are replaced in place, none added or moved')
      })
    }
  })
}

describe('verbose mode details', () => {
  let h: TestHerald
  let receiver: Receiver
  let entities: Record<string, Json>
  before(async () => {
    receiver = await Receiver.start()
    h = await startHerald({ webhooks: { verbose_webhooks: true } })
    entities = await seedEntities(h)
    await hookTo(h, receiver)
  })
  after(async () => {
    await h.close()
    await receiver.stop()
  })

  test('unknown ids stay ids, and null stays null', async () => {
    const [item] = await deliver(h, receiver, [faceEvent('unknown-1', { camera: 42, camera_group: null, matched_card: null, matched_lists: [] })])
    assert.equal(item?.camera, 42)
    assert.equal(item?.camera_group, null)
    assert.equal(item?.matched_card, null)
    assert.deepEqual(item?.matched_lists, [])
  })

  test('an episode embeds its cameras, groups, lists and card, and those of the events it carries', async () => {
    const [item] = await deliver(h, receiver, [humanEpisode(2)])
    assert.deepEqual(item?.cameras, [entities.cameras, 404])
    assert.deepEqual(item?.camera_groups, [entities['camera-groups']])
    assert.deepEqual(item?.matched_lists, [entities['watch-lists']])
    assert.deepEqual(item?.matched_card, entities.cards)
    assert.deepEqual(item?.last_face_event.camera, entities.cameras)
    assert.deepEqual(item?.last_face_event.matched_lists, [entities['watch-lists'], 99])
    assert.equal(item?.best_face_event, null)
    assert.equal('transition' in (item as Json), false)
  })

  test('an edited entity is embedded as edited; a deleted one turns back into its id', async () => {
    assert.equal((await api(h.url, 'PATCH', '/api/v1/cameras/3', { name: 'Gate 1 (north)' })).status, 200)
    const [edited] = await deliver(h, receiver, [faceEvent('edit-1')])
    assert.equal(edited?.camera.name, 'Gate 1 (north)')
    assert.equal((await api(h.url, 'DELETE', '/api/v1/cameras/3')).status, 204)
    const [deleted] = await deliver(h, receiver, [faceEvent('edit-2')])
    assert.equal(deleted?.camera, 3)
    assert.deepEqual(deleted?.camera_group, entities['camera-groups'])
  })
})

describe('public_base_url', () => {
  let h: TestHerald
  let receiver: Receiver
  before(async () => {
    receiver = await Receiver.start()
    h = await startHerald({ http: { public_base_url: 'https://ff.example' } })
    await hookTo(h, receiver)
  })
  after(async () => {
    await h.close()
    await receiver.stop()
  })

  test('relative thumbnail and fullframe links become absolute', async () => {
    const [item] = await deliver(h, receiver, [faceEvent('links-1')])
    assert.equal(item?.thumbnail, 'https://ff.example/uploads/2025/08/21/face_event/a_thumbnail.jpg')
    assert.equal(item?.fullframe, 'https://ff.example/uploads/2025/08/21/face_event/a_full_frame.jpg')
  })

  test('absolute links, null links and every other field are left as posted', async () => {
    const face = faceEvent('links-2', { thumbnail: 'https://cdn.example/t.jpg', fullframe: null })
    const [item] = await deliver(h, receiver, [face])
    assert.deepEqual(item, posted(face))
  })

  test('the links of events inside an episode become absolute too', async () => {
    const [item] = await deliver(h, receiver, [humanEpisode(3)])
    assert.equal(item?.last_face_event.thumbnail, 'https://ff.example/uploads/2025/08/21/face_event/a_thumbnail.jpg')
    assert.deepEqual(item?.cameras, [3, 404])
  })
})

/* ---- the signature ---- */

const FACE = { type: 'face_event', matched: true }

function verifies (secret: string, req: ReceivedRequest): boolean {
  try {
    new Webhook(secret).verify(req.body, req.headers as Record<string, string>)
    return true
  } catch {
    return false
  }
}

/**
 * One receiver and a fresh camera number per test: every webhook filters on its own camera, so
 * tests sharing a Herald never see each other's events.
 */
interface Ctx { h: TestHerald, receiver: Receiver, camera: number }
let cameras = 0

async function withReceiver (h: TestHerald, fn: (ctx: Ctx) => Promise<void>): Promise<void> {
  const receiver = await Receiver.start()
  try {
    await fn({ h, receiver, camera: ++cameras })
  } finally {
    await receiver.stop()
  }
}

/** Posts one event and returns the request the receiver got for it. */
async function send ({ h, receiver, camera }: Ctx, id: string): Promise<ReceivedRequest> {
  const count = receiver.requests.length
  const res = await api(h.url, 'POST', '/api/v1/events', { ...FACE, id, camera })
  assert.equal(res.status, 202)
  await receiver.waitForRequests(count + 1)
  return receiver.requests[count] as ReceivedRequest
}

async function createHook ({ h, receiver, camera }: Ctx, fields: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const res = await api(h.url, 'POST', '/hooks/', { name: 'signed', url: receiver.url, filters: { face_events: { camera_in: [camera] } }, ...fields })
  assert.equal(res.status, 201)
  return res.body
}

async function signedHook (ctx: Ctx): Promise<{ id: number, secret: string }> {
  const body = await createHook(ctx, { secret: true })
  return { id: body.id, secret: body.secret }
}

describe('signing with the real clock', () => {
  let h: TestHerald
  before(async () => { h = await startHerald() })
  after(async () => { await h.close() })

  test('secret: true generates a whsec_ secret, shown once in full and masked afterwards', async () => {
    await withReceiver(h, async (ctx) => {
      const { id, secret } = await signedHook(ctx)
      assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/)
      const read = await api(h.url, 'GET', `/hooks/${id}/`)
      assert.equal(read.body.secret, `${secret.slice(0, 10)}…`)
      const listed = await api(h.url, 'GET', `/hooks/?id_in=${id}`)
      assert.equal(listed.body.results[0].secret, `${secret.slice(0, 10)}…`)
    })
  })

  test('a signed webhook request verifies with the standardwebhooks library', async () => {
    await withReceiver(h, async (ctx) => {
      const { secret } = await signedHook(ctx)
      const req = await send(ctx, 'signed-1')
      assert.match(String(req.headers['webhook-id']), /\S/)
      assert.ok(Math.abs(Number(req.headers['webhook-timestamp']) - Date.now() / 1000) < 60)
      assert.match(String(req.headers['webhook-signature']), /^v1,[A-Za-z0-9+/]+=*$/)
      assert.deepEqual(new Webhook(secret).verify(req.body, req.headers as Record<string, string>), [{ id: 'signed-1', matched: true, camera: ctx.camera }])
    })
  })

  test('a webhook given its own whsec_ secret signs with it', async () => {
    await withReceiver(h, async (ctx) => {
      const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`
      const created = await createHook(ctx, { secret })
      assert.equal(created.secret, secret)
      assert.ok(verifies(secret, await send(ctx, 'own-1')))
    })
  })

  test('a webhook without a secret sends webhook-id and webhook-timestamp but no webhook-signature', async () => {
    await withReceiver(h, async (ctx) => {
      await createHook(ctx)
      const req = await send(ctx, 'plain-1')
      assert.equal(req.headers['webhook-signature'], undefined)
      assert.ok(req.headers['webhook-id'] !== undefined)
      assert.ok(req.headers['webhook-timestamp'] !== undefined)
    })
  })

  test('removing the secret with secret: null stops signing', async () => {
    await withReceiver(h, async (ctx) => {
      const { id } = await signedHook(ctx)
      const res = await api(h.url, 'PATCH', `/hooks/${id}/`, { secret: null })
      assert.equal(res.body.secret, null)
      assert.equal((await send(ctx, 'unsigned-1')).headers['webhook-signature'], undefined)
    })
  })

  test('after rotate-secret both the old and the new secret verify during the grace period', async () => {
    await withReceiver(h, async (ctx) => {
      const { id, secret: oldSecret } = await signedHook(ctx)
      const rotated = await api(h.url, 'POST', `/api/v1/hooks/${id}/rotate-secret`)
      assert.equal(rotated.status, 200)
      const newSecret = rotated.body.secret as string
      assert.match(newSecret, /^whsec_/)
      assert.notEqual(newSecret, oldSecret)
      assert.ok(Date.parse(rotated.body.previous_secret_until) > Date.now() + 3600_000, 'the default grace period is long')
      const req = await send(ctx, 'rotated-1')
      assert.equal(String(req.headers['webhook-signature']).split(' ').length, 2)
      assert.ok(verifies(newSecret, req), 'new secret')
      assert.ok(verifies(oldSecret, req), 'old secret')
    })
  })

  test('rotate-secret with grace_period_seconds: 0 retires the old secret at once', async () => {
    await withReceiver(h, async (ctx) => {
      const { id, secret: oldSecret } = await signedHook(ctx)
      const rotated = await api(h.url, 'POST', `/api/v1/hooks/${id}/rotate-secret`, { grace_period_seconds: 0 })
      assert.equal(rotated.status, 200)
      const req = await send(ctx, 'rotated-now')
      assert.ok(verifies(rotated.body.secret, req), 'new secret')
      assert.equal(verifies(oldSecret, req), false, 'old secret still verifies')
    })
  })

  test('rotating a webhook that had no secret gives it one', async () => {
    await withReceiver(h, async (ctx) => {
      const created = await createHook(ctx)
      const rotated = await api(h.url, 'POST', `/api/v1/hooks/${created.id as number}/rotate-secret`)
      assert.match(rotated.body.secret, /^whsec_/)
      assert.ok(verifies(rotated.body.secret, await send(ctx, 'first-secret')))
    })
  })
})

describe('signing with a manual clock', () => {
  // The clock starts at real time, so signed timestamps stay within the library's 5 minutes.
  const clock = new ManualClock(Date.now())
  let h: TestHerald
  before(async () => { h = await startHerald({}, { clock }) })
  after(async () => { await h.close() })

  test('once the grace period has passed only the new secret verifies', async () => {
    await withReceiver(h, async (ctx) => {
      const { id, secret: oldSecret } = await signedHook(ctx)
      const rotated = await api(h.url, 'POST', `/api/v1/hooks/${id}/rotate-secret`, { grace_period_seconds: 60 })
      const newSecret = rotated.body.secret as string
      assert.equal(rotated.body.previous_secret_until, new Date(clock.now() + 60_000).toISOString())
      const during = await send(ctx, 'grace-during')
      assert.ok(verifies(oldSecret, during) && verifies(newSecret, during))
      await clock.advance(61_000)
      const afterGrace = await send(ctx, 'grace-after')
      assert.ok(verifies(newSecret, afterGrace), 'new secret')
      assert.equal(verifies(oldSecret, afterGrace), false, 'old secret after the grace period')
    })
  })

  test('a retried batch keeps its webhook-id and is signed afresh on each attempt', async () => {
    await withReceiver(h, async (ctx) => {
      const { secret } = await signedHook(ctx)
      const { receiver } = ctx
      receiver.respond = (_req, res) => {
        res.statusCode = receiver.requests.length === 1 ? 503 : 200
        res.end()
      }
      await api(h.url, 'POST', '/api/v1/events', { ...FACE, id: 'retry-1', camera: ctx.camera })
      await receiver.waitForRequests(1)
      for (let i = 0; i < 50 && receiver.requests.length < 2; i++) await clock.advance(1000)
      await receiver.waitForRequests(2)
      const [first, second] = receiver.requests as [ReceivedRequest, ReceivedRequest]
      assert.equal(first.headers['webhook-id'], second.headers['webhook-id'])
      assert.equal(first.headers['x-herald-attempt'], '1')
      assert.equal(second.headers['x-herald-attempt'], '2')
      assert.ok(Number(second.headers['webhook-timestamp']) >= Number(first.headers['webhook-timestamp']))
      assert.ok(verifies(secret, first) && verifies(secret, second))
    })
  })
})
