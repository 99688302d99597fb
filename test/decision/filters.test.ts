import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { EVENT_TYPES, SECTION_OF, SECTIONS, type EventType, type JsonObject, type Section, type Transition } from '../../src/events/event.js'
import { compileFilters } from '../../src/decision/filters/compile-filters.js'
import { validateFilters } from '../../src/decision/filters/validate-filters.js'
import { WebhookFiltersSchema, type WebhookFilters } from '../../src/decision/filters/filter-schema.js'

/* ---- sample events: the FindFace REST shapes of spec A5, trimmed to what filters read ---- */

const FACE_FEATURES: JsonObject = {
  gender: { name: 'male', confidence: 0.98 },
  age: { name: 34, confidence: 0.9 },
  emotions: { name: 'happy', confidence: 0.7 },
  beard: { name: 'none', confidence: 0.9 },
  glasses: { name: 'sun', confidence: 0.9 },
  medmask: { name: 'none', confidence: 0.9 },
  liveness: { name: 'real', confidence: 0.8 },
  headpose_yaw: { name: 10, confidence: 1 },
  headpose_pitch: { name: -5, confidence: 1 }
}

const BODY_ATTRIBUTES = [
  'headwear', 'upper_clothes', 'detailed_upper_clothes', 'top_color', 'lower_clothes', 'bottom_color',
  'bag_hand', 'bag_ground', 'bag_back', 'vest_type', 'helmet_type', 'age_group', 'gender'
]
const BODY_SCORED = ['vest_type', 'helmet_type', 'age_group', 'gender']
const CAR_ATTRIBUTES = [
  'color', 'body', 'make', 'model', 'license_plate_number', 'license_plate_color', 'license_plate_country',
  'license_plate_region', 'special_vehicle_type', 'weight_type', 'orientation'
]
const CAR_SCORED = ['license_plate_color', 'weight_type', 'orientation']

function attributeFeatures (attributes: readonly string[]): JsonObject {
  return Object.fromEntries(attributes.map((a) => [a, { name: `${a}-value`, confidence: 0.6 }]))
}

const recognitionBase: JsonObject = {
  camera: 3,
  camera_group: 1,
  matched: true,
  matched_card: 17,
  matched_lists: [2, 5],
  confidence: 0.92,
  bs_type: 'realtime'
}

const BASE: Readonly<Record<EventType, JsonObject>> = {
  face_event: { id: 'f1', ...recognitionBase, temperature: 36.6, features: FACE_FEATURES },
  body_event: { id: 'b1', ...recognitionBase, features: attributeFeatures(BODY_ATTRIBUTES) },
  car_event: {
    id: 'c1',
    ...recognitionBase,
    features: { ...attributeFeatures(CAR_ATTRIBUTES), category: { name: 'truck', confidence: 0.7 } }
  },
  human_episode: {
    id: 5512,
    events_count: 3,
    cameras: [3],
    camera_groups: [1],
    matched_lists: [2, 5],
    matched_face_event: { id: 'f1', matched: true },
    matched_body_event: null
  },
  car_episode: {
    id: 9,
    events_count: 3,
    cameras: [3],
    camera_groups: [1],
    matched_lists: [2, 5],
    matched_car_event: { id: 'c1', matched: true }
  },
  counter_record: {
    id: 9001,
    counter: 4,
    camera: 3,
    camera_group: 1,
    faces_count: 2,
    silhouettes_count: 5,
    cars_count: 1,
    proximity_min: 1.4,
    proximity_avg: 2,
    proximity_max: 3.5
  },
  area_activation: { id: 77, area: 2, camera: 3, camera_group: 1, active: true, duration: 15 },
  alarm: {
    monitor_id: 7,
    event_id: 100,
    phase: 'start',
    cause: 'Motion: Front Door [person]',
    detection: { labels: ['person', 'car'], scores: [0.91, 0.42] }
  }
}

const DEFAULT_TRANSITION: Readonly<Record<EventType, Transition | null>> = {
  face_event: null,
  body_event: null,
  car_event: null,
  human_episode: 'episode_open',
  car_episode: 'episode_open',
  counter_record: null,
  area_activation: null,
  alarm: null
}

/* ---- the table ---- */

interface Row {
  readonly should: string
  readonly type: EventType
  /** The section body; the webhook's filters are `{ [SECTION_OF[type]]: filter }`. */
  readonly filter: Record<string, unknown>
  readonly data: JsonObject
  readonly transition: Transition | null
  readonly expect: boolean
}

const ROWS: Row[] = []

/** `patch` keys replace the sample event's keys; a value of `undefined` removes the key. */
function row (
  type: EventType,
  filter: Record<string, unknown>,
  patch: Record<string, unknown>,
  expect: boolean,
  should: string,
  transition: Transition | null = DEFAULT_TRANSITION[type]
): void {
  const data: Record<string, unknown> = { ...BASE[type], ...patch }
  for (const key of Object.keys(patch)) if (patch[key] === undefined) delete data[key]
  ROWS.push({ should, type, filter, data: data as JsonObject, transition, expect })
}

const match = true
const reject = false
const RECOGNITION: EventType[] = ['face_event', 'body_event', 'car_event']

