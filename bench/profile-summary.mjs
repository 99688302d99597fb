// Summarises a V8 .cpuprofile (from `node --cpu-prof`): where the Herald process spent its CPU,
// by function (self time), by module (self time grouped by file or package) and by function
// including callees (inclusive time). Used by run.mjs when BENCH_PROFILE=1, or on its own:
//   node bench/profile-summary.mjs bench/profiles/b-herald-batch1.cpuprofile [top]
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

function where (callFrame) {
  const url = callFrame.url
  if (url === '') return `(${callFrame.functionName || 'native'})`
  const nm = url.lastIndexOf('/node_modules/')
  if (nm !== -1) {
    const rest = url.slice(nm + 14).split('/')
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]
  }
  const dist = url.indexOf('/dist/')
  if (dist !== -1) return url.slice(dist + 6)
  if (url.startsWith('node:')) return url
  return url.replace(/^file:\/\//, '')
}

function label (callFrame) {
  return `${callFrame.functionName || '(anonymous)'}  ${where(callFrame)}:${callFrame.lineNumber + 1}`
}

export function summarize (profile, top = 20) {
  const byId = new Map()
  const parent = new Map()
  for (const n of profile.nodes) {
    byId.set(n.id, n)
    for (const c of n.children ?? []) parent.set(c, n.id)
  }
  const self = new Map()
  const modules = new Map()
  const inclusive = new Map()
  const herald = new Set()
  let total = 0
  let idle = 0
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0) / 1000
    const node = byId.get(profile.samples[i])
    if (node === undefined) continue
    if (node.callFrame.functionName === '(idle)') { idle += dt; continue }
    total += dt
    const l = label(node.callFrame)
    self.set(l, (self.get(l) ?? 0) + dt)
    const m = where(node.callFrame)
    modules.set(m, (modules.get(m) ?? 0) + dt)
    const seen = new Set()
    for (let id = node.id; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id).callFrame
      if (f.url === '') continue
      const fl = label(f)
      if (f.url.includes('/dist/') && !f.url.includes('/node_modules/')) herald.add(fl)
      if (seen.has(fl)) continue
      seen.add(fl)
      inclusive.set(fl, (inclusive.get(fl) ?? 0) + dt)
    }
  }
  const rows = (map, n) => [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, n)
  const pct = (ms) => `${(100 * ms / total).toFixed(1).padStart(5)} %`
  const lines = []
  lines.push(`  busy ${(total / 1000).toFixed(2)} s, idle ${(idle / 1000).toFixed(2)} s (percentages are of busy time)`)
  lines.push('  self time by module:')
  for (const [k, v] of rows(modules, 12)) lines.push(`    ${pct(v)}  ${k}`)
  lines.push('  self time by function:')
  for (const [k, v] of rows(self, top)) lines.push(`    ${pct(v)}  ${k}`)
  lines.push('  inclusive time, Herald code (dist/) only:')
  const heraldOnly = new Map([...inclusive].filter(([k]) => herald.has(k)))
  for (const [k, v] of rows(heraldOnly, top)) lines.push(`    ${pct(v)}  ${k}`)
  return lines.join('\n')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2]
  if (file === undefined) {
    process.stderr.write('usage: node bench/profile-summary.mjs <file.cpuprofile> [top]\n')
    process.exit(2)
  }
  process.stdout.write(summarize(JSON.parse(readFileSync(file, 'utf8')), Number(process.argv[3] ?? 25)) + '\n')
}
