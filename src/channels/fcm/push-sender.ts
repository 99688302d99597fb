import type { Outcome } from '../../delivery/contract.js'

/** One push to one token, as both transports (proxy and direct FCM) render it. */
export interface Push {
  readonly token: string
  /** `android`, `ios`, or whatever the app registered (then neither platform block is sent). */
  readonly platform: string
  /** `unknown` for old zmNinja versions, which do not know the `zmninja` notification channel. */
  readonly appversion: string
  readonly monitorId: string
  readonly eventId: string
  readonly monitorName: string
  readonly phase: 'start' | 'end'
  readonly title: string
  readonly body: string
  /** The cause as shown (frame prefix removed unless keep_frame_match_type). */
  readonly cause: string
  readonly badge: number
  /** The picture link, credentials included; undefined without include_picture/picture_url. */
  readonly image: string | undefined
}

/** The `[fcm]` settings a message is rendered with; read for every push (escontrol may change them). */
export interface PushStyle {
  readonly replacePushMessages: boolean
  /** `high` | `normal`. */
  readonly androidPriority: string
  /** Seconds; undefined = not sent. */
  readonly androidTtl: number | undefined
  readonly logMessageId: string
  readonly logRawMessage: boolean
}

/** What a transport made of one push. */
export interface PushVerdict {
  readonly outcome: Outcome
  /** Set when FCM said the token is invalid or unregistered: the token is removed for good. */
  readonly invalidToken?: string
}

/** Sends one push: the zmNinja proxy (zmES `use_fcmv1`) or FCM HTTP v1 with a service account (zmES v7). */
export interface PushSender {
  readonly mode: 'proxy' | 'direct'
  send (push: Push, style: PushStyle, signal: AbortSignal): Promise<PushVerdict>
}