for (const type of RECOGNITION) {
  row(type, { camera_in: [3] }, {}, match, 'matches when the event camera is listed')
  row(type, { camera_in: [4] }, {}, reject, 'rejects when the event camera is not listed')
  row(type, { camera_in: [3] }, { camera: '3' }, match, 'matches a string camera id against an integer list')
  row(type, { camera_in: ['3'] }, { camera: 3 }, match, 'matches an integer camera id against a string list')
  row(type, { camera_in: [3] }, { camera: undefined }, reject, 'rejects an event without a camera')
  row(type, { camera_in: [3] }, { camera: null }, reject, 'rejects an event whose camera is null')
  row(type, { camera_in: [] }, {}, reject, 'rejects everything when the list is empty')
  row(type, { camera_group_in: [9, 1] }, {}, match, 'matches when any listed group is the event group')
  row(type, { camera_group_in: [9] }, {}, reject, 'rejects when the event group is not listed')
  row(type, { camera_group_in: [] }, {}, reject, 'rejects everything when the list is empty')
  row(type, { matched_lists_in: [5] }, {}, match, 'matches when any of the event lists is listed')
  row(type, { matched_lists_in: [7, 8] }, {}, reject, 'rejects when none of the event lists is listed')
  row(type, { matched_lists_in: [2] }, { matched_lists: [] }, reject, 'rejects an event on no watch list')
  row(type, { matched_lists_in: [] }, {}, reject, 'rejects everything when the list is empty')
  row(type, { matched_card_in: [12, 17] }, {}, match, 'matches when the matched card is listed')
  row(type, { matched_card_in: [12, 25] }, {}, reject, 'rejects when the matched card is not listed')
  row(type, { matched_card_in: [17] }, { matched_card: null }, reject, 'rejects an event without a matched card')
  row(type, { matched_card_in: [] }, {}, reject, 'rejects everything when the list is empty')
  row(type, { matched: true }, {}, match, 'true matches a matched event')
  row(type, { matched: true }, { matched: false }, reject, 'true rejects an unmatched event')
  row(type, { matched: false }, { matched: false }, match, 'false matches an unmatched event')
  row(type, { matched: false }, {}, reject, 'false rejects a matched event')
  row(type, { matched: false }, { matched: undefined }, reject, 'false rejects an event without `matched`')
  row(type, { confidence_gte: 0.92 }, {}, match, 'matches a confidence equal to the bound')
  row(type, { confidence_gte: 0.93 }, {}, reject, 'rejects a confidence just below the bound')
  row(type, { confidence_gte: 0 }, { confidence: null }, reject, 'rejects an event without confidence')
  row(type, { allowed_bs_types: ['overall', 'realtime'] }, {}, match, 'matches a listed tracking mode')
  row(type, { allowed_bs_types: ['overall'] }, {}, reject, 'rejects an unlisted tracking mode')
  row(type, { allowed_bs_types: ['realtime'] }, { bs_type: undefined }, reject, 'rejects an event without bs_type')
  row(type, { allowed_bs_types: [] }, {}, reject, 'rejects everything when the list is empty')
  row(type, { temperature_gte: 36.6 }, { temperature: 36.6 }, match, 'matches a temperature equal to the bound')
  row(type, { temperature_gte: 37 }, { temperature: 36.6 }, reject, 'rejects a temperature below the bound')
  row(type, { temperature_gte: 30 }, { temperature: null }, reject, 'rejects an event without temperature')
  row(type, { liveness_gte: 0.7 }, { liveness: 0.7 }, match, 'matches a top-level liveness equal to the bound')
  row(type, { liveness_gte: 0.71 }, { liveness: 0.7 }, reject, 'rejects a top-level liveness below the bound')
  row(type, { liveness_gte: 0.8 }, { features: { liveness: { name: 'real', confidence: 0.8 } } }, match,
    'falls back to features.liveness.confidence')
  row(type, { liveness_gte: 0.81 }, { features: { liveness: { name: 'real', confidence: 0.8 } } }, reject,
    'rejects a features.liveness.confidence below the bound')
  row(type, { liveness_gte: 0.6 }, { liveness: 0.5, features: { liveness: { name: 'real', confidence: 0.9 } } }, reject,
    'prefers the top-level liveness over the feature')
  row(type, { liveness_gte: 0 }, { liveness: undefined, features: {} }, reject, 'rejects an event without liveness')
}

row('face_event', { headpose_yaw_angle_gte: 10 }, {}, match, 'matches a yaw equal to the bound')
row('face_event', { headpose_yaw_angle_gte: 11 }, {}, reject, 'rejects a yaw below the bound')
row('face_event', { headpose_yaw_angle_lte: 10 }, {}, match, 'matches a yaw equal to the bound')
row('face_event', { headpose_yaw_angle_lte: 9 }, {}, reject, 'rejects a yaw above the bound')
row('face_event', { headpose_yaw_angle_lte: 90 }, { features: {} }, reject, 'rejects an event without yaw')
row('face_event', { headpose_pitch_angle_gte: -5 }, {}, match, 'matches a pitch equal to the bound')
row('face_event', { headpose_pitch_angle_gte: -4 }, {}, reject, 'rejects a pitch below the bound')
row('face_event', { headpose_pitch_angle_lte: -5 }, {}, match, 'matches a pitch equal to the bound')
row('face_event', { headpose_pitch_angle_lte: -6 }, {}, reject, 'rejects a pitch above the bound')
row('face_event', { age_gte: 34 }, {}, match, 'matches an age equal to the bound')
row('face_event', { age_gte: 35 }, {}, reject, 'rejects an age below the bound')
row('face_event', { age_gte: 0 }, { features: {} }, reject, 'rejects an event without age')
row('face_event', { age_lte: 34 }, {}, match, 'matches an age equal to the bound')
row('face_event', { age_lte: 33 }, {}, reject, 'rejects an age above the bound')
row('face_event', { age_lte: 40 }, { features: {}, age: 30 }, match, 'falls back to a top-level age')
row('face_event', { gender_in: ['female', 'male'] }, {}, match, 'matches a listed gender')
row('face_event', { gender_in: ['female'] }, {}, reject, 'rejects an unlisted gender')
row('face_event', { gender_in: ['male'] }, { features: {}, gender: 'male' }, match, 'falls back to a top-level gender')
row('face_event', { gender_in: ['male'] }, { features: {} }, reject, 'rejects an event without gender')
row('face_event', { gender_in: [] }, {}, reject, 'rejects everything when the list is empty')
row('face_event', { glasses_in: ['sun'] }, {}, match, 'matches listed glasses')
row('face_event', { glasses_in: ['none', 'eye'] }, {}, reject, 'rejects unlisted glasses')
row('face_event', { emotions_in: ['sad', 'happy'] }, {}, match, 'matches a listed emotion')
row('face_event', { emotions_in: ['angry'] }, {}, reject, 'rejects an unlisted emotion')
row('face_event', { beard_in: ['none'] }, {}, match, 'matches a listed beard value')
row('face_event', { beard_in: ['beard'] }, {}, reject, 'rejects an unlisted beard value')
row('face_event', { medmask_in: ['none'] }, {}, match, 'matches a listed mask value')
row('face_event', { medmask_in: ['correct'] }, {}, reject, 'rejects an unlisted mask value')
row('face_event', { liveness_in: ['real'] }, {}, match, 'matches a listed liveness verdict')
row('face_event', { liveness_in: ['fake'] }, {}, reject, 'rejects an unlisted liveness verdict')

