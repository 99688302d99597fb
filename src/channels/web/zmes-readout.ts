/* The effective zmES settings are computed in one place for every consumer, not only this server. */
export { readEffectiveZmes as readZmesWithOverrides } from '../../config/zmes/effective.js'
