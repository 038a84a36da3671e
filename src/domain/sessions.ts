/**
 * Dashboard sessions: a random 32-byte token (the cookie) stored as its SHA-256, acting for one user
 * in one of their workspaces; ended by sign-out, revocation, an idle timeout or an absolute one
 * (by the injected clock). Each session's CSRF token is an HMAC of its token under an instance key,
 * so it needs no storage and changes whenever the session token does.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isoTimestamp } from '../clock.ts';
import { listOrgsOfUser } from '../db/queries/memberships.ts';
import {
  findSessionByTokenHash,
  findSessionOfUser,
  insertSession,
  listLiveSessionsOfUser,
  revokeSession,
  setSessionOrg,
  setSessionTokenHash,
  touchSession,
} from '../db/queries/sessions.ts';
import { findUser, type UserRow } from '../db/queries/users.ts';
import type { Executor, Role } from '../db/schema.ts';
import { newId } from '../ids.ts';
import { ROLE_SCOPES } from './access.ts';
import { recordAudit } from './audit.ts';
import type { Principal, RequestOrigin } from './context.ts';
import { ApiError } from './errors.ts';
import type { IdentityContext, IdentityPolicy } from './identity-context.ts';
import { hashToken } from './link-tokens.ts';

/** How stale last_seen_at may get before a request refreshes it: most requests write nothing. */
export const SESSION_TOUCH_GRANULARITY_MS = 60_000;
/** 32 random bytes in base64url: the only shape a session token has. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** A request's valid session: who, where, and the token that proved it. */
export interface SignedIn {
  principal: Principal;
  sessionId: string;
  userId: string;
  orgId: string;
  token: string;
  createdAt: Date;
  lastSeenAt: Date;
}

export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The CSRF token that goes with a session token. */
export function csrfTokenOf(ctx: IdentityContext, sessionToken: string): string {
  return createHmac('sha256', ctx.csrfKey).update(`csrf:${sessionToken}`).digest('base64url');
}

/** True when `given` is the session's CSRF token; compared in constant time. */
export function csrfTokenMatches(ctx: IdentityContext, sessionToken: string, given: string | undefined): boolean {
  if (given === undefined || given.length > 200) return false;
  const expected = createHmac('sha256', ctx.csrfKey).update(csrfTokenOf(ctx, sessionToken)).digest();
  const actual = createHmac('sha256', ctx.csrfKey).update(given).digest();
  return timingSafeEqual(expected, actual);
}

/** When a session ends: `expires_at` whatever happens, `idle_expires_at` if unused until then (never later). */
export function sessionDeadlines(policy: IdentityPolicy, createdAt: Date, lastSeenAt: Date): { expiresAt: Date; idleExpiresAt: Date } {
  const expiresAt = new Date(createdAt.getTime() + policy.sessionMaxMs);
  const idle = lastSeenAt.getTime() + policy.sessionIdleMs;
  return { expiresAt, idleExpiresAt: new Date(Math.min(idle, expiresAt.getTime())) };
}

/** Why a cookie's session cannot be used, for the 401's message. */
export type SessionProblem = 'unknown' | 'revoked' | 'idle' | 'expired' | 'not_a_member';

const PROBLEM_MESSAGES: Record<SessionProblem, string> = {
  unknown: 'Your session is not valid: sign in again.',
  revoked: 'Your session was ended (signed out, revoked, or your password changed): sign in again.',
  idle: 'Your session ended after a period without activity: sign in again.',
  expired: 'Your session reached its maximum age: sign in again.',
  not_a_member: 'You are no longer a member of the workspace this session was in: sign in again.',
};

export function sessionRequired(problem: SessionProblem | 'missing', headers?: Record<string, string>): ApiError {
  const message = problem === 'missing' ? 'Sign in first: this endpoint needs a dashboard session (the br_session cookie).' : PROBLEM_MESSAGES[problem];
  return new ApiError('session_required', message, headers ? { headers } : {});
}

