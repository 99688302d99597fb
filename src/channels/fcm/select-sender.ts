import type { Logger } from 'pino'
import type { Dispatcher } from 'undici'
import type { Clock } from '../../clock.js'
import type { ZmesConfig } from '../../config/zmes/zmes-schema.js'
import { ConfigError, type FieldProblem } from '../../errors.js'
import { AccessTokenSource } from './access-token.js'
import { ProxySender } from './proxy-sender.js'
import type { PushSender } from './push-sender.js'
import { isHttpUrl, loadServiceAccount } from './service-account.js'
import { V1Sender } from './v1-sender.js'

export interface SenderDependencies {
  readonly config: () => ZmesConfig
  readonly dispatcher: Dispatcher
  readonly clock: Clock
  readonly logger: Logger
  readonly timeoutMs: number
}

/**
 * Picks the transport once, at start, from `[fcm]`:
 *  - `fcm_service_account_file` set: FCM HTTP v1 directly (zmES v7), for apps built against the
 *    user's own Firebase project; the file is read and checked now;
 *  - else `use_fcmv1 = yes` (the default): the zmNinja proxy at `fcm_v1_url`;
 *  - else (`use_fcmv1 = no`): refused. That selects FCM's legacy HTTP API, which Google shut down
 *    in 2024; silently using the proxy instead would send the phones' tokens and alarm texts to a
 *    third party the operator did not choose.
 * Every problem is one ConfigError (HRD_ERR_CONFIG_INVALID) naming the option.
 */
export async function selectSender (deps: SenderDependencies): Promise<PushSender> {
  const fcm = deps.config().fcm
  const file = fcm.fcm_service_account_file
  if (file !== undefined && file !== '') {
    const problems: FieldProblem[] = []
    if (!isHttpUrl(fcm.fcm_api_url)) problems.push({ field: 'fcm.fcm_api_url', message: `must be an http(s) URL such as https://fcm.googleapis.com (got "${fcm.fcm_api_url}")` })
    if (problems.length > 0) throw new ConfigError(problems)
    const account = await loadServiceAccount(file)
    const log = deps.logger
    log.info({ projectId: account.projectId, clientEmail: account.clientEmail }, `fcm: pushes go to FCM HTTP v1 directly, project ${account.projectId}`)
    return new V1Sender({
      projectId: account.projectId,
      apiUrl: fcm.fcm_api_url,
      accessTokens: new AccessTokenSource({ account, dispatcher: deps.dispatcher, clock: deps.clock, logger: log, timeoutMs: deps.timeoutMs }),
      dispatcher: deps.dispatcher,
      clock: deps.clock,
      logger: log,
      timeoutMs: deps.timeoutMs
    })
  }
  if (!fcm.use_fcmv1) {
    throw new ConfigError([{
      field: 'fcm.use_fcmv1',
      message: 'no selects FCM\'s legacy HTTP API, which Google shut down in 2024; set use_fcmv1 = yes (the zmNinja push proxy), set fcm_service_account_file (FCM HTTP v1 with your own Firebase project), or set [fcm] enable = no'
    }])
  }
  const problems: FieldProblem[] = []
  if (!isHttpUrl(fcm.fcm_v1_url)) problems.push({ field: 'fcm.fcm_v1_url', message: `must be an http(s) URL (got "${fcm.fcm_v1_url}")` })
  if (fcm.fcm_v1_key === '') problems.push({ field: 'fcm.fcm_v1_key', message: 'is empty; remove the line to use zmES\'s built-in key, or set the key of your proxy' })
  if (problems.length > 0) throw new ConfigError(problems)
  deps.logger.info({ url: fcm.fcm_v1_url }, `fcm: pushes go through the proxy ${fcm.fcm_v1_url}`)
  return new ProxySender({
    endpoint: () => {
      const f = deps.config().fcm
      return { url: f.fcm_v1_url, key: f.fcm_v1_key }
    },
    dispatcher: deps.dispatcher,
    clock: deps.clock,
    logger: deps.logger,
    timeoutMs: deps.timeoutMs
  })
}
