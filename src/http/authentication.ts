/**
 * Who is calling. Routes declare what they need in their config: `{ scope: 'account:read' }` for a
 * bearer API key holding that scope, `{ operator: true }` for the operator token. The check runs
 * in `onRequest`, before the body is read, so a caller without a key learns nothing about bodies.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { allows, ROLE_SCOPES, type Scope } from '../domain/access.ts';
import { authenticate } from '../domain/api-keys.ts';
import type { DomainContext, Principal, RequestOrigin } from '../domain/context.ts';
import { ApiError } from '../domain/errors.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope an API key must hold to call this route. */
    scope?: Scope;
    /** The route is for the operator token only. */
    operator?: boolean;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** The authenticated key of a route that declared a scope. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error(`route ${request.routeOptions.url} read a principal without declaring a scope`);
  return request.principal;
}

export function originOf(request: FastifyRequest): RequestOrigin {
  return { ip: request.ip, userAgent: request.headers['user-agent'] ?? null };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Builds the onRequest hook that enforces each route's declared access. */
export function makeAccessHook(ctx: DomainContext, adminToken: string) {
  const adminDigest = digest(adminToken);
  return async function checkAccess(request: FastifyRequest): Promise<void> {
    const { scope, operator } = request.routeOptions.config;
    if (operator) {
      const header = request.headers.authorization;
      if (header === undefined || header === '') throw new ApiError('admin_token_required', 'Operator endpoints need Authorization: Bearer <admin token>.');
      const token = /^Bearer (\S+)$/i.exec(header)?.[1] ?? '';
      if (!timingSafeEqual(digest(token), adminDigest)) throw new ApiError('admin_token_invalid', 'The operator token is not valid.');
      return;
    }
    if (scope === undefined) return;
    const principal = await authenticate(ctx, request.headers.authorization);
    if (!ROLE_SCOPES[principal.role].includes(scope)) {
      throw new ApiError('role_not_allowed', `A key with the ${principal.role} role cannot use ${scope}: ask a workspace owner or admin.`);
    }
    if (!allows(principal.role, principal.scopes, scope)) {
      throw new ApiError('insufficient_scope', `This key lacks the ${scope} scope.`, { details: [{ path: 'authorization', message: `requires scope ${scope}` }] });
    }
    request.principal = principal;
  };
}
