// The WAL checkpointer's thread (see wal-checkpointer.ts for why it exists). It owns a second
// connection to the store file and does nothing but PASSIVE checkpoints: they copy committed
// frames into the database and fsync, never wait for the writer, and never block it.
import { parentPort, workerData } from 'node:worker_threads'
import Database from 'better-sqlite3'
import type { CheckpointWorkerData, FromCheckpointer, ToCheckpointer } from './wal-checkpointer.js'

interface CheckpointRow { busy: number, log: number, checkpointed: number }

const port = parentPort
if (port === null) throw new Error('checkpoint-worker.js runs as a worker thread')
const data = workerData as CheckpointWorkerData

const db = new Database(data.file, { timeout: data.busyTimeoutMs })
db.pragma(`synchronous = ${data.synchronous === 'full' ? 'FULL' : 'NORMAL'}`)

let timer: NodeJS.Timeout | undefined
let finishAsked = false
let closed = false
let lastLog = 0

function post (message: FromCheckpointer): void {
  port?.postMessage(message)
}

function round (): void {
  timer = undefined
  if (closed) return
  let next = data.idleMs
  try {
    const [row] = db.pragma('wal_checkpoint(PASSIVE)') as CheckpointRow[]
    if (row !== undefined && row.log > 0) {
      // Frames left behind (the writer committed meanwhile): go on almost at once. New frames
      // since the last round: the writer is active, look again soon.
      if (row.log > row.checkpointed) next = 1
      else if (row.log !== lastLog) next = data.activeMs
      lastLog = row.log
      // The WAL only starts over when the writer finds every frame copied, which a checkpoint on
      // this thread almost never sees under steady writes; the writer's own checkpoint of the last
      // few frames makes it so (see WalCheckpointer).
      if (!finishAsked && row.log >= data.restartFrames && row.log - row.checkpointed <= data.finishWithinFrames) {
        finishAsked = true
        post({ kind: 'finish', frames: row.log })
      }
    }
  } catch (err) {
    post({ kind: 'error', message: err instanceof Error ? err.message : String(err) })
    next = data.idleMs
  }
  timer = setTimeout(round, next)
}

port.on('message', (message: ToCheckpointer) => {
  if (message.kind === 'finished') {
    finishAsked = false
    lastLog = 0
    return
  }
  closed = true
  if (timer !== undefined) clearTimeout(timer)
  db.close()
  port.close()
})

round()
