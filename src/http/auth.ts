import type { FastifyReply, FastifyRequest } from 'fastify'
import type { MockState, Tenant } from '../mock-state.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's project scope, set by the auth hook; null sees every project. */
    tenant: Tenant
  }
}

// The key is everything after the scheme: the SDK's own tests use the key "My API Key".
const BEARER = /^Bearer[ \t]+(\S(?:.*\S)?)[ \t]*$/i

function unauthorized(reply: FastifyReply, detail: string): FastifyReply {
  return reply.code(401).header('www-authenticate', 'Bearer').send({ detail })
}

/**
 * An onRequest hook: a bearer key is required; a scenario that declares keys accepts only
 * those and scopes each to its project.
 */
export function authHook(state: MockState, enabled: boolean) {
  return async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    request.tenant = null
    if (!enabled) return
    const header = request.headers.authorization
    const key = typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined
    if (key === undefined) {
      await unauthorized(reply, header === undefined ? 'Not authenticated' : 'Invalid authentication credentials')
      return
    }
    const keys = state.world.apiKeys
    if (keys === null) return
    const scope = keys.get(key)
    if (scope === undefined) {
      await unauthorized(reply, 'Invalid API key')
      return
    }
    request.tenant = scope
  }
}
