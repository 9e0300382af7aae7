import { timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** An onRequest hook for control-plane routes outside `control-routes.ts`: the same admin-token rule. */
export function adminGuard(adminToken: string) {
  return async function requireAdmin(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const header = request.headers.authorization
    const given = typeof header === 'string' && /^Bearer\s+/i.test(header) ? header.replace(/^Bearer\s+/i, '').trim() : ''
    if (!sameSecret(given, adminToken)) {
      await reply.code(401).header('www-authenticate', 'Bearer realm="mock-admin"').send({ detail: 'The control plane needs the admin token: Authorization: Bearer <admin token>' })
    }
  }
}
