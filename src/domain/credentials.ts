/**
 * What a person does to their own credentials: verify their address, recover a forgotten password,
 * change the password, change the sign-in address. Links are single-use and expiring; every change
 * is in the audit log, and changes that matter to the account's safety end sessions.
 */
import { listOrgsOfUser } from '../db/queries/memberships.ts';
import { lastSessionOrg, revokeSessionsOfUser } from '../db/queries/sessions.ts';
import { changeEmail, findUser, findUserByEmail, markEmailVerified, setPasswordHash } from '../db/queries/users.ts';
import type { Executor } from '../db/schema.ts';
import { recordAudit } from './audit.ts';
import type { RequestOrigin } from './context.ts';
import { emailChangedNotice, emailChangeEmail, passwordChangedEmail, passwordResetEmail } from './emails.ts';
import { ApiError } from './errors.ts';
import type { IdentityContext } from './identity-context.ts';
import { issueLinkToken, linkInvalid, linkUrl, peekLinkToken, spendLinkToken } from './link-tokens.ts';
import { useAllLinkTokens } from '../db/queries/link-tokens.ts';
import { hashPassword, passwordProblems, verifyPassword } from './passwords.ts';
import { consumeRateLimit, HOUR_MS } from './rate-limits.ts';
import { presentUser, rotateSessionToken, type PresentedUser, type SignedIn } from './sessions.ts';
import { emailTaken, SIGNIN_WINDOW_MS, sendVerificationLater, signinBuckets } from './sign-in.ts';

/** Verification emails a user may ask for per hour. */
const VERIFICATION_RESENDS_PER_HOUR = 5;
/** Password-reset emails per address per hour, and forgot-password requests per client address per hour. */
const RESET_EMAILS_PER_HOUR = 5;
const FORGOT_REQUESTS_PER_ADDRESS_PER_HOUR = 30;

/** The org a user-level event is filed under: the workspace the user used last, else the first joined. */
async function homeOrgOf(db: Executor, userId: string): Promise<string | null> {
  return (await lastSessionOrg(db, userId)) ?? (await listOrgsOfUser(db, userId))[0]?.id ?? null;
}

/** Drops every cached account summary that lists this user (their email is in each one's members). */
async function invalidateOrgsOf(ctx: IdentityContext, trx: Executor, userId: string): Promise<{ kind: 'org'; id: string }[]> {
  const events = (await listOrgsOfUser(trx, userId)).map((org) => ({ kind: 'org' as const, id: org.id }));
  for (const event of events) await ctx.invalidation.publish(trx, event);
  return events;
}

async function presentUserById(ctx: IdentityContext, userId: string): Promise<PresentedUser> {
  const user = await findUser(ctx.db, userId);
  if (!user) throw linkInvalid();
  return presentUser(user);
}

/** Marks the address a verification link was sent to as verified (if it is still the user's). */
export async function verifyEmail(ctx: IdentityContext, token: string, origin: RequestOrigin): Promise<PresentedUser> {
  const now = ctx.clock.now();
  const userId = await ctx.db.transaction().execute(async (trx) => {
    const link = await spendLinkToken(trx, token, 'email_verification', now);
    if (!(await markEmailVerified(trx, link.user_id, link.email, now))) throw linkInvalid();
    await recordAudit(trx, { orgId: await homeOrgOf(trx, link.user_id), actor: { type: 'user', id: link.user_id }, action: 'user.email_verified', target: { type: 'user', id: link.user_id }, origin, details: { email: link.email }, at: now });
    return link.user_id;
  });
  return presentUserById(ctx, userId);
}

/** Sends a new verification link to the signed-in user's address, unless it is verified already. */
export async function resendVerification(ctx: IdentityContext, signedIn: SignedIn, baseUrl: string): Promise<{ message: string }> {
  const user = await findUser(ctx.db, signedIn.userId);
  if (!user) throw linkInvalid();
  if (user.email_verified_at !== null) return { message: 'Your email address is already verified.' };
  await consumeRateLimit(ctx, `verification:${user.id}`, VERIFICATION_RESENDS_PER_HOUR, HOUR_MS, 'of verification emails for one account');
  sendVerificationLater(ctx, user, baseUrl);
  return { message: `A new verification link is on its way to ${user.email}.` };
}

/**
 * Starts a password reset. The answer is the same whether or not the address has an account, and
 * comes before anything about the account is looked up: the lookup and the email happen afterwards.
 */
