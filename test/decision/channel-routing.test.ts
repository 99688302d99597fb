import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { channelRuling } from '../../src/decision/channel-routing.js'
import { ZMES_CHANNELS, ZMES_DEFAULTS, type ZmesChannel, type ZmesConfig } from '../../src/config/zmes/zmes-schema.js'

/*
 * zmES §10.1 over the whole table: phase × use_hooks × hook configured × hook result × the
 * phase's success/fail lists × send_event_*_notification, for every channel. The expected value
 * is written from the spec's rule, independently of the implementation's structure.
 */

type Phase = 'start' | 'end'
const LISTS: ReadonlyArray<readonly ZmesChannel[]> = [[], ['web'], ['fcm', 'mqtt'], ['api'], ['webhooks', 'targets'], ZMES_CHANNELS]

function config (o: { useHooks: boolean, startSwitch: boolean, endSwitch: boolean, success: readonly ZmesChannel[], fail: readonly ZmesChannel[], phase: Phase }): ZmesConfig {
  return {
    ...ZMES_DEFAULTS,
    customize: { ...ZMES_DEFAULTS.customize, use_hooks: o.useHooks, send_event_start_notification: o.startSwitch, send_event_end_notification: o.endSwitch },
    hook: {
      ...ZMES_DEFAULTS.hook,
      [`event_${o.phase}_notify_on_hook_success`]: o.success,
      [`event_${o.phase}_notify_on_hook_fail`]: o.fail,
      // The other phase's lists are the opposite, so a mix-up between phases shows.
      [`event_${o.phase === 'start' ? 'end' : 'start'}_notify_on_hook_success`]: ZMES_CHANNELS.filter((c) => !o.success.includes(c)),
      [`event_${o.phase === 'start' ? 'end' : 'start'}_notify_on_hook_fail`]: ZMES_CHANNELS.filter((c) => !o.fail.includes(c))
    }
  }
}

function expected (channel: ZmesChannel, o: { phase: Phase, useHooks: boolean, configured: boolean, result: number, startSwitch: boolean, endSwitch: boolean, success: readonly ZmesChannel[], fail: readonly ZmesChannel[] }): boolean {
  const ownPhases = channel === 'webhooks' || channel === 'targets'
  if (!ownPhases) {
    // zmES's api channel ignores the start switch (§10.5 quirk, kept).
    if (o.phase === 'start' && !o.startSwitch && channel !== 'api') return false
    if (o.phase === 'end' && !o.endSwitch) return false
  }
  if (!o.useHooks || !o.configured) return true
  return (o.result === 0 ? o.success : o.fail).includes(channel)
}

describe('channel routing (zmES §10.1)', () => {
  it('matches the rule for every combination', () => {
    let rows = 0
    for (const phase of ['start', 'end'] as const) {
      for (const useHooks of [false, true]) {
        for (const configured of [false, true]) {
          for (const result of [0, 1, 2]) {
            for (const startSwitch of [false, true]) {
              for (const endSwitch of [false, true]) {
                for (const success of LISTS) {
                  for (const fail of LISTS) {
                    const o = { phase, useHooks, configured, result, startSwitch, endSwitch, success, fail }
                    const c = config(o)
                    for (const channel of ZMES_CHANNELS) {
                      const got = channelRuling(channel, { phase, hookConfigured: configured, hookResult: result }, c)
                      assert.equal(got.allowed, expected(channel, o), `${channel} ${JSON.stringify(o)}: ${got.reason}`)
                      assert.ok(got.reason.length > 0)
                      rows++
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    assert.equal(rows, 2 * 2 * 2 * 3 * 2 * 2 * LISTS.length * LISTS.length * ZMES_CHANNELS.length)
  })

  it('explains a refusal by naming the list and the hook outcome', () => {
    const c = config({ useHooks: true, startSwitch: true, endSwitch: true, success: ['web'], fail: [], phase: 'start' })
    const r = channelRuling('fcm', { phase: 'start', hookConfigured: true, hookResult: 0 }, c)
    assert.deepEqual(r, { allowed: false, reason: 'hook succeeded and event_start_notify_on_hook_success lacks fcm' })
    assert.equal(channelRuling('fcm', { phase: 'end', hookConfigured: false, hookResult: 0 }, { ...c, customize: { ...c.customize, send_event_end_notification: false } }).reason, 'send_event_end_notification is off')
  })

  it('does not stop end notifications with a none list when no end hook is configured (zmES #201)', () => {
    const c = config({ useHooks: true, startSwitch: true, endSwitch: true, success: [], fail: [], phase: 'end' })
    assert.equal(channelRuling('web', { phase: 'end', hookConfigured: false, hookResult: 0 }, c).allowed, true)
  })

  it('sends alarm updates to webhooks only', () => {
    for (const channel of ZMES_CHANNELS) {
      assert.equal(channelRuling(channel, { phase: 'update', hookConfigured: false, hookResult: 0 }, ZMES_DEFAULTS).allowed, channel === 'webhooks')
    }
  })
})
