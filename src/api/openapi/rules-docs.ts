import { Type } from '@sinclair/typebox'
import { MAX_RULES_BYTES } from '../../decision/rules/rules-file.js'
import { Nullable, StringEnum } from './doc-types.js'
import { ADMIN_ERRORS, errorAnswer, errorAnswers } from './error-docs.js'
import type { RouteDocs } from './route-docs.js'

/* The es_rules.json mute rules (src/api/rules.ts, docs/rules.md). */

const RULE = Type.Object({
  time_format: Type.Optional(Type.String({ default: '%I:%M %p', description: 'How from and to are written (strftime conversions).' })),
  from: Type.Optional(Type.String({ description: 'Start of the time window, included. Default 00:00.' })),
  to: Type.Optional(Type.String({ description: 'End of the time window, included. Default 00:00.' })),
  daysofweek: Type.Optional(Type.String({ description: 'The days the rule applies (Mon,Tue,…; case-sensitive). Default: every day.' })),
  cause_has: Type.Optional(Type.String({ description: 'A Perl regular expression the alarm cause must match. Default: any cause.' })),
  action: Type.Optional(Type.String({ description: 'mute or critical_notify. Any other value, or none, allows the alarm when the rule is reached (a warning says so).' }))
}, { additionalProperties: true, description: 'One rule; the first rule whose conditions hold decides. Other keys are ignored.' })

const RULES_DOCUMENT = Type.Object({
  notifications: Type.Optional(Type.Object({
    monitors: Type.Optional(Type.Record(Type.String(), Type.Object({
      rules: Type.Array(RULE)
    }, { additionalProperties: true }), { description: 'Keyed by monitor id, compared as a string.' }))
  }, { additionalProperties: true }))
}, { additionalProperties: true, description: 'The es_rules.json document (zmES §7). Other keys are ignored at every level.' })

const RULES_VIEW = Type.Object({
  source: StringEnum(['file', 'store'], { description: 'file: `[customize] es_rules` names the file, which PUT writes; store: the rules live in Herald\'s database.' }),
  file: Nullable(Type.String(), { description: 'The file\'s path; null for store.' }),
  rules: RULES_DOCUMENT,
  warnings: Type.Array(Type.String(), { description: 'Rules that are legal but act otherwise than they may seem to (a missing action, an empty list, …).' })
}, { description: 'The rules in force.' })

export const RULES_DOCS = {
  read: { response: { 200: RULES_VIEW, ...ADMIN_ERRORS } },
  replace: {
    body: RULES_DOCUMENT,
    response: {
      200: RULES_VIEW,
      400: errorAnswer('HRD_ERR_VALIDATION: the rules are invalid, each problem named by its path (`notifications.monitors.3.rules[0].from`); nothing is written. HRD_ERR_API_BAD_JSON: the body is not JSON.'),
      413: errorAnswer(`HRD_ERR_API_BODY_TOO_LARGE: the body is larger than ${MAX_RULES_BYTES / 1024 / 1024} MiB.`),
      ...errorAnswers(415),
      ...ADMIN_ERRORS
    }
  }
} satisfies Record<string, RouteDocs>
