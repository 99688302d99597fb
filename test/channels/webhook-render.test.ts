import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { renderBatch } from '../../src/channels/webhook/render.js'
import type { EntityCatalog } from '../../src/entities/catalog.js'
import type { HeraldEvent, JsonObject } from '../../src/events/event.js'

const NO_ENTITIES = { expand: () => undefined } as unknown as EntityCatalog

function face (data: JsonObject): HeraldEvent {
  return { seq: 1, type: 'face_event', id: '1', key: 'face_event:1', transition: null, data, json: JSON.stringify(data), receivedAt: 0 }
}

function linksUnder (base: string, thumbnail: string): unknown {
  const [item] = JSON.parse(renderBatch([face({ id: 1, thumbnail, fullframe: null })], { verbose: false, publicBaseUrl: base, catalog: NO_ENTITIES })) as JsonObject[]
  return item?.thumbnail
}

describe('public_base_url makes media links absolute', () => {
  /* [base, link as posted, link as sent] */
  const CASES: Array<[string, string, string]> = [
    ['https://ff.example', '/uploads/t.jpg', 'https://ff.example/uploads/t.jpg'],
    ['https://ff.example/', 'uploads/t.jpg', 'https://ff.example/uploads/t.jpg'],
    // A sub-path (reverse proxy) is kept for links from the root and for relative ones alike.
    ['https://ff.example/base', '/uploads/t.jpg', 'https://ff.example/base/uploads/t.jpg'],
    ['https://ff.example/base/', '/uploads/t.jpg', 'https://ff.example/base/uploads/t.jpg'],
    ['https://ff.example/base', 'uploads/f.jpg', 'https://ff.example/base/uploads/f.jpg'],
    ['https://ff.example:8443/a/b', '/uploads/t.jpg?x=1', 'https://ff.example:8443/a/b/uploads/t.jpg?x=1'],
    // Absolute links stay as they are; a protocol-relative one takes the base's scheme.
    ['https://ff.example/base', 'http://cdn.example/t.jpg', 'http://cdn.example/t.jpg'],
    ['https://ff.example/base', '//cdn.example/t.jpg', 'https://cdn.example/t.jpg'],
    ['https://ff.example/base', '', '']
  ]
  for (const [base, link, sent] of CASES) {
    test(`${JSON.stringify(link)} under ${base} → ${JSON.stringify(sent)}`, () => {
      assert.equal(linksUnder(base, link), sent)
    })
  }
})