/** The session of a cookie's token, or why there is none. Refreshes last_seen_at at most once a minute. */
export async function authenticateSession(ctx: IdentityContext, token: string): Promise<SignedIn | SessionProblem> {
  if (!TOKEN_SHAPE.test(token)) return 'unknown';
  const session = await findSessionByTokenHash(ctx.db, hashToken(token));
  if (!session) return 'unknown';
  if (session.revoked_at !== null) return 'revoked';
  const now = ctx.clock.now();
  const { expiresAt, idleExpiresAt } = sessionDeadlines(ctx.policy, session.created_at, session.last_seen_at);
  if (expiresAt.getTime() <= now.getTime()) return 'expired';
  if (idleExpiresAt.getTime() <= now.getTime()) return 'idle';
  if (session.role === null) return 'not_a_member';
  let lastSeenAt = session.last_seen_at;
  if (now.getTime() - lastSeenAt.getTime() > SESSION_TOUCH_GRANULARITY_MS) {
    await touchSession(ctx.db, session.id, now, SESSION_TOUCH_GRANULARITY_MS);
    lastSeenAt = now;
  }
  const role: Role = session.role;
  return {
    principal: { orgId: session.org_id, actor: { type: 'user', id: session.user_id, sessionId: session.id }, role, scopes: ROLE_SCOPES[role], expiresAt: null },
    sessionId: session.id,
    userId: session.user_id,
    orgId: session.org_id,
    token,
    createdAt: session.created_at,
    lastSeenAt,
  };
}

/** Stores a new session for a user in an org; returns its id and token (the token is never stored). */
export async function startSession(db: Executor, input: { userId: string; orgId: string; origin: RequestOrigin; now: Date }): Promise<{ id: string; token: string }> {
  const token = newSessionToken();
  const id = newId('ses');
  await insertSession(db, {
    id,
    token_hash: hashToken(token),
    user_id: input.userId,
    org_id: input.orgId,
    created_at: input.now,
    last_seen_at: input.now,
    ip: input.origin.ip,
    user_agent: input.origin.userAgent?.slice(0, 512) ?? null,
  });
  return { id, token };
}

/** Gives a session a new token (the old cookie stops working); returns the new token. */
export async function rotateSessionToken(db: Executor, sessionId: string): Promise<string> {
  const token = newSessionToken();
  await setSessionTokenHash(db, sessionId, hashToken(token));
  return token;
}

/** A user as the dashboard shows them. */
export function presentUser(user: UserRow) {
  return {
    id: user.id,
    email: user.email,
    email_verified_at: user.email_verified_at ? isoTimestamp(user.email_verified_at) : null,
    last_login_at: user.last_login_at ? isoTimestamp(user.last_login_at) : null,
    created_at: isoTimestamp(user.created_at),
  };
}

export type PresentedUser = ReturnType<typeof presentUser>;

export interface SessionAnswer {
  user: PresentedUser;
  org: { id: string; display_name: string; role: Role };
  orgs: { id: string; display_name: string; role: Role }[];
  session: { id: string; created_at: string; last_seen_at: string; idle_expires_at: string; expires_at: string };
  csrf_token: string;
}

/** What GET /v1/auth/session answers (and sign-in, sign-up and accepting an invitation too). */
export async function describeSession(
  ctx: IdentityContext,
  session: { sessionId: string; userId: string; orgId: string; token: string; createdAt: Date; lastSeenAt: Date },
): Promise<SessionAnswer> {
  const [user, memberships] = await Promise.all([findUser(ctx.db, session.userId), listOrgsOfUser(ctx.db, session.userId)]);
  if (!user) throw sessionRequired('unknown');
  const orgs = memberships.map((org) => ({ id: org.id, display_name: org.display_name, role: org.role }));
  const current = orgs.find((org) => org.id === session.orgId);
  if (!current) throw sessionRequired('not_a_member');
  const { expiresAt, idleExpiresAt } = sessionDeadlines(ctx.policy, session.createdAt, session.lastSeenAt);
  return {
    user: presentUser(user),
    org: current,
    orgs,
    session: {
      id: session.sessionId,
      created_at: isoTimestamp(session.createdAt),
      last_seen_at: isoTimestamp(session.lastSeenAt),
      idle_expires_at: isoTimestamp(idleExpiresAt),
      expires_at: isoTimestamp(expiresAt),
    },
    csrf_token: csrfTokenOf(ctx, session.token),
  };
}

