/**
 * Signing up and signing in to the dashboard. Each success starts a brand-new session (a cookie that
 * came with the request is never promoted: session fixation), and failures are limited per account
 * and per client address.
 */
import { listOrgsOfUser, insertMembership } from '../db/queries/memberships.ts';
import { insertOrg } from '../db/queries/orgs.ts';
import { findSessionByTokenHash, lastSessionOrg, revokeSession } from '../db/queries/sessions.ts';
import { findUserByEmail, insertUserUnlessEmailTaken, setLastLogin, setPasswordHash, type UserRow } from '../db/queries/users.ts';
import type { Executor } from '../db/schema.ts';
import { newId } from '../ids.ts';
import { recordAudit } from './audit.ts';
import type { RequestOrigin } from './context.ts';
import { recordMovement } from './credits.ts';
import { verificationEmail } from './emails.ts';
import { ApiError } from './errors.ts';
import type { IdentityContext } from './identity-context.ts';
import { hashToken, issueLinkToken, linkUrl } from './link-tokens.ts';
import { hashPassword, needsRehash, passwordProblems, verifyAgainstNothing, verifyPassword } from './passwords.ts';
import { consumeRateLimit, forgiveRateLimitHit, HOUR_MS, resetRateLimit } from './rate-limits.ts';
import { describeSession, startSession, type SessionAnswer } from './sessions.ts';

/** Failed sign-ins are counted over this window. */
export const SIGNIN_WINDOW_MS = 15 * 60_000;

export interface SignedInAnswer {
  /** The new session's token: the cookie, never stored. */
  token: string;
  answer: SessionAnswer;
}

/** The name of a workspace made at sign-up without one: "ada's workspace" for ada@example.com. */
export function defaultWorkspaceName(email: string): string {
  const local = email.split('@')[0]?.slice(0, 80) || 'My';
  return `${local}'s workspace`;
}

/** Ends the session of a cookie that came with a sign-in (it is replaced, never promoted). */
async function retireIncomingSession(db: Executor, incomingToken: string | null, now: Date): Promise<void> {
  if (incomingToken === null) return;
  const previous = await findSessionByTokenHash(db, hashToken(incomingToken));
  if (previous && previous.revoked_at === null) await revokeSession(db, previous.id, now, 'replaced_by_sign_in');
}

/** Makes a workspace owned by the user; starter credits only for a first, sign-up workspace. */
async function createWorkspace(trx: Executor, ctx: IdentityContext, userId: string, name: string, starterCredits: boolean, now: Date): Promise<string> {
  const orgId = newId('org');
  await insertOrg(trx, { id: orgId, display_name: name, created_via: 'signup', created_at: now });
  await insertMembership(trx, { org_id: orgId, user_id: userId, role: 'owner', created_at: now });
  if (starterCredits && ctx.policy.starterCreditsMicros > 0) {
    await recordMovement(trx, { orgId, type: 'grant', amountMicros: ctx.policy.starterCreditsMicros, reason: 'starter credits', actor: 'system', at: now });
  }
  return orgId;
}

/** Sends the verification link of a user's current address, off the request path. */
export function sendVerificationLater(ctx: IdentityContext, user: { id: string; email: string }, baseUrl: string): void {
  ctx.background.run('email_verification', async () => {
    const token = await issueLinkToken(ctx.db, 'email_verification', user.id, user.email, ctx.clock.now());
    await ctx.mailer.send(verificationEmail(user.email, linkUrl(baseUrl, 'email_verification', token)));
  });
}

/**
 * Creates a user (email unverified), a workspace they own (with starter credits) and a session, and
 * sends the verification link. 409 `email_taken` when the address has an account.
 */
export async function signUp(
  ctx: IdentityContext,
  input: { email: string; password: string; workspace_name?: string },
  origin: RequestOrigin,
  baseUrl: string,
  incomingToken: string | null,
): Promise<SignedInAnswer> {
  const email = input.email.trim();
  const problems = passwordProblems(input.password, email, 'password');
  if (problems.length > 0) throw new ApiError('invalid_request', 'The password is not acceptable.', { details: problems });
  await consumeRateLimit(ctx, `signup:${origin.ip ?? 'unknown'}`, ctx.policy.signupPerHour, HOUR_MS);
  if (await findUserByEmail(ctx.db, email)) throw emailTaken();
  const passwordHash = await hashPassword(input.password);
  const now = ctx.clock.now();
  const userId = newId('usr');
  const session = await ctx.db.transaction().execute(async (trx) => {
    const inserted = await insertUserUnlessEmailTaken(trx, { id: userId, email, password_hash: passwordHash, last_login_at: now, created_at: now });
    if (!inserted) throw emailTaken();
    const orgId = await createWorkspace(trx, ctx, userId, input.workspace_name?.trim() || defaultWorkspaceName(email), true, now);
    await retireIncomingSession(trx, incomingToken, now);
    const started = await startSession(trx, { userId, orgId, origin, now });
    await recordAudit(trx, { orgId, actor: { type: 'user', id: userId }, action: 'user.signed_up', target: { type: 'user', id: userId }, origin, details: { session_id: started.id }, at: now });
    return { ...started, orgId };
  });
  sendVerificationLater(ctx, { id: userId, email }, baseUrl);
  return {
    token: session.token,
    answer: await describeSession(ctx, { sessionId: session.id, userId, orgId: session.orgId, token: session.token, createdAt: now, lastSeenAt: now }),
  };
}