for (const attribute of BODY_ATTRIBUTES) {
  const key = `${attribute}_in`
  row('body_event', { [key]: ['other', `${attribute}-value`] }, {}, match, `matches a listed features.${attribute}.name`)
  row('body_event', { [key]: ['other'] }, {}, reject, `rejects an unlisted features.${attribute}.name`)
  row('body_event', { [key]: [] }, {}, reject, 'rejects everything when the list is empty')
}
for (const attribute of BODY_SCORED) {
  row('body_event', { [`${attribute}_score_gte`]: 0.6 }, {}, match, 'matches a score equal to the bound')
  row('body_event', { [`${attribute}_score_gte`]: 0.61 }, {}, reject, 'rejects a score below the bound')
  row('body_event', { [`${attribute}_score_lte`]: 0.6 }, {}, match, 'matches a score equal to the bound')
  row('body_event', { [`${attribute}_score_lte`]: 0.59 }, {}, reject, 'rejects a score above the bound')
  row('body_event', { [`${attribute}_score_lte`]: 1 }, { features: {} }, reject, 'rejects an event without the attribute')
}

for (const attribute of CAR_ATTRIBUTES) {
  const key = `${attribute}_in`
  row('car_event', { [key]: [`${attribute}-value`] }, {}, match, `matches a listed features.${attribute}.name`)
  row('car_event', { [key]: ['other'] }, {}, reject, `rejects an unlisted features.${attribute}.name`)
}
row('car_event', { license_plate_number_in: ['A123BC'] }, { features: {}, license_plate_number: 'A123BC' }, match,
  'falls back to a top-level license_plate_number')
row('car_event', { color_in: [] }, {}, reject, 'rejects everything when the list is empty')
for (const attribute of CAR_SCORED) {
  row('car_event', { [`${attribute}_confidence_gte`]: 0.6 }, {}, match, 'matches a confidence equal to the bound')
  row('car_event', { [`${attribute}_confidence_gte`]: 0.61 }, {}, reject, 'rejects a confidence below the bound')
  row('car_event', { [`${attribute}_confidence_lte`]: 0.6 }, {}, match, 'matches a confidence equal to the bound')
  row('car_event', { [`${attribute}_confidence_lte`]: 0.59 }, {}, reject, 'rejects a confidence above the bound')
}
row('car_event', { category_type_in: ['bus', 'truck'] }, {}, match, 'matches a listed features.category.name')
row('car_event', { category_type_in: ['bus'] }, {}, reject, 'rejects an unlisted features.category.name')
row('car_event', { category_confidence_gte: 0.7 }, {}, match, 'matches a category confidence equal to the bound')
row('car_event', { category_confidence_gte: 0.71 }, {}, reject, 'rejects a category confidence below the bound')
row('car_event', { category_confidence_lte: 0.7 }, {}, match, 'matches a category confidence equal to the bound')
row('car_event', { category_confidence_lte: 0.69 }, {}, reject, 'rejects a category confidence above the bound')
row('car_event', { category_confidence_lte: 1 }, { features: {} }, reject, 'rejects an event without a category')