/** The user's sessions that still work, newest first, the caller's marked `current`. */
export async function listSessions(ctx: IdentityContext, signedIn: SignedIn) {
  const now = ctx.clock.now().getTime();
  const rows = await listLiveSessionsOfUser(ctx.db, signedIn.userId, new Date(now - ctx.policy.sessionIdleMs), new Date(now - ctx.policy.sessionMaxMs));
  return rows.map((row) => {
    const { expiresAt, idleExpiresAt } = sessionDeadlines(ctx.policy, row.created_at, row.last_seen_at);
    return {
      id: row.id,
      current: row.id === signedIn.sessionId,
      org_id: row.org_id,
      created_at: isoTimestamp(row.created_at),
      last_seen_at: isoTimestamp(row.last_seen_at),
      ip: row.ip,
      user_agent: row.user_agent,
      idle_expires_at: isoTimestamp(idleExpiresAt),
      expires_at: isoTimestamp(expiresAt),
    };
  });
}

/**
 * Ends one of the user's own sessions (it answers 401 from its next request on). Ending an ended
 * session answers the same; another user's session is a 404, as if absent.
 */
export async function revokeOwnSession(ctx: IdentityContext, signedIn: SignedIn, sessionId: string, origin: RequestOrigin) {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const session = await findSessionOfUser(trx, signedIn.userId, sessionId);
    if (!session) throw new ApiError('session_not_found', `You have no session ${sessionId}.`);
    if (session.revoked_at !== null) return { id: session.id, revoked_at: isoTimestamp(session.revoked_at), current: session.id === signedIn.sessionId };
    await revokeSession(trx, session.id, now, 'revoked');
    await recordAudit(trx, {
      orgId: signedIn.orgId,
      actor: signedIn.principal.actor,
      action: 'session.revoked',
      target: { type: 'session', id: session.id },
      origin,
      at: now,
    });
    return { id: session.id, revoked_at: isoTimestamp(now), current: session.id === signedIn.sessionId };
  });
}

/** Ends the caller's session. */
export async function signOut(ctx: IdentityContext, signedIn: SignedIn, origin: RequestOrigin): Promise<void> {
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    await revokeSession(trx, signedIn.sessionId, now, 'signed_out');
    await recordAudit(trx, { orgId: signedIn.orgId, actor: signedIn.principal.actor, action: 'user.signed_out', target: { type: 'session', id: signedIn.sessionId }, origin, at: now });
  });
}

/** Moves the session to another of the user's workspaces. */
export async function switchOrg(ctx: IdentityContext, signedIn: SignedIn, orgId: string, origin: RequestOrigin): Promise<SessionAnswer> {
  const memberships = await listOrgsOfUser(ctx.db, signedIn.userId);
  if (!memberships.some((org) => org.id === orgId)) {
    throw new ApiError('org_membership_required', `You are not a member of ${orgId}: you can switch only among your own workspaces.`);
  }
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    await setSessionOrg(trx, signedIn.sessionId, orgId);
    await recordAudit(trx, { orgId, actor: signedIn.principal.actor, action: 'session.org_switched', target: { type: 'session', id: signedIn.sessionId }, origin, details: { from: signedIn.orgId }, at: now });
  });
  return describeSession(ctx, { ...signedIn, orgId });
}
