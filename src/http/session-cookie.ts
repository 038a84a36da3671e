/**
 * The `br_session` cookie: read from the Cookie header, written `HttpOnly; SameSite=Lax; Path=/`,
 * plus `Secure` unless the request came over plain HTTP to the machine itself (localhost,
 * 127.0.0.1, [::1]), where a browser would not send a Secure cookie back.
 * @example reply.header('set-cookie', sessionCookie(request, token, maxAgeSeconds))
 */
import type { FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'br_session';
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The session token the request's cookies carry, or null. */
export function sessionTokenOf(request: FastifyRequest): string | null {
  const header = request.headers.cookie;
  if (header === undefined || header.length > 16_384) return null;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator < 0 || part.slice(0, separator).trim() !== SESSION_COOKIE) continue;
    const value = part.slice(separator + 1).trim();
    if (value !== '') return value;
  }
  return null;
}

/** True when the cookie may go without `Secure`: plain HTTP to this machine's own name. */
export function isPlainLocalRequest(request: FastifyRequest): boolean {
  return request.protocol === 'http' && LOOPBACK_HOSTS.has(request.hostname.toLowerCase());
}

function attributes(request: FastifyRequest, maxAgeSeconds: number): string {
  return `Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${isPlainLocalRequest(request) ? '' : '; Secure'}`;
}

/** The Set-Cookie value that hands the browser a session token. */
export function sessionCookie(request: FastifyRequest, token: string, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${token}; ${attributes(request, maxAgeSeconds)}`;
}

/** The Set-Cookie value that makes the browser forget its session token. */
export function clearedSessionCookie(request: FastifyRequest): string {
  return `${SESSION_COOKIE}=; ${attributes(request, 0)}`;
}
