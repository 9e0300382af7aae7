import type { FastifyReply, FastifyRequest } from 'fastify'
import type { BatchService } from '../service/batches.js'
import type { Tenant } from '../service/tenancy.js'
import { isWrongMethod } from './wrong-methods.js'

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

/** No usable key: 401, unless the method is one the path does not serve (its 405 comes first). */
function refuse(request: FastifyRequest, reply: FastifyReply, done: () => void, detail: string): void {
  if (isWrongMethod(request)) return done()
  unauthorized(reply, detail)
}

/**
 * Set on a request a fast path took at its head and then left to Fastify once its body was read
 * (http/fast-create.ts): the tenant its key gave when the head came, as Fastify alone finds it
 * (the keys may have been replaced since).
 */
export const TENANT_AT_HEAD = Symbol('tenant at head')
export type TenantAtHead = { [TENANT_AT_HEAD]?: Tenant }

/**
 * An onRequest hook: a bearer key is required; a scenario that declares keys accepts only
 * those and scopes each to its project.
 */
export function authHook(state: Pick<BatchService, 'world'>, enabled: boolean) {
  // Callback style: the hot path costs no promise. A reply sent here ends the request.
  return function authenticate(request: FastifyRequest, reply: FastifyReply, done: () => void): void {
    request.tenant = null
    if (!enabled) return done()
    const seen = (request.raw as TenantAtHead)[TENANT_AT_HEAD]
    if (seen !== undefined) {
      request.tenant = seen
      return done()
    }
    const header = request.headers.authorization
    const key = bearerKey(header)
    if (key === undefined) return refuse(request, reply, done, header === undefined ? 'Not authenticated' : 'Invalid authentication credentials')
    const keys = state.world.apiKeys
    if (keys === null) return done()
    const scope = keys.get(key)
    if (scope === undefined) return refuse(request, reply, done, 'Invalid API key')
    request.tenant = scope
    done()
  }
}

/** The key of an `Authorization: Bearer <key>` header, or undefined for none or another form. */
export function bearerKey(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined
  // Most requests carry the header the one before carried (a client's key): its key is kept.
  if (header !== lastHeader) {
    lastKey = BEARER.exec(header)?.[1]
    lastHeader = header
  }
  return lastKey
}
let lastHeader = ''
let lastKey: string | undefined

/**
 * What the auth hook lets through, without a reply: the caller's tenant (null sees every project),
 * or undefined where the hook answers 401.
 */
export function tenantOf(state: Pick<BatchService, 'world'>, enabled: boolean, header: string | string[] | undefined): Tenant | undefined {
  if (!enabled) return null
  const key = bearerKey(header)
  if (key === undefined) return undefined
  const keys = state.world.apiKeys
  return keys === null ? null : keys.get(key)
}
