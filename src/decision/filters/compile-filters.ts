import { EVENT_TYPES, SECTION_OF, SECTIONS, type EventType, type JsonObject, type JsonValue, type Section, type Transition } from '../../events/event.js'
import type { WebhookFilters } from './filter-schema.js'
import { boundedRegex } from '../bounded-regex.js'

/*
 * Filter key → event field. FindFace documents the keys but not the fields they read; this table
 * is Herald's reading of the REST objects (spec A5), and the single place to change it.
 *
 * Recognition events (face_events, body_events, car_events)
 *   camera_in                       camera
 *   camera_group_in                 camera_group
 *   matched_lists_in                matched_lists (any element)
 *   matched_card_in                 matched_card
 *   matched                         matched
 *   confidence_gte                  confidence
 *   allowed_bs_types                bs_type
 *   temperature_gte                 temperature
 *   liveness_gte                    liveness, else features.liveness.confidence
 *   X_in (attributes)               features.X.name, else top-level X when not an object
 * face_events
 *   age_gte / age_lte               features.age.name (else top-level age)
 *   headpose_yaw_angle_gte / _lte   features.headpose_yaw.name (else top-level headpose_yaw)
 *   headpose_pitch_angle_gte / _lte features.headpose_pitch.name (else top-level headpose_pitch)
 * body_events
 *   X_score_gte / _lte              features.X.confidence
 * car_events
 *   category_type_in                features.category.name
 *   category_confidence_gte / _lte  features.category.confidence
 *   X_confidence_gte / _lte         features.X.confidence
 * Episodes (human_episodes, car_episodes)
 *   allowed_types                   the event's transition
 *   camera_in                       cameras (any element)
 *   camera_group_in                 camera_groups (any element)
 *   matched_lists_in                matched_lists (any element)
 *   events_count_gte / _lte         events_count
 *   face_matched                    matched_face_event is an object, or face_matched === true
 *   body_matched                    matched_body_event is an object, or body_matched === true
 *   car_matched                     matched_car_event is an object, or car_matched === true
 * counters
 *   counter_in                      counter
 *   camera_in / camera_group_in     camera / camera_group
 *   faces_gte / _lte                faces_count
 *   silhouettes_gte / _lte          silhouettes_count
 *   cars_gte / _lte                 cars_count
 *   proximity_{min,avg,max}_gte/lte proximity_min, proximity_avg, proximity_max
 * areas
 *   area_in                         area
 *   camera_in                       camera or any of cameras
 *   camera_group_in                 camera_group or any of camera_groups
 * alarms (Herald)
 *   monitor_in                      monitor_id
 *   phase_in                        phase
 *   cause_regex                     cause, case-insensitive ('' when missing)
 *   labels_in                       any label in detection
 *   score_gte                       any detected label (only those in labels_in, when given)
 *                                   scoring at least this; "98.24%" counts as 0.9824
 *
 * Ids compare as String(value), so 3 and "3" are equal. An empty list matches nothing (FindFace
 * Security's documented behaviour). A missing or null event value fails the key that reads it.
 */

export interface MatchInput {
  readonly type: EventType
  readonly transition: Transition | null
  readonly data: Readonly<JsonObject>
}

export type EventMatcher = (event: MatchInput) => boolean

type Predicate = (event: MatchInput) => boolean
type Getter = (data: Readonly<JsonObject>) => JsonValue | undefined
type SectionFilter<S extends Section> = NonNullable<WebhookFilters[S]>
type KeyCompilers<T> = { readonly [K in keyof T]-?: (value: NonNullable<T[K]>, section: T) => Predicate }

const matchAll: Predicate = () => true
const matchNone: Predicate = () => false

/**
 * Turns validated filters into one matcher. All parsing (sets, regexes, field lookups) happens
 * here, once per webhook, because the matcher runs for every ingested event × every webhook.
 * Throws on keys the schema does not know: filters must come through validateFilters first.
 */