for (const type of ['human_episode', 'car_episode'] as const) {
  row(type, { allowed_types: ['episode_open', 'episode_close'] }, {}, match, 'matches a listed transition')
  row(type, { allowed_types: ['episode_event'] }, {}, reject, 'rejects an unlisted transition')
  row(type, { allowed_types: ['episode_close'] }, {}, match, 'reads the transition, not the body', 'episode_close')
  row(type, { allowed_types: ['episode_open'] }, {}, reject, 'rejects an episode without a transition', null)
  row(type, { allowed_types: [] }, {}, reject, 'rejects everything when the list is empty')
  row(type, { camera_in: [4, 3] }, {}, match, 'matches when any episode camera is listed')
  row(type, { camera_in: [4] }, {}, reject, 'rejects when no episode camera is listed')
  row(type, { camera_in: [3] }, { cameras: ['3'] }, match, 'matches string camera ids against an integer list')
  row(type, { camera_in: [3] }, { cameras: undefined, camera: 3 }, reject, 'reads `cameras`, not `camera`')
  row(type, { camera_group_in: [1] }, {}, match, 'matches when any episode group is listed')
  row(type, { camera_group_in: [2] }, {}, reject, 'rejects when no episode group is listed')
  row(type, { matched_lists_in: [5] }, {}, match, 'matches when any episode watch list is listed')
  row(type, { matched_lists_in: [6] }, {}, reject, 'rejects when no episode watch list is listed')
  row(type, { matched_lists_in: [] }, {}, reject, 'rejects everything when the list is empty')
  row(type, { events_count_gte: 3 }, {}, match, 'matches an event count equal to the bound')
  row(type, { events_count_gte: 4 }, {}, reject, 'rejects an event count below the bound')
  row(type, { events_count_gte: 0 }, { events_count: undefined }, reject, 'rejects an episode without an event count')
  row(type, { events_count_lte: 3 }, {}, match, 'matches an event count equal to the bound')
  row(type, { events_count_lte: 2 }, {}, reject, 'rejects an event count above the bound')
}
row('human_episode', { face_matched: true }, {}, match, 'true matches an episode with a matched face event')
row('human_episode', { face_matched: true }, { matched_face_event: null }, reject, 'true rejects an episode without one')
row('human_episode', { face_matched: true }, { matched_face_event: null, face_matched: true }, match,
  'true honours a producer-set face_matched flag')
row('human_episode', { face_matched: false }, { matched_face_event: undefined }, match,
  'false matches an episode with no matched face event')
row('human_episode', { face_matched: false }, {}, reject, 'false rejects an episode with a matched face event')
row('human_episode', { body_matched: true }, { matched_body_event: { id: 'b1' } }, match,
  'true matches an episode with a matched body event')
row('human_episode', { body_matched: true }, {}, reject, 'true rejects an episode whose matched body event is null')
row('human_episode', { body_matched: false }, {}, match, 'false matches an episode with no matched body event')
row('human_episode', { body_matched: false }, { matched_body_event: { id: 'b1' } }, reject,
  'false rejects an episode with a matched body event')
row('car_episode', { car_matched: true }, {}, match, 'true matches an episode with a matched car event')
row('car_episode', { car_matched: true }, { matched_car_event: null }, reject, 'true rejects an episode without one')
row('car_episode', { car_matched: false }, { matched_car_event: null }, match, 'false matches an episode without one')
row('car_episode', { car_matched: false }, {}, reject, 'false rejects an episode with a matched car event')

row('counter_record', { counter_in: [4] }, {}, match, 'matches a listed counter')
row('counter_record', { counter_in: [5] }, {}, reject, 'rejects an unlisted counter')
row('counter_record', { counter_in: [] }, {}, reject, 'rejects everything when the list is empty')
row('counter_record', { camera_in: [3] }, {}, match, 'matches a listed camera')
row('counter_record', { camera_in: [4] }, {}, reject, 'rejects an unlisted camera')
row('counter_record', { camera_group_in: [1] }, {}, match, 'matches a listed camera group')
row('counter_record', { camera_group_in: [1] }, { camera_group: null }, reject, 'rejects a record without a group')
const COUNTER_RANGES: Array<[string, string, number]> = [
  ['faces', 'faces_count', 2],
  ['silhouettes', 'silhouettes_count', 5],
  ['cars', 'cars_count', 1],
  ['proximity_min', 'proximity_min', 1.4],
  ['proximity_avg', 'proximity_avg', 2],
  ['proximity_max', 'proximity_max', 3.5]
]
for (const [prefix, fieldName, value] of COUNTER_RANGES) {
  row('counter_record', { [`${prefix}_gte`]: value }, {}, match, `matches a ${fieldName} equal to the lower bound`)
  row('counter_record', { [`${prefix}_gte`]: value + 1 }, {}, reject, `rejects a ${fieldName} below the lower bound`)
  row('counter_record', { [`${prefix}_lte`]: value }, {}, match, `matches a ${fieldName} equal to the upper bound`)
  row('counter_record', { [`${prefix}_lte`]: value - 0.5 }, {}, reject, `rejects a ${fieldName} above the upper bound`)
  row('counter_record', { [`${prefix}_lte`]: 100 }, { [fieldName]: null }, reject, `rejects a record whose ${fieldName} is null`)
}

row('area_activation', { area_in: [1, 2] }, {}, match, 'matches a listed area')
row('area_activation', { area_in: [1] }, {}, reject, 'rejects an unlisted area')
row('area_activation', { area_in: [2] }, { area: '2' }, match, 'matches a string area id against an integer list')
row('area_activation', { area_in: [] }, {}, reject, 'rejects everything when the list is empty')
row('area_activation', { camera_in: [3] }, {}, match, 'matches a listed camera')
row('area_activation', { camera_in: [4] }, {}, reject, 'rejects an unlisted camera')
row('area_activation', { camera_in: [4] }, { camera: undefined, cameras: [3, 4] }, match, 'matches any of `cameras`')
row('area_activation', { camera_in: [3] }, { camera: undefined }, reject, 'rejects an activation without cameras')
row('area_activation', { camera_group_in: [1] }, {}, match, 'matches a listed camera group')
row('area_activation', { camera_group_in: [6] }, {}, reject, 'rejects an unlisted camera group')
row('area_activation', { camera_group_in: [6] }, { camera_group: undefined, camera_groups: [6] }, match,
  'matches any of `camera_groups`')