export async function forgotPassword(ctx: IdentityContext, email: string, origin: RequestOrigin, baseUrl: string): Promise<{ message: string }> {
  await consumeRateLimit(ctx, `forgot:${origin.ip ?? 'unknown'}`, FORGOT_REQUESTS_PER_ADDRESS_PER_HOUR, HOUR_MS);
  ctx.background.run('password_reset', async () => {
    const user = await findUserByEmail(ctx.db, email.trim());
    if (!user) return;
    const now = ctx.clock.now();
    try {
      // Per address, silently: a 429 here would tell who has an account.
      await consumeRateLimit(ctx, `reset-email:${user.id}`, RESET_EMAILS_PER_HOUR, HOUR_MS);
    } catch {
      return;
    }
    const token = await ctx.db.transaction().execute(async (trx) => {
      const issued = await issueLinkToken(trx, 'password_reset', user.id, user.email, now);
      await recordAudit(trx, { orgId: await homeOrgOf(trx, user.id), actor: { type: 'anonymous', id: null }, action: 'user.password_reset_requested', target: { type: 'user', id: user.id }, origin, at: now });
      return issued;
    });
    await ctx.mailer.send(passwordResetEmail(user.email, linkUrl(baseUrl, 'password_reset', token)));
  });
  return { message: 'If an account uses this address, a link to reset its password is on its way. It works once, for one hour.' };
}

/** Sets a new password from a reset link; every session of the user ends. The link also proves the address. */
export async function resetPassword(ctx: IdentityContext, token: string, password: string, origin: RequestOrigin): Promise<PresentedUser> {
  const now = ctx.clock.now();
  const link = await peekLinkToken(ctx.db, token, 'password_reset', now);
  const problems = passwordProblems(password, link.email, 'password');
  if (problems.length > 0) throw new ApiError('invalid_request', 'The new password is not acceptable.', { details: problems });
  const passwordHash = await hashPassword(password);
  const user = await ctx.db.transaction().execute(async (trx) => {
    const spent = await spendLinkToken(trx, token, 'password_reset', now);
    await setPasswordHash(trx, spent.user_id, passwordHash);
    await markEmailVerified(trx, spent.user_id, spent.email, now);
    await useAllLinkTokens(trx, spent.user_id, 'password_reset', now);
    const ended = await revokeSessionsOfUser(trx, spent.user_id, now, 'password_reset');
    await recordAudit(trx, { orgId: await homeOrgOf(trx, spent.user_id), actor: { type: 'user', id: spent.user_id }, action: 'user.password_reset', target: { type: 'user', id: spent.user_id }, origin, details: { ended_sessions: ended }, at: now });
    return findUser(trx, spent.user_id);
  });
  if (!user) throw linkInvalid();
  ctx.background.run('password_changed', () => ctx.mailer.send(passwordChangedEmail(user.email, now)));
  return presentUser(user);
}

/**
 * Checks the signed-in user's current password, counted against the account's failed sign-ins (a
 * stolen session cannot guess it faster than the sign-in form could).
 */
async function confirmCurrentPassword(ctx: IdentityContext, signedIn: SignedIn, password: string, origin: RequestOrigin) {
  const user = await findUser(ctx.db, signedIn.userId);
  if (!user) throw linkInvalid();
  const bucket = signinBuckets(user.email, origin).account;
  await consumeRateLimit(ctx, bucket, ctx.policy.signinFailuresPerAccount, SIGNIN_WINDOW_MS, 'of failed password checks for one account');
  if (!user.password_hash || !(await verifyPassword(password, user.password_hash))) {
    await recordAudit(ctx.db, { orgId: signedIn.orgId, actor: signedIn.principal.actor, action: 'user.password_check_failed', target: { type: 'user', id: user.id }, origin, at: ctx.clock.now() });
    throw new ApiError('password_incorrect', 'The current password is wrong.');
  }
  return user;
}

/**
 * Changes the password: every other session of the user ends, and this one continues with a new
 * token (returned for the cookie).
 */