export function compileFilters (filters: WebhookFilters): EventMatcher {
  for (const section of Object.keys(filters)) {
    if (!(SECTIONS as readonly string[]).includes(section)) throw new Error(`unknown filter section ${section}`)
  }
  if (SECTIONS.every((section) => filters[section] === undefined)) return matchAll
  const byType = Object.create(null) as Record<EventType, Predicate>
  for (const type of EVENT_TYPES) byType[type] = compileSectionOf(SECTION_OF[type], filters)
  return (event) => {
    const predicate = byType[event.type]
    return predicate !== undefined && predicate(event)
  }
}

function compileSectionOf (section: Section, filters: WebhookFilters): Predicate {
  const body = filters[section]
  if (body === undefined) return matchNone
  return compileSection(body as Record<string, unknown>, COMPILERS[section] as unknown as Record<string, KeyCompiler>)
}

type KeyCompiler = (value: unknown, section: Record<string, unknown>) => Predicate

function compileSection (body: Record<string, unknown>, compilers: Readonly<Record<string, KeyCompiler>>): Predicate {
  const predicates: Predicate[] = []
  for (const [key, value] of Object.entries(body)) {
    if (value === undefined) continue
    const compile = Object.hasOwn(compilers, key) ? compilers[key] : undefined
    if (compile === undefined) throw new Error(`unknown filter key ${key}`)
    predicates.push(compile(value, body))
  }
  return allOf(predicates)
}

function allOf (predicates: readonly Predicate[]): Predicate {
  if (predicates.length === 0) return matchAll
  if (predicates.length === 1) return predicates[0] as Predicate
  if (predicates.length === 2) {
    const [a, b] = predicates as [Predicate, Predicate]
    return (event) => a(event) && b(event)
  }
  const list = [...predicates]
  const n = list.length
  return (event) => {
    for (let i = 0; i < n; i++) if (!(list[i] as Predicate)(event)) return false
    return true
  }
}

/* ---- event field access ---- */

function isObject (value: JsonValue | undefined): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function field (name: string): Getter {
  return (data) => data[name]
}

function featureOf (data: Readonly<JsonObject>, attribute: string): JsonObject | undefined {
  const features = data.features
  if (!isObject(features)) return undefined
  const feature = features[attribute]
  return isObject(feature) ? feature : undefined
}

/** `features.X.name`; producers that flatten attributes send a top-level `X` instead. */
function featureName (attribute: string): Getter {
  return (data) => {
    const feature = featureOf(data, attribute)
    if (feature !== undefined) return feature.name
    const top = data[attribute]
    return isObject(top) ? undefined : top
  }
}

function featureConfidence (attribute: string): Getter {
  return (data) => featureOf(data, attribute)?.confidence
}

function liveness (data: Readonly<JsonObject>): JsonValue | undefined {
  const top = data.liveness
  return typeof top === 'number' ? top : featureOf(data, 'liveness')?.confidence
}

/** Numbers as sent; numeric strings too, since feature names may be either. NaN fails every bound. */
function toNumber (value: JsonValue | undefined): number {
  if (typeof value === 'number') return value
  if (typeof value === 'string' && value.trim() !== '') return Number(value)
  return Number.NaN
}

/** Detection scores: 0..1 numbers, or zmes-style percent strings such as "98.24%". */
function toScore (value: JsonValue | undefined): number {
  if (typeof value === 'string') {
    const text = value.trim()
    if (text.endsWith('%')) return text.length > 1 ? Number(text.slice(0, -1)) / 100 : Number.NaN
  }
  return toNumber(value)
}

/* ---- predicate builders ---- */

type Loose = ReadonlySet<string | number>

/**
 * Holds each list value as a string and, when it is a number or a canonical numeric string, as a
 * number too. Then `has` on the raw event value equals comparing String() forms, without
 * converting the event value on every call.
 */