const ARRAY_DETECTION = [
  { label: 'person', confidence: '98.24%' },
  { label: 'dog', score: 0.5 },
  { label: 'car', confidence: 0.3 }
]
row('alarm', { monitor_in: [7] }, {}, match, 'matches a listed monitor')
row('alarm', { monitor_in: [8] }, {}, reject, 'rejects an unlisted monitor')
row('alarm', { monitor_in: ['7'] }, {}, match, 'matches an integer monitor id against a string list')
row('alarm', { monitor_in: ['garage'] }, { monitor_id: 'garage' }, match, 'matches a named monitor')
row('alarm', { monitor_in: [] }, {}, reject, 'rejects everything when the list is empty')
row('alarm', { phase_in: ['start', 'end'] }, {}, match, 'matches a listed phase')
row('alarm', { phase_in: ['end'] }, {}, reject, 'rejects an unlisted phase')
row('alarm', { phase_in: [] }, {}, reject, 'rejects everything when the list is empty')
row('alarm', { cause_regex: 'front\\s+DOOR' }, {}, match, 'matches the cause case-insensitively')
row('alarm', { cause_regex: '^back' }, {}, reject, 'rejects a cause that does not match')
row('alarm', { cause_regex: 'person' }, { cause: undefined }, reject, 'rejects a missing cause for a non-empty pattern')
row('alarm', { cause_regex: '^$' }, { cause: undefined }, match, 'treats a missing cause as the empty string')
row('alarm', { labels_in: ['dog', 'car'] }, {}, match, 'matches any label of a {labels} detection')
row('alarm', { labels_in: ['dog'] }, {}, reject, 'rejects a detection without a listed label')
row('alarm', { labels_in: ['dog'] }, { detection: ARRAY_DETECTION }, match, 'matches a label of an array detection')
row('alarm', { labels_in: ['person'] }, { detection: undefined }, reject, 'rejects an alarm without detection')
row('alarm', { labels_in: ['person'] }, { detection: null }, reject, 'rejects an alarm whose detection is null')
row('alarm', { labels_in: [] }, {}, reject, 'rejects everything when the list is empty')
row('alarm', { score_gte: 0.91 }, {}, match, 'matches when some label scores exactly the bound')
row('alarm', { score_gte: 0.92 }, {}, reject, 'rejects when every label scores below the bound')
row('alarm', { score_gte: 0.98 }, { detection: ARRAY_DETECTION }, match, 'reads percent strings as fractions')
row('alarm', { score_gte: 0.99 }, { detection: ARRAY_DETECTION }, reject, 'rejects percent scores below the bound')
row('alarm', { score_gte: 0.5 }, { detection: [{ label: 'dog', score: 0.5 }] }, match, 'reads `score` of array items')
row('alarm', { score_gte: 0.9 }, { detection: { labels: ['person'], confidences: ['95%'] } }, match,
  'reads zmes-style `confidences`')
row('alarm', { score_gte: 0.1 }, { detection: { labels: ['person'] } }, reject, 'rejects labels without scores')
row('alarm', { labels_in: ['car'], score_gte: 0.4 }, {}, match, 'with labels_in, matches a listed label above the bound')
row('alarm', { labels_in: ['car'], score_gte: 0.9 }, {}, reject,
  'with labels_in, ignores an unlisted label that scores above the bound')

/* ---- running it ---- */

function filtersOf (r: Row): WebhookFilters {
  return { [SECTION_OF[r.type]]: r.filter } as WebhookFilters
}

describe('compileFilters: every key of every section', () => {
  for (const r of ROWS) {
    const section = SECTION_OF[r.type]
    const name = `${section} ${JSON.stringify(r.filter)} ${r.should} (${r.type}${r.transition === null ? '' : ` ${r.transition}`})`
    test(name, () => {
      const matcher = compileFilters(filtersOf(r))
      assert.equal(matcher({ type: r.type, transition: r.transition, data: r.data }), r.expect)
    })
  }

  test('the table has a matching and a non-matching row for every key the schema allows', () => {
    const seen = new Set<string>()
    for (const r of ROWS) {
      const keys = Object.keys(r.filter)
      if (keys.length === 1) seen.add(`${SECTION_OF[r.type]}.${keys[0] as string}:${String(r.expect)}`)
    }
    const missing: string[] = []
    for (const [section, schema] of Object.entries(WebhookFiltersSchema.properties)) {
      for (const key of Object.keys((schema as { properties: object }).properties)) {
        for (const expect of [true, false]) {
          // Recognition keys are exercised once per event type above; checking the section is enough.
          if (!seen.has(`${section}.${key}:${String(expect)}`)) missing.push(`${section}.${key}:${String(expect)}`)
        }
      }
    }
    assert.deepEqual(missing, [])
  })
})