export async function changePassword(
  ctx: IdentityContext,
  signedIn: SignedIn,
  input: { current_password: string; new_password: string },
  origin: RequestOrigin,
): Promise<{ token: string; endedSessions: number }> {
  const user = await confirmCurrentPassword(ctx, signedIn, input.current_password, origin);
  const problems = passwordProblems(input.new_password, user.email, 'new_password');
  if (problems.length > 0) throw new ApiError('invalid_request', 'The new password is not acceptable.', { details: problems });
  const passwordHash = await hashPassword(input.new_password);
  const now = ctx.clock.now();
  const result = await ctx.db.transaction().execute(async (trx) => {
    await setPasswordHash(trx, user.id, passwordHash);
    await useAllLinkTokens(trx, user.id, 'password_reset', now);
    const endedSessions = await revokeSessionsOfUser(trx, user.id, now, 'password_changed', signedIn.sessionId);
    const token = await rotateSessionToken(trx, signedIn.sessionId);
    await recordAudit(trx, { orgId: signedIn.orgId, actor: signedIn.principal.actor, action: 'user.password_changed', target: { type: 'user', id: user.id }, origin, details: { ended_sessions: endedSessions }, at: now });
    return { token, endedSessions };
  });
  ctx.background.run('password_changed', () => ctx.mailer.send(passwordChangedEmail(user.email, now)));
  return result;
}

/** Sends a confirmation link to a new sign-in address; nothing changes until it is opened. */
export async function requestEmailChange(
  ctx: IdentityContext,
  signedIn: SignedIn,
  input: { new_email: string; password: string },
  origin: RequestOrigin,
  baseUrl: string,
): Promise<{ message: string }> {
  const user = await confirmCurrentPassword(ctx, signedIn, input.password, origin);
  const newEmail = input.new_email.trim();
  if (newEmail.toLowerCase() === user.email.toLowerCase()) {
    throw new ApiError('invalid_request', 'That is already your sign-in address.', { details: [{ path: 'new_email', message: 'must differ from your current address' }] });
  }
  if (await findUserByEmail(ctx.db, newEmail)) throw emailTaken();
  await consumeRateLimit(ctx, `email-change:${user.id}`, VERIFICATION_RESENDS_PER_HOUR, HOUR_MS, 'of address changes for one account');
  const now = ctx.clock.now();
  const token = await ctx.db.transaction().execute(async (trx) => {
    const issued = await issueLinkToken(trx, 'email_change', user.id, newEmail, now);
    await recordAudit(trx, { orgId: signedIn.orgId, actor: signedIn.principal.actor, action: 'user.email_change_requested', target: { type: 'user', id: user.id }, origin, details: { new_email: newEmail }, at: now });
    return issued;
  });
  ctx.background.run('email_change', () => ctx.mailer.send(emailChangeEmail(newEmail, linkUrl(baseUrl, 'email_change', token))));
  return { message: `A confirmation link is on its way to ${newEmail}. Your sign-in address changes when you open it.` };
}

/** Switches the sign-in address to the one the link was sent to (verified by the link); the old address is told. */
export async function confirmEmailChange(ctx: IdentityContext, token: string, origin: RequestOrigin): Promise<PresentedUser> {
  const now = ctx.clock.now();
  const { user, oldEmail, events } = await ctx.db.transaction().execute(async (trx) => {
    const link = await peekLinkToken(trx, token, 'email_change', now);
    const before = await findUser(trx, link.user_id);
    if (!before) throw linkInvalid();
    if (!(await changeEmail(trx, link.user_id, link.email, now))) throw emailTaken();
    await spendLinkToken(trx, token, 'email_change', now);
    await useAllLinkTokens(trx, link.user_id, 'email_verification', now);
    await recordAudit(trx, { orgId: await homeOrgOf(trx, link.user_id), actor: { type: 'user', id: link.user_id }, action: 'user.email_changed', target: { type: 'user', id: link.user_id }, origin, details: { from: before.email, to: link.email }, at: now });
    const events = await invalidateOrgsOf(ctx, trx, link.user_id);
    return { user: await findUser(trx, link.user_id), oldEmail: before.email, events };
  }).catch((error: unknown) => {
    // Two accounts asked for the same new address and the other confirmed first.
    if (error instanceof Error && 'code' in error && (error as { code?: unknown }).code === '23505') throw emailTaken();
    throw error;
  });
  await ctx.invalidation.settle(events);
  if (!user) throw linkInvalid();
  ctx.background.run('email_changed_notice', () => ctx.mailer.send(emailChangedNotice(oldEmail, user.email, now)));
  return presentUser(user);
}
