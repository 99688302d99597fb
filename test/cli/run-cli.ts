import { execFile } from 'node:child_process'
import { join } from 'node:path'

const REPO = join(import.meta.dirname, '..', '..')

export interface CliResult { readonly code: number, readonly stdout: string, readonly stderr: string }

/**
 * Runs `herald ARGS…` as a real child process (node --import tsx src/cli/main.ts), with only the
 * HERALD_* variables given: one from the developer's shell must not leak in.
 */
export async function herald (args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('HERALD_')))
  return await new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: REPO, env: { ...inherited, ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
      if (err !== null && typeof err.code !== 'number') {
        reject(err)
        return
      }
      resolve({ code: err === null ? 0 : err.code as number, stdout, stderr })
    })
  })
}
