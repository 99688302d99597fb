import { Type, type Static } from '@sinclair/typebox'

/*
 * The `filters` object of a webhook, key for key as FindFace Multi's schema has it (spec A4.2),
 * plus Herald's own `alarms` section. Bounds are FindFace's where its schema gives them; list and
 * string caps are ours, so a saved filter cannot grow without limit. Every object is closed: a
 * misspelt key would otherwise silently widen what a webhook receives.
 */
export const MAX_FILTER_LIST = 10_000
export const MAX_FILTER_STRING = 1024

const strict = { additionalProperties: false } as const

const IdList = Type.Array(Type.Integer(), { maxItems: MAX_FILTER_LIST })
const TextList = Type.Array(Type.String({ maxLength: MAX_FILTER_STRING }), { maxItems: MAX_FILTER_LIST })
const Probability = Type.Number({ minimum: 0, maximum: 1 })
const Angle = Type.Integer({ minimum: -180, maximum: 180 })
const Distance = Type.Number({ minimum: 0 })
const BsTypes = Type.Array(
  Type.Union([Type.Literal('overall'), Type.Literal('realtime')]),
  { maxItems: MAX_FILTER_LIST }
)
const EpisodeTypes = Type.Array(
  Type.Union([Type.Literal('episode_open'), Type.Literal('episode_event'), Type.Literal('episode_close')]),
  { maxItems: MAX_FILTER_LIST }
)

const recognition = {
  matched_lists_in: Type.Optional(IdList),
  camera_group_in: Type.Optional(IdList),
  camera_in: Type.Optional(IdList),
  matched_card_in: Type.Optional(IdList),
  matched: Type.Optional(Type.Boolean()),
  confidence_gte: Type.Optional(Probability),
  allowed_bs_types: Type.Optional(BsTypes),
  temperature_gte: Type.Optional(Type.Number()),
  liveness_gte: Type.Optional(Probability)
}

export const FaceEventFiltersSchema = Type.Object({
  ...recognition,
  headpose_yaw_angle_gte: Type.Optional(Angle),
  headpose_yaw_angle_lte: Type.Optional(Angle),
  headpose_pitch_angle_gte: Type.Optional(Angle),
  headpose_pitch_angle_lte: Type.Optional(Angle),
  gender_in: Type.Optional(TextList),
  age_gte: Type.Optional(Type.Integer({ minimum: 0 })),
  age_lte: Type.Optional(Type.Integer({ minimum: 0 })),
  glasses_in: Type.Optional(TextList),
  emotions_in: Type.Optional(TextList),
  beard_in: Type.Optional(TextList),
  medmask_in: Type.Optional(TextList),
  liveness_in: Type.Optional(TextList)
}, { ...strict, description: 'Face events (FindFace `face_events`).' })

export const BodyEventFiltersSchema = Type.Object({
  ...recognition,
  headwear_in: Type.Optional(TextList),
  upper_clothes_in: Type.Optional(TextList),
  detailed_upper_clothes_in: Type.Optional(TextList),
  top_color_in: Type.Optional(TextList),
  lower_clothes_in: Type.Optional(TextList),
  bottom_color_in: Type.Optional(TextList),
  bag_hand_in: Type.Optional(TextList),
  bag_ground_in: Type.Optional(TextList),
  bag_back_in: Type.Optional(TextList),
  vest_type_in: Type.Optional(TextList),
  helmet_type_in: Type.Optional(TextList),
  age_group_in: Type.Optional(TextList),
  gender_in: Type.Optional(TextList),
  vest_type_score_gte: Type.Optional(Type.Number()),
  vest_type_score_lte: Type.Optional(Type.Number()),
  helmet_type_score_gte: Type.Optional(Type.Number()),
  helmet_type_score_lte: Type.Optional(Type.Number()),
  age_group_score_gte: Type.Optional(Type.Number()),
  age_group_score_lte: Type.Optional(Type.Number()),
  gender_score_gte: Type.Optional(Type.Number()),
  gender_score_lte: Type.Optional(Type.Number())
}, { ...strict, description: 'Body (silhouette) events (FindFace `body_events`).' })