describe('compileFilters: sections', () => {
  test('empty filters match every event of every type', () => {
    const matcher = compileFilters({})
    for (const type of EVENT_TYPES) {
      assert.equal(matcher({ type, transition: DEFAULT_TRANSITION[type], data: BASE[type] }), true, type)
    }
  })

  test('a present section rejects every type whose section is absent', () => {
    const matcher = compileFilters({ car_events: {} })
    for (const type of EVENT_TYPES) {
      const expected = type === 'car_event'
      assert.equal(matcher({ type, transition: DEFAULT_TRANSITION[type], data: BASE[type] }), expected, type)
    }
  })

  test('an empty section matches every object of its type, however bare', () => {
    for (const type of EVENT_TYPES) {
      const matcher = compileFilters({ [SECTION_OF[type]]: {} } as WebhookFilters)
      assert.equal(matcher({ type, transition: null, data: { id: 1 } }), true, type)
    }
  })

  test('several sections each admit their own type', () => {
    const matcher = compileFilters({ face_events: { matched: true }, counters: {} })
    assert.equal(matcher({ type: 'face_event', transition: null, data: BASE.face_event }), true)
    assert.equal(matcher({ type: 'face_event', transition: null, data: { ...BASE.face_event, matched: false } }), false)
    assert.equal(matcher({ type: 'counter_record', transition: null, data: BASE.counter_record }), true)
    assert.equal(matcher({ type: 'area_activation', transition: null, data: BASE.area_activation }), false)
  })

  test('sections explicitly set to undefined count as absent', () => {
    const matcher = compileFilters({ face_events: undefined })
    assert.equal(matcher({ type: 'alarm', transition: null, data: BASE.alarm }), true)
  })

  test('all keys of a section must hold (AND)', () => {
    const filters: WebhookFilters = { face_events: { camera_in: [3], matched: true, confidence_gte: 0.9 } }
    const matcher = compileFilters(filters)
    const face = (patch: JsonObject): boolean => matcher({ type: 'face_event', transition: null, data: { ...BASE.face_event, ...patch } })
    assert.equal(face({}), true)
    assert.equal(face({ camera: 4 }), false)
    assert.equal(face({ matched: false }), false)
    assert.equal(face({ confidence: 0.5 }), false)
  })

  test('one value of each list suffices (OR), as in the FindFace documentation example', () => {
    const matcher = compileFilters({ body_events: { camera_group_in: [1, 3], matched_card_in: [12, 25] } })
    const body = (camera_group: number, matched_card: number): boolean =>
      matcher({ type: 'body_event', transition: null, data: { ...BASE.body_event, camera_group, matched_card } })
    assert.equal(body(1, 12), true)
    assert.equal(body(3, 25), true)
    assert.equal(body(2, 12), false)
    assert.equal(body(1, 13), false)
  })

  test('the FindFace UI template, with its empty lists, matches nothing', () => {
    const matcher = compileFilters(FULL_TEMPLATE)
    for (const type of EVENT_TYPES) {
      assert.equal(matcher({ type, transition: DEFAULT_TRANSITION[type], data: BASE[type] }), false, type)
    }
  })

  test('a compiled matcher gives the same answer on every call (no regex lastIndex state)', () => {
    const matcher = compileFilters({ alarms: { cause_regex: 'door' } })
    for (let i = 0; i < 3; i++) assert.equal(matcher({ type: 'alarm', transition: null, data: BASE.alarm }), true)
  })

  test('unknown sections and keys are refused at compile time, never silently ignored', () => {
    assert.throws(() => compileFilters({ bogus: {} } as unknown as WebhookFilters), /unknown filter section bogus/)
    assert.throws(() => compileFilters({ face_events: { bogus: [1] } } as unknown as WebhookFilters), /unknown filter key bogus/)
  })
})

/* ---- validateFilters ---- */

const FULL_TEMPLATE: WebhookFilters = {
  face_events: {
    matched_lists_in: [], camera_group_in: [], camera_in: [], matched_card_in: [],
    matched: true, confidence_gte: 0.75, allowed_bs_types: ['overall', 'realtime'],
    temperature_gte: 37, liveness_gte: 0.65,
    headpose_yaw_angle_gte: -90, headpose_yaw_angle_lte: 90,
    headpose_pitch_angle_gte: -90, headpose_pitch_angle_lte: 90,
    gender_in: [], age_lte: 0, age_gte: 0, glasses_in: [], emotions_in: [],
    beard_in: [], medmask_in: [], liveness_in: []
  },
  body_events: {
    matched_lists_in: [], camera_group_in: [], camera_in: [], matched_card_in: [],
    matched: true, confidence_gte: 0.75, allowed_bs_types: ['overall', 'realtime'],
    headwear_in: [], upper_clothes_in: [], detailed_upper_clothes_in: [], top_color_in: [],
    lower_clothes_in: [], bottom_color_in: [], bag_hand_in: [], bag_back_in: [], vest_type_in: [],
    helmet_type_in: [], age_group_in: [], gender_in: [],
    vest_type_score_gte: 0, vest_type_score_lte: 1, helmet_type_score_gte: 0, helmet_type_score_lte: 1,
    age_group_score_gte: 0, age_group_score_lte: 1, gender_score_gte: 0, gender_score_lte: 1
  },
  car_events: {
    matched_lists_in: [], camera_group_in: [], camera_in: [], matched_card_in: [],
    matched: true, confidence_gte: 0.75, allowed_bs_types: ['overall', 'realtime'],
    category_confidence_gte: 0, category_confidence_lte: 1, category_type_in: [],
    color_in: [], body_in: [], make_in: [], model_in: [], license_plate_number_in: [],
    license_plate_color_in: [], license_plate_country_in: [], license_plate_region_in: [],
    special_vehicle_type_in: [], weight_type_in: [], orientation_in: [],
    license_plate_color_confidence_gte: 0, license_plate_color_confidence_lte: 1,
    weight_type_confidence_gte: 0, weight_type_confidence_lte: 1,
    orientation_confidence_gte: 0, orientation_confidence_lte: 1
  },
  human_episodes: {
    allowed_types: ['episode_open', 'episode_event', 'episode_close'],
    matched_lists_in: [], camera_in: [], camera_group_in: [],
    events_count_gte: 0, events_count_lte: 999, face_matched: true, body_matched: true
  },
  car_episodes: {
    allowed_types: ['episode_open', 'episode_event', 'episode_close'],
    matched_lists_in: [], camera_in: [], camera_group_in: [],
    events_count_gte: 0, events_count_lte: 999, car_matched: true
  },
  counters: {
    counter_in: [], camera_in: [], camera_group_in: [],
    faces_gte: 1, faces_lte: 100, silhouettes_gte: 1, silhouettes_lte: 100,
    cars_gte: 1, cars_lte: 100, proximity_min_lte: 100, proximity_min_gte: 0,
    proximity_avg_lte: 100, proximity_avg_gte: 0, proximity_max_lte: 100, proximity_max_gte: 0
  },
  areas: { area_in: [], camera_in: [], camera_group_in: [] },
  alarms: { monitor_in: [], phase_in: ['start', 'end'], cause_regex: '', labels_in: [], score_gte: 0.5 }
}

