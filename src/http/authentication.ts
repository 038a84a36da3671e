/**
 * Who is calling. Routes declare what they need in their config: `{ scope: 'account:read' }` for a
 * bearer API key holding that scope, or a dashboard session whose role may hold it;
 * `{ session: true }` for a signed-in person only (`'optional'`: the session is used when there is
 * one); `{ operator: true }` for the operator token; `{ sameSiteOnly: true }` for unauthenticated
 * browser forms (sign-in, sign-up…), which refuse cross-site posts. The check runs in `onRequest`,
 * before the body is read, so a caller without a key learns nothing about bodies.
 *
 * A Bearer key wins when present on scope routes. A request authenticated by the session cookie
 * that changes state (POST, PUT, PATCH, DELETE) must carry the session's `X-CSRF-Token`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { allows, ROLE_SCOPES, type Scope } from '../domain/access.ts';
import { authenticate } from '../domain/api-keys.ts';
import type { Principal, RequestOrigin } from '../domain/context.ts';
import { ApiError } from '../domain/errors.ts';
import type { IdentityContext } from '../domain/identity-context.ts';
import { authenticateSession, csrfTokenMatches, sessionRequired, type SignedIn } from '../domain/sessions.ts';
import { clearedSessionCookie, sessionTokenOf } from './session-cookie.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope an API key (or a session's role) must hold to call this route. */
    scope?: Scope;
    /** The route is for the operator token only. */
    operator?: boolean;
    /** The route is for a signed-in person (true), or uses their session when there is one ('optional'). */
    session?: true | 'optional';
    /** An unauthenticated browser form: refused when posted from another site (login CSRF). */
    sameSiteOnly?: boolean;
  }
  interface FastifyRequest {
    principal: Principal | null;
    signedIn: SignedIn | null;
  }
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The authenticated key of a route that declared a scope. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error(`route ${request.routeOptions.url} read a principal without declaring a scope`);
  return request.principal;
}

/** The session of a route that declared `session: true`. */
export function signedInOf(request: FastifyRequest): SignedIn {
  if (!request.signedIn) throw new Error(`route ${request.routeOptions.url} read a session without declaring session: true`);
  return request.signedIn;
}

export function originOf(request: FastifyRequest): RequestOrigin {
  return { ip: request.ip, userAgent: request.headers['user-agent'] ?? null };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** True when a browser says the request comes from another site (Sec-Fetch-Site, or an Origin that is not this instance). */
export function isCrossSite(request: FastifyRequest, publicUrl: string | null): boolean {
  if (request.headers['sec-fetch-site'] === 'cross-site') return true;
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  let host: string;
  try {
    host = new URL(origin).host.toLowerCase();
  } catch {
    return true;
  }
  if (host === '') return true;
  if (host === request.host.toLowerCase()) return false;
  return publicUrl === null || new URL(publicUrl).host.toLowerCase() !== host;
}

function csrfRefused(message: string): ApiError {
  return new ApiError('csrf_token_invalid', message);
}

/** Builds the onRequest hook that enforces each route's declared access. */
export function makeAccessHook(ctx: IdentityContext, adminToken: string, publicUrl: string | null) {
  const adminDigest = digest(adminToken);
  return async function checkAccess(request: FastifyRequest): Promise<void> {
    const { scope, operator, session, sameSiteOnly } = request.routeOptions.config;
    if (operator) {
      const header = request.headers.authorization;
      if (header === undefined || header === '') throw new ApiError('admin_token_required', 'Operator endpoints need Authorization: Bearer <admin token>.');
      const token = /^Bearer (\S+)$/i.exec(header)?.[1] ?? '';
      if (!timingSafeEqual(digest(token), adminDigest)) throw new ApiError('admin_token_invalid', 'The operator token is not valid.');
      return;
    }
    if (sameSiteOnly && UNSAFE_METHODS.has(request.method) && isCrossSite(request, publicUrl)) {
      throw csrfRefused('This form cannot be posted from another site.');
    }
    if (scope === undefined && session === undefined) return;
    const authorization = request.headers.authorization;
    if (session === undefined && authorization !== undefined && authorization !== '') {
      request.principal = await keyPrincipal(ctx, authorization, scope);
      return;
    }
    const token = sessionTokenOf(request);
    if (token === null) {
      if (session === 'optional') return;
      if (session === true) throw sessionRequired('missing');
      await authenticate(ctx, authorization); // no key and no cookie: the key's own 401
      return;
    }
    const signedIn = await authenticateSession(ctx, token);
    if (typeof signedIn === 'string') {
      if (session === 'optional') return;
      throw sessionRequired(signedIn, { 'set-cookie': clearedSessionCookie(request) });
    }
    if (UNSAFE_METHODS.has(request.method)) {
      const given = request.headers['x-csrf-token'];
      if (!csrfTokenMatches(ctx, token, typeof given === 'string' ? given : undefined)) {
        throw csrfRefused('Send the X-CSRF-Token header with the csrf_token of your session (from sign-in or GET /v1/auth/session).');
      }
    }
    if (scope !== undefined && !ROLE_SCOPES[signedIn.principal.role].includes(scope)) {
      throw new ApiError('role_not_allowed', `Your ${signedIn.principal.role} role in this workspace does not allow ${scope}: ask a workspace owner or admin.`);
    }
    request.principal = signedIn.principal;
    request.signedIn = signedIn;
  };
}

async function keyPrincipal(ctx: IdentityContext, authorization: string, scope: Scope | undefined): Promise<Principal> {
  const principal = await authenticate(ctx, authorization);
  if (scope === undefined) return principal;
  if (!ROLE_SCOPES[principal.role].includes(scope)) {
    throw new ApiError('role_not_allowed', `A key with the ${principal.role} role cannot use ${scope}: ask a workspace owner or admin.`);
  }
  if (!allows(principal.role, principal.scopes, scope)) {
    throw new ApiError('insufficient_scope', `This key lacks the ${scope} scope.`, { details: [{ path: 'authorization', message: `requires scope ${scope}` }] });
  }
  return principal;
}
