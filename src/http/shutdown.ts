import type { Server } from 'node:http'
import type { Socket } from 'node:net'

/**
 * Makes `server.close()` end, within `graceMs`, every connection it would otherwise wait for:
 * Node's close() stops the check that enforces requestTimeout, so a client that sent half a
 * request head (or a body a byte at a time) before it would hold close() for good. At close(),
 * a connection with no answer in progress (idle, or its request not yet whole) is destroyed at
 * once, as closeIdleConnections does for idle ones; one with an answer in progress has `graceMs`
 * (the request timeout) to finish it, then is destroyed too.
 */
export function closeWithin(server: Server, graceMs: number): void {
  const sockets = new Set<Socket>()
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  const close = server.close
  server.close = function (this: Server, ...args: Parameters<Server['close']>) {
    close.apply(this, args)
    // `_httpMessage`: the answer the socket is writing (Node sets it while a response holds it).
    for (const socket of sockets) if ((socket as { _httpMessage?: unknown })._httpMessage == null) socket.destroy()
    if (sockets.size > 0) {
      const timer = setTimeout(() => server.closeAllConnections(), graceMs)
      timer.unref()
      server.once('close', () => clearTimeout(timer))
    }
    return this
  }
}