function looseSet (values: ReadonlyArray<string | number>): Loose {
  const set = new Set<string | number>()
  for (const value of values) {
    const text = String(value)
    set.add(text)
    if (typeof value === 'number') {
      set.add(value)
    } else if (text !== '') {
      const number = Number(text)
      if (String(number) === text) set.add(number)
    }
  }
  return set
}

function looseHas (set: Loose, value: JsonValue | undefined): boolean {
  switch (typeof value) {
    case 'string':
    case 'number':
      return set.has(value)
    case 'boolean':
      return set.has(value ? 'true' : 'false')
    default:
      return false
  }
}

/** A scalar must be in the set; an array matches when any element is. */
function looseMatches (set: Loose, value: JsonValue | undefined): boolean {
  if (!Array.isArray(value)) return looseHas(set, value)
  for (let i = 0; i < value.length; i++) if (looseHas(set, value[i])) return true
  return false
}

function inList (get: Getter, values: ReadonlyArray<string | number>): Predicate {
  if (values.length === 0) return matchNone
  const set = looseSet(values)
  return (event) => looseMatches(set, get(event.data))
}

/** For areas, which may name one camera (`camera`) or several (`cameras`). */
function inListEither (one: string, many: string, values: ReadonlyArray<string | number>): Predicate {
  if (values.length === 0) return matchNone
  const set = looseSet(values)
  return (event) => looseMatches(set, event.data[one]) || looseMatches(set, event.data[many])
}

function gte (get: Getter, bound: number): Predicate {
  return (event) => toNumber(get(event.data)) >= bound
}

function lte (get: Getter, bound: number): Predicate {
  return (event) => toNumber(get(event.data)) <= bound
}

function equals (get: Getter, expected: boolean): Predicate {
  return (event) => get(event.data) === expected
}

function episodeHasMatch (eventKey: string, flagKey: string, expected: boolean): Predicate {
  return (event) => {
    const data = event.data
    return (isObject(data[eventKey]) || data[flagKey] === true) === expected
  }
}

function transitionIn (values: readonly Transition[]): Predicate {
  if (values.length === 0) return matchNone
  const set = new Set<string>(values)
  return (event) => event.transition !== null && set.has(event.transition)
}

/**
 * Whether `detection` has a label (from `labels`, when given) scoring at least `minScore` (any
 * score, or none, when null). Detection is `{labels, scores?}` (zmes also says `confidences`) or
 * an array of `{label, score? | confidence?}`.
 */
function detectionHas (detection: JsonValue | undefined, labels: ReadonlySet<string> | null, minScore: number | null): boolean {
  if (Array.isArray(detection)) {
    for (let i = 0; i < detection.length; i++) {
      const item = detection[i]
      if (!isObject(item)) continue
      const label = item.label
      if (typeof label !== 'string' || (labels !== null && !labels.has(label))) continue
      if (minScore === null) return true
      const score = item.score ?? item.confidence
      if (toScore(score) >= minScore) return true
    }
    return false
  }
  if (!isObject(detection)) return false
  const names = detection.labels
  if (!Array.isArray(names)) return false
  const scores = detection.scores ?? detection.confidences
  for (let i = 0; i < names.length; i++) {
    const label = names[i]
    if (typeof label !== 'string' || (labels !== null && !labels.has(label))) continue
    if (minScore === null) return true
    if (Array.isArray(scores) && toScore(scores[i]) >= minScore) return true
  }
  return false
}

/* ---- per-section key tables: the mapped types make the compiler insist every schema key is handled ---- */

const attributeIn = (attribute: string) => (values: readonly string[]) => inList(featureName(attribute), values)
const attributeGte = (attribute: string) => (bound: number) => gte(featureName(attribute), bound)
const attributeLte = (attribute: string) => (bound: number) => lte(featureName(attribute), bound)
const confidenceGte = (attribute: string) => (bound: number) => gte(featureConfidence(attribute), bound)
const confidenceLte = (attribute: string) => (bound: number) => lte(featureConfidence(attribute), bound)

