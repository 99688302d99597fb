import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/* The plumbing every loopback HTTP stand-in shares (webhook receiver, FCM fake, push-service fakes). */

export interface BufferedRequest {
  readonly incoming: IncomingMessage
  readonly body: string
  /** The body parsed as JSON, undefined when it is not JSON. */
  readonly json: unknown
}

/** An HTTP server that hands over each request once its whole body has arrived. */
export function bufferedServer (handle: (req: BufferedRequest, res: ServerResponse) => void): Server {
  return createServer((incoming, res) => {
    const chunks: Buffer[] = []
    incoming.on('data', (c: Buffer) => chunks.push(c))
    incoming.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      let json: unknown
      try { json = JSON.parse(body) } catch { json = undefined }
      handle({ incoming, body, json }, res)
    })
  })
}

/** Listens on 127.0.0.1 (port 0: any free one); resolves with the port. */
export async function listenOnLoopback (server: Server, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve())
  })
  return (server.address() as AddressInfo).port
}

/** Closes the port at once, keep-alive connections included, so the next request is refused. */
export async function closeNow (server: Server | undefined): Promise<void> {
  if (server === undefined) return
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
}
