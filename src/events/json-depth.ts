/**
 * Herald stores, renders and re-serialises what producers send. `JSON.stringify` and every other
 * recursive walk over a value overflow the stack somewhere past a few thousand levels, so a
 * 4 MB body of `[[[[…` would turn into a 500. FindFace objects nest about five levels deep (an
 * episode holds an event holds features holds a feature), so a firm, generous limit costs nothing.
 */
export const MAX_JSON_DEPTH = 32

/**
 * The path (JSON-pointer-like, under `path`) of the first value nested deeper than `maxDepth`
 * levels, or undefined. The walk itself recurses at most `maxDepth` frames, so it cannot overflow;
 * it allocates nothing unless it finds something (this runs for every ingested event).
 */
export function tooDeepAt (value: unknown, path = '', maxDepth = MAX_JSON_DEPTH): string | undefined {
  if (value === null || typeof value !== 'object') return undefined
  const found = find(value, maxDepth)
  return found === undefined ? undefined : `${path}${found}` || '/'
}

function find (value: object, remaining: number): string | undefined {
  if (remaining === 0) return ''
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const child: unknown = value[i]
      if (child === null || typeof child !== 'object') continue
      const found = find(child, remaining - 1)
      if (found !== undefined) return `/${i}${found}`
    }
    return undefined
  }
  for (const key in value) {
    const child: unknown = (value as Record<string, unknown>)[key]
    if (child === null || typeof child !== 'object') continue
    const found = find(child, remaining - 1)
    if (found !== undefined) return `/${key}${found}`
  }
  return undefined
}