export function emailTaken(): ApiError {
  return new ApiError('email_taken', 'An account with this email address already exists: sign in, or reset its password.');
}

/** The buckets of failed sign-ins: per account (by address, whether or not it exists) and per client address. */
export function signinBuckets(email: string, origin: RequestOrigin): { account: string; address: string } {
  return { account: `signin-account:${email.trim().toLowerCase()}`, address: `signin-address:${origin.ip ?? 'unknown'}` };
}

/**
 * Counts an attempt against both buckets before checking anything, so concurrent guesses cannot
 * slip past the limit; a success takes its hit back.
 */
async function countSigninAttempt(ctx: IdentityContext, buckets: { account: string; address: string }): Promise<void> {
  await consumeRateLimit(ctx, buckets.address, ctx.policy.signinFailuresPerAddress, SIGNIN_WINDOW_MS, 'of failed sign-ins from one address');
  await consumeRateLimit(ctx, buckets.account, ctx.policy.signinFailuresPerAccount, SIGNIN_WINDOW_MS, 'of failed sign-ins to one account');
}

/** The workspace a sign-in lands in: the one used last, else the first joined; a user with none gets a new one. */
async function landingOrg(ctx: IdentityContext, trx: Executor, user: UserRow, now: Date): Promise<string> {
  const last = await lastSessionOrg(trx, user.id);
  if (last !== undefined) return last;
  const first = (await listOrgsOfUser(trx, user.id))[0];
  if (first) return first.id;
  return createWorkspace(trx, ctx, user.id, defaultWorkspaceName(user.email), false, now);
}

/**
 * Checks an email and password and starts a new session. A wrong email and a wrong password are one
 * answer, `invalid_credentials`, after the same work (a dummy hash is checked when there is no account).
 */
export async function signIn(
  ctx: IdentityContext,
  input: { email: string; password: string },
  origin: RequestOrigin,
  incomingToken: string | null,
): Promise<SignedInAnswer> {
  const buckets = signinBuckets(input.email, origin);
  await countSigninAttempt(ctx, buckets);
  const user = await findUserByEmail(ctx.db, input.email.trim());
  const valid = user?.password_hash ? await verifyPassword(input.password, user.password_hash) : await verifyAgainstNothing(input.password);
  const now = ctx.clock.now();
  if (!user || !valid) {
    const orgId = user ? ((await lastSessionOrg(ctx.db, user.id)) ?? (await listOrgsOfUser(ctx.db, user.id))[0]?.id ?? null) : null;
    await recordAudit(ctx.db, {
      orgId,
      actor: { type: 'anonymous', id: null },
      action: 'user.signin_failed',
      ...(user ? { target: { type: 'user', id: user.id } } : {}),
      origin,
      details: user ? { reason: 'wrong_password' } : { reason: 'no_account' },
      at: now,
    });
    throw new ApiError('invalid_credentials', 'The email address or the password is wrong.');
  }
  await forgiveRateLimitHit(ctx, buckets.address);
  await resetRateLimit(ctx, buckets.account);
  const rehashed = user.password_hash && needsRehash(user.password_hash) ? await hashPassword(input.password) : null;
  const session = await ctx.db.transaction().execute(async (trx) => {
    if (rehashed !== null) await setPasswordHash(trx, user.id, rehashed);
    const orgId = await landingOrg(ctx, trx, user, now);
    await setLastLogin(trx, user.id, now);
    await retireIncomingSession(trx, incomingToken, now);
    const started = await startSession(trx, { userId: user.id, orgId, origin, now });
    await recordAudit(trx, { orgId, actor: { type: 'user', id: user.id }, action: 'user.signed_in', target: { type: 'user', id: user.id }, origin, details: { session_id: started.id }, at: now });
    return { ...started, orgId };
  });
  return {
    token: session.token,
    answer: await describeSession(ctx, { sessionId: session.id, userId: user.id, orgId: session.orgId, token: session.token, createdAt: now, lastSeenAt: now }),
  };
}
