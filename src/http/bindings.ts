import { lookup } from 'node:dns/promises'
import type { Server } from 'node:http'
import { isIP, type AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'

/**
 * Listens on `address` too, with a server made like the app's own (the same request
 * listener, fast path, timeouts and connection cap, `clientError` answers), closed with it.
 * Fastify binds every address of a host name (`localhost`: 127.0.0.1 and ::1) itself, but
 * not when it is given a server factory, as the mock is. The app closes it (app.ts makeServer):
 * close() waits for its connections as for the first server's.
 */
export async function listenAlso(app: FastifyInstance, makeServer: () => Server, address: string, port: number): Promise<void> {
  const server = makeServer()
  for (const listener of app.server.listeners('clientError')) server.on('clientError', listener as (...args: unknown[]) => void)
  for (const listener of app.server.listeners('drop')) server.on('drop', listener as (...args: unknown[]) => void)
  server.maxConnections = app.server.maxConnections
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host: address, port }, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

/** Every other address `host` resolves to (none for an IP literal or a name that does not resolve). */
export async function otherAddresses(app: FastifyInstance, host: string): Promise<string[]> {
  if (isIP(host) !== 0) return []
  const primary = (app.server.address() as AddressInfo).address
  try {
    return (await lookup(host, { all: true })).map((a) => a.address).filter((a) => a !== primary)
  } catch {
    return []
  }
}
