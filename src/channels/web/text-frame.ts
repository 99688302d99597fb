/**
 * One WebSocket text frame as a server sends it (RFC 6455 §5.2: FIN set, opcode 1, no mask, no
 * extension bits; this server never negotiates permessage-deflate).
 *
 * An alarm goes to thousands of connections with the same bytes. Framed once and written
 * straight to each socket, the per-connection cost is one socket write; `ws.send` frames again
 * for every call, and on the first alarm after start that path, not yet optimised by V8, made a
 * 10,000-client fan-out ~60 % slower (bench/README.md, phase (e)).
 */
export function textFrame (payload: Buffer): Buffer {
  const length = payload.length
  let header: Buffer
  if (length < 126) {
    header = Buffer.from([0x81, length])
  } else if (length <= 0xffff) {
    header = Buffer.from([0x81, 126, length >> 8, length & 0xff])
  } else {
    header = Buffer.alloc(10)
    header[0] = 0x81
    header[1] = 127
    header.writeBigUInt64BE(BigInt(length), 2)
  }
  return Buffer.concat([header, payload], header.length + length)
}