const recognition = {
  matched_lists_in: (values: readonly number[]) => inList(field('matched_lists'), values),
  camera_group_in: (values: readonly number[]) => inList(field('camera_group'), values),
  camera_in: (values: readonly number[]) => inList(field('camera'), values),
  matched_card_in: (values: readonly number[]) => inList(field('matched_card'), values),
  matched: (expected: boolean) => equals(field('matched'), expected),
  confidence_gte: (bound: number) => gte(field('confidence'), bound),
  allowed_bs_types: (values: readonly string[]) => inList(field('bs_type'), values),
  temperature_gte: (bound: number) => gte(field('temperature'), bound),
  liveness_gte: (bound: number) => gte(liveness, bound)
}

const FACE: KeyCompilers<SectionFilter<'face_events'>> = {
  ...recognition,
  headpose_yaw_angle_gte: attributeGte('headpose_yaw'),
  headpose_yaw_angle_lte: attributeLte('headpose_yaw'),
  headpose_pitch_angle_gte: attributeGte('headpose_pitch'),
  headpose_pitch_angle_lte: attributeLte('headpose_pitch'),
  gender_in: attributeIn('gender'),
  age_gte: attributeGte('age'),
  age_lte: attributeLte('age'),
  glasses_in: attributeIn('glasses'),
  emotions_in: attributeIn('emotions'),
  beard_in: attributeIn('beard'),
  medmask_in: attributeIn('medmask'),
  liveness_in: attributeIn('liveness')
}

const BODY: KeyCompilers<SectionFilter<'body_events'>> = {
  ...recognition,
  headwear_in: attributeIn('headwear'),
  upper_clothes_in: attributeIn('upper_clothes'),
  detailed_upper_clothes_in: attributeIn('detailed_upper_clothes'),
  top_color_in: attributeIn('top_color'),
  lower_clothes_in: attributeIn('lower_clothes'),
  bottom_color_in: attributeIn('bottom_color'),
  bag_hand_in: attributeIn('bag_hand'),
  bag_ground_in: attributeIn('bag_ground'),
  bag_back_in: attributeIn('bag_back'),
  vest_type_in: attributeIn('vest_type'),
  helmet_type_in: attributeIn('helmet_type'),
  age_group_in: attributeIn('age_group'),
  gender_in: attributeIn('gender'),
  vest_type_score_gte: confidenceGte('vest_type'),
  vest_type_score_lte: confidenceLte('vest_type'),
  helmet_type_score_gte: confidenceGte('helmet_type'),
  helmet_type_score_lte: confidenceLte('helmet_type'),
  age_group_score_gte: confidenceGte('age_group'),
  age_group_score_lte: confidenceLte('age_group'),
  gender_score_gte: confidenceGte('gender'),
  gender_score_lte: confidenceLte('gender')
}

const CAR: KeyCompilers<SectionFilter<'car_events'>> = {
  ...recognition,
  category_confidence_gte: confidenceGte('category'),
  category_confidence_lte: confidenceLte('category'),
  category_type_in: attributeIn('category'),
  color_in: attributeIn('color'),
  body_in: attributeIn('body'),
  make_in: attributeIn('make'),
  model_in: attributeIn('model'),
  license_plate_number_in: attributeIn('license_plate_number'),
  license_plate_color_in: attributeIn('license_plate_color'),
  license_plate_country_in: attributeIn('license_plate_country'),
  license_plate_region_in: attributeIn('license_plate_region'),
  special_vehicle_type_in: attributeIn('special_vehicle_type'),
  weight_type_in: attributeIn('weight_type'),
  orientation_in: attributeIn('orientation'),
  license_plate_color_confidence_gte: confidenceGte('license_plate_color'),
  license_plate_color_confidence_lte: confidenceLte('license_plate_color'),
  weight_type_confidence_gte: confidenceGte('weight_type'),
  weight_type_confidence_lte: confidenceLte('weight_type'),
  orientation_confidence_gte: confidenceGte('orientation'),
  orientation_confidence_lte: confidenceLte('orientation')
}