function problemsOf (value: unknown, path?: string): Array<{ field: string, message: string }> {
  const result = validateFilters(value, path)
  assert.equal(result.ok, false, 'expected validation to fail')
  return result.ok ? [] : result.problems
}

describe('validateFilters', () => {
  test('the schema has exactly the eight filter sections', () => {
    assert.deepEqual(Object.keys(WebhookFiltersSchema.properties), [...SECTIONS])
  })

  test('the full FindFace template plus body, car and alarm sections is valid', () => {
    const result = validateFilters(FULL_TEMPLATE)
    assert.equal(result.ok, true)
    if (result.ok) assert.equal(result.filters, FULL_TEMPLATE)
  })

  test('the example filters from the FindFace documentation are valid and warn of nothing', () => {
    for (const filters of [
      {},
      { car_events: {} },
      { human_episodes: { allowed_types: ['episode_open'], face_matched: true, body_matched: true } },
      { body_events: { camera_group_in: [1, 3], matched_card_in: [12, 25] } }
    ]) {
      assert.deepEqual(validateFilters(filters), { ok: true, filters, warnings: [] })
    }
  })

  test('each empty list comes back as one warning naming the field', () => {
    const result = validateFilters({ face_events: { camera_in: [], matched: true }, areas: { area_in: [], camera_in: [1] } })
    assert.deepEqual(result, {
      ok: true,
      filters: { face_events: { camera_in: [], matched: true }, areas: { area_in: [], camera_in: [1] } },
      warnings: [
        'filters.face_events.camera_in is an empty list: it matches nothing',
        'filters.areas.area_in is an empty list: it matches nothing'
      ]
    })
  })

  test('the template warns once per empty list it contains', () => {
    const result = validateFilters(FULL_TEMPLATE)
    assert.ok(result.ok)
    const empty = Object.values(FULL_TEMPLATE).flatMap((section) =>
      Object.values(section as object).filter((v) => Array.isArray(v) && v.length === 0))
    assert.equal(result.warnings.length, empty.length)
  })

  const invalid: Array<[string, unknown, string, string | RegExp]> = [
    ['filters that are not an object', [], 'filters', 'must be an object'],
    ['null filters', null, 'filters', 'must be an object'],
    ['an unknown section', { bogus_section: {} }, 'filters.bogus_section',
      'unknown section (allowed: face_events, body_events, car_events, human_episodes, car_episodes, counters, areas, alarms)'],
    ['FindFace\'s undocumented trigger_events section', { trigger_events: {} }, 'filters.trigger_events', /^unknown section/],
    ['a section that is not an object', { face_events: [] }, 'filters.face_events', 'must be an object'],
    ['a section that is null', { counters: null }, 'filters.counters', 'must be an object'],
    ['an unknown key', { face_events: { bogus: 1 } }, 'filters.face_events.bogus', 'unknown key'],
    ['a key from another section', { face_events: { counter_in: [1] } }, 'filters.face_events.counter_in', 'unknown key'],
    ['the FindFace 1.0 matched_dossier_in key', { face_events: { matched_dossier_in: [1] } },
      'filters.face_events.matched_dossier_in', 'unknown key (renamed to matched_card_in)'],
    ['a string where an id list is expected', { face_events: { camera_in: '3' } }, 'filters.face_events.camera_in',
      'must be array of integer'],
    ['string ids in an id list', { face_events: { camera_in: ['3'] } }, 'filters.face_events.camera_in',
      'must be array of integer'],
    ['fractional ids', { areas: { area_in: [1.5] } }, 'filters.areas.area_in', 'must be array of integer'],
    ['a number where a string list is expected', { face_events: { gender_in: [1] } }, 'filters.face_events.gender_in',
      `must be array of string of at most 1024 characters`],
    ['an unknown tracking mode', { car_events: { allowed_bs_types: ['sometimes'] } }, 'filters.car_events.allowed_bs_types',
      'must be array of "overall" or "realtime"'],
    ['an unknown episode transition', { car_episodes: { allowed_types: ['episode_opened'] } },
      'filters.car_episodes.allowed_types', 'must be array of "episode_open" or "episode_event" or "episode_close"'],
    ['a string where a boolean is expected', { face_events: { matched: 'yes' } }, 'filters.face_events.matched',
      'must be boolean'],
    ['a confidence above 1', { face_events: { confidence_gte: 1.5 } }, 'filters.face_events.confidence_gte',
      'must be number between 0 and 1'],
    ['a negative confidence', { body_events: { confidence_gte: -0.1 } }, 'filters.body_events.confidence_gte',
      'must be number between 0 and 1'],
    ['a liveness above 1', { face_events: { liveness_gte: 2 } }, 'filters.face_events.liveness_gte',
      'must be number between 0 and 1'],
    ['a negative age', { face_events: { age_gte: -1 } }, 'filters.face_events.age_gte', 'must be integer >= 0'],
    ['a fractional age', { face_events: { age_lte: 30.5 } }, 'filters.face_events.age_lte', 'must be integer >= 0'],
    ['a yaw beyond 180 degrees', { face_events: { headpose_yaw_angle_lte: 181 } }, 'filters.face_events.headpose_yaw_angle_lte',
      'must be integer between -180 and 180'],
    ['a pitch below -180 degrees', { face_events: { headpose_pitch_angle_gte: -181 } },
      'filters.face_events.headpose_pitch_angle_gte', 'must be integer between -180 and 180'],
    ['a negative events_count_gte', { human_episodes: { events_count_gte: -1 } }, 'filters.human_episodes.events_count_gte',
      'must be integer >= 0'],
    ['an events_count_lte of 0', { car_episodes: { events_count_lte: 0 } }, 'filters.car_episodes.events_count_lte',
      'must be integer >= 1'],
    ['a faces_gte of 0', { counters: { faces_gte: 0 } }, 'filters.counters.faces_gte', 'must be integer >= 1'],
    ['a negative cars_lte', { counters: { cars_lte: -1 } }, 'filters.counters.cars_lte', 'must be integer >= 0'],
    ['a negative distance', { counters: { proximity_min_gte: -0.5 } }, 'filters.counters.proximity_min_gte',
      'must be number >= 0'],
    ['a string score', { body_events: { gender_score_gte: '0.5' } }, 'filters.body_events.gender_score_gte', 'must be number'],
    ['a fractional monitor id', { alarms: { monitor_in: [1.5] } }, 'filters.alarms.monitor_in',
      'must be array of integer or string of at most 256 characters'],
    ['an unknown alarm phase', { alarms: { phase_in: ['begin'] } }, 'filters.alarms.phase_in',
      'must be array of "start" or "update" or "end"'],
    ['an alarm score above 1', { alarms: { score_gte: 1.01 } }, 'filters.alarms.score_gte', 'must be number between 0 and 1'],
    ['a regex that does not compile', { alarms: { cause_regex: 'door(' } }, 'filters.alarms.cause_regex',
      /^is not a valid regular expression: /],
    ['a regex longer than 1024 characters', { alarms: { cause_regex: 'a'.repeat(1025) } }, 'filters.alarms.cause_regex',
      'must be string of at most 1024 characters'],
    ['a list longer than 10000 items', { areas: { camera_in: Array.from({ length: 10_001 }, (_, i) => i) } },
      'filters.areas.camera_in', 'must have at most 10000 items']
  ]
  for (const [what, value, field, message] of invalid) {
    test(`rejects ${what}, naming ${field}`, () => {
      const problems = problemsOf(value)
      assert.equal(problems.length, 1, JSON.stringify(problems))
      const [problem] = problems
      assert.equal(problem?.field, field)
      if (typeof message === 'string') assert.equal(problem?.message, message)
      else assert.match(problem?.message ?? '', message)
    })
  }

  test('reports every problem at once, across sections', () => {
    const problems = problemsOf({ face_events: { camera_in: 'x', bogus: 1 }, counters: { faces_gte: 0 }, nope: {} })
    assert.deepEqual(problems.map((p) => p.field), [
      'filters.face_events.camera_in',
      'filters.face_events.bogus',
      'filters.counters.faces_gte',
      'filters.nope'
    ])
  })

  test('prefixes fields with the given path', () => {
    const problems = problemsOf({ face_events: { camera_in: 'x' } }, 'body.filters')
    assert.equal(problems[0]?.field, 'body.filters.face_events.camera_in')
    const result = validateFilters({ areas: { area_in: [] } }, 'webhook.filters')
    assert.ok(result.ok)
    assert.deepEqual(result.warnings, ['webhook.filters.areas.area_in is an empty list: it matches nothing'])
  })

  test('caps the number of problems at 50', () => {
    const hostile = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`s${i}`, {}]))
    assert.equal(problemsOf(hostile).length, 50)
    const manyKeys = { face_events: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, 1])) }
    assert.equal(problemsOf(manyKeys).length, 50)
  })

  test('does not mistake inherited names such as __proto__ or toString for sections', () => {
    const problems = problemsOf(JSON.parse('{"__proto__": {}, "toString": {}}'))
    assert.deepEqual(problems.map((p) => p.field), ['filters.__proto__', 'filters.toString'])
  })

  test('a valid regex passes and then matches case-insensitively', () => {
    const result = validateFilters({ alarms: { cause_regex: '(front|back) door' } })
    assert.ok(result.ok)
    const matcher = compileFilters(result.filters)
    assert.equal(matcher({ type: 'alarm', transition: null, data: { ...BASE.alarm, cause: 'BACK DOOR' } }), true)
  })
})

describe('validateFilters: cause_regex cannot stall ingest', () => {
  for (const pattern of ['(a+)+$', '(\\w+\\s?)*$', '([a-z]*)*', '(x{1,}y?)+']) {
    test(`refuses the exponential-time pattern ${pattern}, naming the field`, () => {
      const result = validateFilters({ alarms: { cause_regex: pattern } })
      assert.equal(result.ok, false)
      if (!result.ok) {
        assert.equal(result.problems[0]?.field, 'filters.alarms.cause_regex')
        assert.match(result.problems[0]?.message ?? '', /exponential time/)
      }
    })
  }
  test('refuses backreferences', () => {
    const result = validateFilters({ alarms: { cause_regex: '(a|b)\\1' } })
    assert.equal(result.ok, false)
  })
  for (const pattern of ['^(?!.*(plant|cat|dog)).*$', 'person|car', '(ab)+', 'x{2,}(y)+', '[(+]+']) {
    test(`accepts the ordinary pattern ${pattern} (zmES-style lookaheads included)`, () => {
      assert.equal(validateFilters({ alarms: { cause_regex: pattern } }).ok, true)
    })
  }
})
