// Child processes of the bench (Herald and the bare forwarder) and what we read about them from
// /proc: CPU time (utime + stime) and resident memory (VmRSS, VmHWM).
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
// BENCH_HERALD_MAIN points the bench at another build (e.g. a candidate change) for an A/B run.
const HERALD_MAIN = process.env.BENCH_HERALD_MAIN ?? fileURLToPath(new URL('../dist/cli/main.js', import.meta.url))
const GC_HOOK = fileURLToPath(new URL('./gc-hook.mjs', import.meta.url))
const FORWARDER = fileURLToPath(new URL('./bare-forwarder.mjs', import.meta.url))
// Linux USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on every mainstream kernel.
const TICK_MS = 10

/** A port nothing listens on once this returns (used for Herald's port and for the dead receiver). */
export async function freePort () {
  const srv = createServer()
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve))
  const { port } = srv.address()
  await new Promise((resolve) => srv.close(resolve))
  return port
}

/** CPU time used by a process so far, in ms. */
export function cpuMs (pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS
}

/** CPU time used by the whole machine so far (every process, all cores), in ms: /proc/stat. */
export function machineBusyMs () {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number)
  // user nice system idle iowait irq softirq steal …: everything but idle and iowait is busy.
  const [user, nice, system, , , irq, softirq, steal] = cpu
  return (user + nice + system + irq + softirq + steal) * TICK_MS
}

/** Load average and CPU pressure (PSI "some avg10"), to tell whether others were using the machine. */
export function machineLoad () {
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number)
  let pressure = NaN
  try { pressure = Number(/some avg10=([\d.]+)/.exec(readFileSync('/proc/pressure/cpu', 'utf8'))?.[1]) } catch {}
  return { load1: load[0], load5: load[1], pressure }
}

/** VmRSS and VmHWM (peak RSS) in bytes, from /proc/<pid>/status. */
export function memoryOf (pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') }
}

const children = new Set()
/** Last resort if the bench dies: never leave a child behind. */
process.on('exit', () => { for (const c of children) { try { c.kill('SIGKILL') } catch {} } })

function track (child, name) {
  children.add(child)
  let tail = ''
  const keep = (d) => { tail = (tail + d.toString()).slice(-4000) }
  // Always drain the pipes: a child blocked on a full stdout pipe would be measured as slow.
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => { children.delete(child); resolve({ code, signal }) }))
  return {
    name,
    pid: child.pid,
    child,
    exited,
    tail: () => tail,
    /** SIGTERM, then SIGKILL after `graceMs`. */
    async stop (graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited
      child.kill('SIGTERM')
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs)
      const r = await exited
      clearTimeout(t)
      return r
    }
  }
}

async function until (what, check, timeoutMs, proc) {
  const stopAt = Date.now() + timeoutMs
  for (;;) {
    if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited (${proc.child.exitCode}) before it was ready:\n${proc.tail()}`)
    if (await check()) return
    if (Date.now() > stopAt) throw new Error(`${proc.name}: ${what} not ready after ${timeoutMs} ms:\n${proc.tail()}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/**
 * `node dist/cli/main.js serve` with its own data folder, port and token. The env is cleaned of
 * any HERALD_* the caller had so a developer's settings cannot skew the run; `env` adds or
 * overrides variables after that (only what the scenario sets).
 */
export async function startHerald ({ dataDir, port, token, cpuProf, env: extraEnv = {} }) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('HERALD_')))
  Object.assign(env, {
    HERALD_DATA_DIR: dataDir,
    HERALD_HTTP_PORT: String(port),
    HERALD_HTTP_ADDRESS: '127.0.0.1',
    HERALD_ADMIN_TOKEN: token,
    HERALD_LOG_LEVEL: 'warn',
    // The zmNinja event server would take port 9000; any free port will do here.
    HERALD_NETWORK_PORT: '0'
  })
  // Scenario-specific settings (e.g. ws-fanout.mjs: the event server's port, address and auth).
  Object.assign(env, extraEnv)
  const nodeArgs = ['--expose-gc', '--import', GC_HOOK]
  if (cpuProf !== undefined) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${cpuProf.dir}`, `--cpu-prof-name=${cpuProf.name}`)
  const child = spawn(process.execPath, [...nodeArgs, HERALD_MAIN, 'serve'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })
  const proc = track(child, 'herald')
  const url = `http://127.0.0.1:${port}`
  await until('GET /healthz', async () => {
    try { return (await fetch(`${url}/healthz`)).status === 200 } catch { return false }
  }, 20_000, proc)
  let gcId = 0
  return {
    ...proc,
    url,
    /** Full GC inside Herald (through gc-hook.mjs); resolves with its process.memoryUsage(). */
    gc (timeoutMs = 10_000) {
      const id = ++gcId
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => { child.off('message', on); reject(new Error('herald did not answer the GC request')) }, timeoutMs)
        const on = (msg) => {
          if (msg?.id !== id) return
          clearTimeout(t)
          child.off('message', on)
          resolve(msg.memory)
        }
        child.on('message', on)
        child.send({ cmd: 'gc', id })
      })
    }
  }
}

/** The baseline forwarder (bench/bare-forwarder.mjs) as its own process. */
export async function startForwarder ({ port, target, mode = 'parallel' }) {
  const child = spawn(process.execPath, [FORWARDER, String(port), target, mode], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })
  const proc = track(child, `bare-forwarder (${mode})`)
  let ready = false
  child.once('message', (m) => { if (m?.ready === true) ready = true })
  await until('listening', async () => ready, 10_000, proc)
  return { ...proc, url: `http://127.0.0.1:${port}` }
}