const episode = {
  allowed_types: (values: readonly Transition[]) => transitionIn(values),
  matched_lists_in: (values: readonly number[]) => inList(field('matched_lists'), values),
  camera_in: (values: readonly number[]) => inList(field('cameras'), values),
  camera_group_in: (values: readonly number[]) => inList(field('camera_groups'), values),
  events_count_gte: (bound: number) => gte(field('events_count'), bound),
  events_count_lte: (bound: number) => lte(field('events_count'), bound)
}

const HUMAN_EPISODE: KeyCompilers<SectionFilter<'human_episodes'>> = {
  ...episode,
  face_matched: (expected: boolean) => episodeHasMatch('matched_face_event', 'face_matched', expected),
  body_matched: (expected: boolean) => episodeHasMatch('matched_body_event', 'body_matched', expected)
}

const CAR_EPISODE: KeyCompilers<SectionFilter<'car_episodes'>> = {
  ...episode,
  car_matched: (expected: boolean) => episodeHasMatch('matched_car_event', 'car_matched', expected)
}

const COUNTER: KeyCompilers<SectionFilter<'counters'>> = {
  counter_in: (values) => inList(field('counter'), values),
  camera_in: (values) => inList(field('camera'), values),
  camera_group_in: (values) => inList(field('camera_group'), values),
  faces_gte: (bound) => gte(field('faces_count'), bound),
  faces_lte: (bound) => lte(field('faces_count'), bound),
  silhouettes_gte: (bound) => gte(field('silhouettes_count'), bound),
  silhouettes_lte: (bound) => lte(field('silhouettes_count'), bound),
  cars_gte: (bound) => gte(field('cars_count'), bound),
  cars_lte: (bound) => lte(field('cars_count'), bound),
  proximity_min_gte: (bound) => gte(field('proximity_min'), bound),
  proximity_min_lte: (bound) => lte(field('proximity_min'), bound),
  proximity_avg_gte: (bound) => gte(field('proximity_avg'), bound),
  proximity_avg_lte: (bound) => lte(field('proximity_avg'), bound),
  proximity_max_gte: (bound) => gte(field('proximity_max'), bound),
  proximity_max_lte: (bound) => lte(field('proximity_max'), bound)
}

const AREA: KeyCompilers<SectionFilter<'areas'>> = {
  area_in: (values) => inList(field('area'), values),
  camera_in: (values) => inListEither('camera', 'cameras', values),
  camera_group_in: (values) => inListEither('camera_group', 'camera_groups', values)
}

const ALARM: KeyCompilers<SectionFilter<'alarms'>> = {
  monitor_in: (values) => inList(field('monitor_id'), values),
  phase_in: (values) => inList(field('phase'), values),
  cause_regex: (source) => {
    // No `g` flag: a global regex keeps lastIndex between test() calls and would skip matches.
    const regex = boundedRegex(new RegExp(source, 'i'))
    return (event) => {
      const cause = event.data.cause
      return regex.test(typeof cause === 'string' ? cause : '')
    }
  },
  labels_in: (values) => {
    if (values.length === 0) return matchNone
    const labels = new Set(values)
    return (event) => detectionHas(event.data.detection, labels, null)
  },
  score_gte: (bound, section) => {
    const labels = section.labels_in === undefined ? null : new Set(section.labels_in)
    return (event) => detectionHas(event.data.detection, labels, bound)
  }
}

const COMPILERS: { readonly [S in Section]: KeyCompilers<SectionFilter<S>> } = {
  face_events: FACE,
  body_events: BODY,
  car_events: CAR,
  human_episodes: HUMAN_EPISODE,
  car_episodes: CAR_EPISODE,
  counters: COUNTER,
  areas: AREA,
  alarms: ALARM
}
