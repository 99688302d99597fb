/**
 * What a detection hook printed, read the way zmES's `parseDetectResults` reads it (spec §9.2):
 * one trailing newline stripped, split on the literal `--SPLIT--`, part 1 the text
 * (`[a] detected:person:97% `), part 2 a JSON string (`[]` when missing). Unlike zmES, a JSON part
 * that does not parse is reported as a problem and read as "no detection" instead of killing the
 * event's processing (spec §9.2 QUIRK).
 */
import type { JsonValue } from '../../events/event.js'
import { MAX_JSON_DEPTH, tooDeepAt } from '../../events/json-depth.js'

/** Which frame the detection matched: `[a]` alarm, `[s]` snapshot, `[x]` another (numbered) frame. */
export type FrameType = 'alarm' | 'snapshot' | 'other'

export interface HookOutput {
  /** Part 1, verbatim (frame prefix included). */
  text: string
  /** Part 2, parsed: an object (`{"labels":[…],"boxes":[…],"frame_id":…}`) or an array (v7 fake hooks). `[]` when absent or rejected. */
  detection: JsonValue
  /** Part 2 as the hook printed it when accepted, else `[]`: what userscripts receive. */
  detectionJson: string
  frameType: FrameType | null
  /** Why part 2 was rejected (not JSON, too large, too deep, not an object or array); null when accepted. */
  problem: string | null
}

export const SPLIT_MARKER = '--SPLIT--'

/**
 * 64 KiB: a zm_detect result with a hundred boxes is about 10 KiB, and the JSON must still fit in
 * one argument of a userscript, which Linux caps at 128 KiB (MAX_ARG_STRLEN).
 */
export const DEFAULT_MAX_DETECTION_BYTES = 64 * 1024

const FRAME_PREFIXES: Readonly<Record<string, FrameType>> = { '[a]': 'alarm', '[s]': 'snapshot', '[x]': 'other' }

/**
 * zmES compares the first three characters of the cause (`substr($cause, 0, 3)`), so `[a]` counts
 * with or without the space zm_detect prints after it.
 */
export function frameTypeOf (text: string): FrameType | null {
  return FRAME_PREFIXES[text.slice(0, 3)] ?? null
}

/** The text without its 4-character `[a] ` / `[s] ` / `[x] ` prefix (`keep_frame_match_type = no`). */
export function stripFrameMatchType (text: string): string {
  return frameTypeOf(text) === null ? text : text.slice(4)
}

/**
 * Perl truthiness, which zmES applies to both parts: `''` and `'0'` are false. A hook whose text is
 * false fails even with exit status 0.
 */
export function isPerlFalse (value: string): boolean {
  return value === '' || value === '0'
}

export function parseHookOutput (stdout: string, maxDetectionBytes = DEFAULT_MAX_DETECTION_BYTES): HookOutput {
  const chomped = stdout.endsWith('\n') ? stdout.slice(0, -1) : stdout
  // Anything after a second --SPLIT-- is dropped, as in zmES (its two-variable list assignment).
  const [text = '', rawJson = ''] = chomped.split(SPLIT_MARKER, 2)
  const frameType = frameTypeOf(text)
  const none = (problem: string | null): HookOutput => ({ text, detection: [], detectionJson: '[]', frameType, problem })

  if (isPerlFalse(rawJson)) return none(null)
  const bytes = Buffer.byteLength(rawJson, 'utf8')
  if (bytes > maxDetectionBytes) return none(`detection JSON too large (${bytes} bytes, limit ${maxDetectionBytes})`)
  let detection: unknown
  try {
    detection = JSON.parse(rawJson)
  } catch (e: unknown) {
    return none(`detection JSON does not parse: ${(e as Error).message}`)
  }
  if (detection === null || typeof detection !== 'object') return none('detection JSON is not an object or array')
  const deep = tooDeepAt(detection)
  if (deep !== undefined) return none(`detection JSON nests deeper than ${MAX_JSON_DEPTH} levels at ${deep}`)
  return { text, detection: detection as JsonValue, detectionJson: rawJson, frameType, problem: null }
}