export const CarEventFiltersSchema = Type.Object({
  ...recognition,
  category_confidence_gte: Type.Optional(Type.Number()),
  category_confidence_lte: Type.Optional(Type.Number()),
  category_type_in: Type.Optional(TextList),
  color_in: Type.Optional(TextList),
  body_in: Type.Optional(TextList),
  make_in: Type.Optional(TextList),
  model_in: Type.Optional(TextList),
  license_plate_number_in: Type.Optional(TextList),
  license_plate_color_in: Type.Optional(TextList),
  license_plate_country_in: Type.Optional(TextList),
  license_plate_region_in: Type.Optional(TextList),
  special_vehicle_type_in: Type.Optional(TextList),
  weight_type_in: Type.Optional(TextList),
  orientation_in: Type.Optional(TextList),
  license_plate_color_confidence_gte: Type.Optional(Type.Number()),
  license_plate_color_confidence_lte: Type.Optional(Type.Number()),
  weight_type_confidence_gte: Type.Optional(Type.Number()),
  weight_type_confidence_lte: Type.Optional(Type.Number()),
  orientation_confidence_gte: Type.Optional(Type.Number()),
  orientation_confidence_lte: Type.Optional(Type.Number())
}, { ...strict, description: 'Car events (FindFace `car_events`).' })

const episode = {
  allowed_types: Type.Optional(EpisodeTypes),
  matched_lists_in: Type.Optional(IdList),
  camera_in: Type.Optional(IdList),
  camera_group_in: Type.Optional(IdList),
  events_count_gte: Type.Optional(Type.Integer({ minimum: 0 })),
  events_count_lte: Type.Optional(Type.Integer({ minimum: 1 }))
}

export const HumanEpisodeFiltersSchema = Type.Object({
  ...episode,
  face_matched: Type.Optional(Type.Boolean()),
  body_matched: Type.Optional(Type.Boolean())
}, { ...strict, description: 'Episodes with people (FindFace `human_episodes`).' })

export const CarEpisodeFiltersSchema = Type.Object({
  ...episode,
  car_matched: Type.Optional(Type.Boolean())
}, { ...strict, description: 'Episodes with cars (FindFace `car_episodes`).' })

export const CounterFiltersSchema = Type.Object({
  counter_in: Type.Optional(IdList),
  camera_in: Type.Optional(IdList),
  camera_group_in: Type.Optional(IdList),
  faces_gte: Type.Optional(Type.Integer({ minimum: 1 })),
  faces_lte: Type.Optional(Type.Integer({ minimum: 0 })),
  silhouettes_gte: Type.Optional(Type.Integer({ minimum: 1 })),
  silhouettes_lte: Type.Optional(Type.Integer({ minimum: 0 })),
  cars_gte: Type.Optional(Type.Integer({ minimum: 1 })),
  cars_lte: Type.Optional(Type.Integer({ minimum: 0 })),
  proximity_min_gte: Type.Optional(Distance),
  proximity_min_lte: Type.Optional(Distance),
  proximity_avg_gte: Type.Optional(Distance),
  proximity_avg_lte: Type.Optional(Distance),
  proximity_max_gte: Type.Optional(Distance),
  proximity_max_lte: Type.Optional(Distance)
}, { ...strict, description: 'Counter records (FindFace `counters`).' })

export const AreaFiltersSchema = Type.Object({
  area_in: Type.Optional(IdList),
  camera_in: Type.Optional(IdList),
  camera_group_in: Type.Optional(IdList)
}, { ...strict, description: 'Area trigger activations (FindFace `areas`).' })

export const AlarmFiltersSchema = Type.Object({
  // ZoneMinder monitor ids are integers, but other alarm sources name monitors.
  monitor_in: Type.Optional(Type.Array(
    Type.Union([Type.Integer(), Type.String({ minLength: 1, maxLength: 256 })]),
    { maxItems: MAX_FILTER_LIST }
  )),
  phase_in: Type.Optional(Type.Array(
    Type.Union([Type.Literal('start'), Type.Literal('update'), Type.Literal('end')]),
    { maxItems: MAX_FILTER_LIST }
  )),
  cause_regex: Type.Optional(Type.String({ maxLength: MAX_FILTER_STRING })),
  labels_in: Type.Optional(TextList),
  score_gte: Type.Optional(Probability)
}, { ...strict, description: 'Alarms (Herald only; no FindFace equivalent).' })

export const WebhookFiltersSchema = Type.Object({
  face_events: Type.Optional(FaceEventFiltersSchema),
  body_events: Type.Optional(BodyEventFiltersSchema),
  car_events: Type.Optional(CarEventFiltersSchema),
  human_episodes: Type.Optional(HumanEpisodeFiltersSchema),
  car_episodes: Type.Optional(CarEpisodeFiltersSchema),
  counters: Type.Optional(CounterFiltersSchema),
  areas: Type.Optional(AreaFiltersSchema),
  alarms: Type.Optional(AlarmFiltersSchema)
}, {
  ...strict,
  description: 'Which events a webhook receives. `{}` receives everything; otherwise only the types whose section is present.'
})

export type WebhookFilters = Static<typeof WebhookFiltersSchema>
