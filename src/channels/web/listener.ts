import { readFileSync } from 'node:fs'
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http'
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { ConfigError } from '../../errors.js'
import type { ZmesConfig } from '../../config/zmes/zmes-schema.js'

/** Where and how the event server listens: resolved from `[network]` and `[ssl]`, files read. */
export interface ListenSpec {
  /** `[network] address` without the brackets zmES writes around IPv6 (`[::]` → `::`). */
  readonly host: string
  readonly port: number
  readonly tls: { readonly cert: Buffer, readonly key: Buffer, readonly certFile: string, readonly keyFile: string } | null
  /** Set when TLS was the built-in default but no certificate is configured, so Herald serves plain. */
  readonly warning?: string
}

/**
 * Decides plain or TLS and reads the certificate files (spec §1). zmES dies when `[ssl] enable` is
 * on without a cert or key. Herald does too when the operator wrote `enable = yes` (or set it by
 * escontrol), but zmES's built-in default is also `yes`, and failing on it would make a fresh
 * `npm start` impossible: with the default alone and no certificate, Herald serves plain
 * WebSocket and says so in a warning.
 * @param sslExplicit `[ssl] enable` was written in the file or set by an escontrol override.
 * @throws ConfigError naming the option when TLS is on and a file is missing or unreadable.
 */
export function resolveListenSpec (config: ZmesConfig, sslExplicit: boolean): ListenSpec {
  const host = stripBrackets(config.network.address)
  const port = config.network.port
  const { enable, cert, key } = config.ssl
  if (!enable) return { host, port, tls: null }
  const certFile = cert ?? ''
  const keyFile = key ?? ''
  if (certFile === '' || keyFile === '') {
    const missing = certFile === '' && keyFile === '' ? 'cert and key are' : certFile === '' ? 'cert is' : 'key is'
    if (sslExplicit) {
      throw new ConfigError([{ field: '[ssl] enable', message: `TLS is on but [ssl] ${missing} not set; set both, or enable = no` }])
    }
    return { host, port, tls: null, warning: `[ssl] enable defaults to yes but [ssl] ${missing} not set: serving plain ws:// on port ${port}; set [ssl] cert and key for wss://, or enable = no to silence this` }
  }
  return { host, port, tls: { cert: readPem('[ssl] cert', certFile), key: readPem('[ssl] key', keyFile), certFile, keyFile } }
}

export function stripBrackets (address: string): string {
  const a = address.trim()
  return a.startsWith('[') && a.endsWith(']') ? a.slice(1, -1) : a
}

function readPem (field: string, file: string): Buffer {
  try {
    return readFileSync(file)
  } catch (error) {
    const e = error as NodeJS.ErrnoException
    const why = e.code === 'ENOENT' ? 'file does not exist' : e.code === 'EACCES' ? 'permission denied' : e.code === 'EISDIR' ? 'is a directory' : e.message
    throw new ConfigError([{ field, message: `cannot read ${file}: ${why}` }])
  }
}

export interface ListenerOptions {
  /** A socket that has not completed the WebSocket upgrade by then is destroyed. */
  readonly handshakeTimeoutMs: number
  readonly onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void
  readonly onError: (err: Error, context: string) => void
}

/**
 * The TCP/TLS listener under the WebSocket server. zmES's old server library hung when a port
 * scanner connected and never upgraded (spec §16, "ES hangs"); here every socket gets
 * handshakeTimeoutMs to finish its TLS handshake and WebSocket upgrade, and an ordinary HTTP
 * request gets 426.
 */
export class Listener {
  #spec: ListenSpec
  readonly #server: Server | HttpsServer
  readonly #pending = new Map<Duplex, NodeJS.Timeout>()

  constructor (spec: ListenSpec, options: ListenerOptions) {
    this.#spec = spec
    const server = spec.tls === null
      ? createHttpServer()
      : createHttpsServer({ cert: spec.tls.cert, key: spec.tls.key, handshakeTimeout: options.handshakeTimeoutMs })
    const guard = (socket: Duplex): void => {
      const timer = setTimeout(() => {
        this.#pending.delete(socket)
        socket.destroy()
      }, options.handshakeTimeoutMs)
      timer.unref()
      this.#pending.set(socket, timer)
      socket.once('close', () => this.#forget(socket))
    }
    // For TLS the TLS layer's handshakeTimeout covers the handshake; the guard starts after it,
    // on the socket the HTTP layer (and so the upgrade) will see.
    if (spec.tls === null) server.on('connection', guard)
    else server.on('secureConnection', guard)
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.#forget(socket)
      options.onUpgrade(req, socket, head)
    })
    server.on('request', (_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain', connection: 'close', upgrade: 'websocket' })
      res.end('This is a zmeventnotification-compatible WebSocket server: connect with ws:// or wss://\n')
    })
    server.on('clientError', (err: Error, socket: Duplex) => {
      options.onError(err, 'client error before upgrade')
      socket.destroy()
    })
    server.on('tlsClientError', (err: Error) => { options.onError(err, 'TLS handshake failed') })
    this.#server = server
  }

  /**
   * zmES's default address `[::]` fails on hosts without IPv6 (some containers); there it falls
   * back to every IPv4 address, which is what `[::]` means on a dual-stack host anyway.
   */
  async listen (): Promise<AddressInfo> {
    try {
      await this.#listenOn(this.#spec.host)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (this.#spec.host !== '::' || (code !== 'EAFNOSUPPORT' && code !== 'EADDRNOTAVAIL')) throw err
      await this.#listenOn('0.0.0.0')
    }
    return this.#server.address() as AddressInfo
  }

  async #listenOn (host: string): Promise<void> {
    const server = this.#server
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err)
      server.once('error', onError)
      server.listen({ host, port: this.#spec.port, backlog: 511 }, () => {
        server.off('error', onError)
        resolve()
      })
    })
  }

  address (): AddressInfo | null {
    const a = this.#server.address()
    return a !== null && typeof a === 'object' ? a : null
  }

  get spec (): ListenSpec {
    return this.#spec
  }

  /** Swaps in renewed certificate files (same endpoint, TLS on) without dropping anyone. */
  renew (spec: ListenSpec): void {
    if (spec.tls === null || !('setSecureContext' in this.#server)) return
    this.#server.setSecureContext({ cert: spec.tls.cert, key: spec.tls.key })
    this.#spec = spec
  }

  /** Stops accepting and drops sockets that never upgraded; upgraded ones belong to the caller. */
  async close (): Promise<void> {
    for (const [socket, timer] of this.#pending) {
      clearTimeout(timer)
      socket.destroy()
    }
    this.#pending.clear()
    const server = this.#server
    server.closeAllConnections()
    if (!server.listening) return
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  #forget (socket: Duplex): void {
    const timer = this.#pending.get(socket)
    if (timer !== undefined) clearTimeout(timer)
    this.#pending.delete(socket)
  }
}

