/**
 * Invitations to a workspace: owners and admins invite an address with a role (admins not as owner);
 * the emailed link (7 days, single use) lets its reader join, creating their account when the
 * address has none (the link proves the address), or adding the membership to the signed-in account
 * that owns the address.
 */
import { isoTimestamp } from '../clock.ts';
import {
  findInvitationOfOrg,
  findPendingInvitationByTokenHash,
  insertInvitation,
  listPendingInvitations,
  markInvitationAccepted,
  revokeInvitation,
  revokePendingInvitationsTo,
  type InvitationRow,
} from '../db/queries/invitations.ts';
import { findMember, insertMembership } from '../db/queries/memberships.ts';
import { findOrg } from '../db/queries/orgs.ts';
import { setSessionOrg } from '../db/queries/sessions.ts';
import { findUser, findUserByEmail, insertUserUnlessEmailTaken } from '../db/queries/users.ts';
import type { Role } from '../db/schema.ts';
import { newId } from '../ids.ts';
import { KEY_MANAGER_ROLES } from './access.ts';
import { recordAudit } from './audit.ts';
import type { Principal, RequestOrigin } from './context.ts';
import { invitationEmail } from './emails.ts';
import { ApiError } from './errors.ts';
import type { IdentityContext } from './identity-context.ts';
import { hashToken, LINK_LIFETIME_MS, linkInvalid, linkUrl, newSecretToken } from './link-tokens.ts';
import { hashPassword, passwordProblems } from './passwords.ts';
import { describeSession, startSession, type SessionAnswer, type SignedIn } from './sessions.ts';

export type InvitationStatus = 'pending' | 'accepted' | 'revoked' | 'expired';

export function presentInvitation(invitation: InvitationRow, now: Date) {
  const status: InvitationStatus = invitation.accepted_at !== null ? 'accepted' : invitation.revoked_at !== null ? 'revoked' : invitation.expires_at <= now ? 'expired' : 'pending';
  return {
    id: invitation.id,
    email: invitation.email,
    role: invitation.role,
    status,
    expires_at: isoTimestamp(invitation.expires_at),
    created_at: isoTimestamp(invitation.created_at),
    invited_by: invitation.invited_by_user_id,
    revoked_at: invitation.revoked_at ? isoTimestamp(invitation.revoked_at) : null,
  };
}

export type PresentedInvitation = ReturnType<typeof presentInvitation>;

function requireManager(principal: Principal): void {
  if (!KEY_MANAGER_ROLES.includes(principal.role)) throw new ApiError('role_not_allowed', 'Only workspace owners and admins can manage invitations.');
}

/** Invites an address to the principal's workspace (replacing a pending invitation to it) and emails the link. */
export async function createInvitation(
  ctx: IdentityContext,
  principal: Principal,
  input: { email: string; role: Role },
  origin: RequestOrigin,
  baseUrl: string,
): Promise<PresentedInvitation> {
  requireManager(principal);
  if (input.role === 'owner' && principal.role !== 'owner') throw new ApiError('role_not_allowed', 'Only owners can invite an owner.');
  const email = input.email.trim();
  const existing = await findUserByEmail(ctx.db, email);
  if (existing && (await findMember(ctx.db, principal.orgId, existing.id))) {
    throw new ApiError('already_member', `${email} is already a member of this workspace.`);
  }
  const now = ctx.clock.now();
  const { token, hash } = newSecretToken();
  const id = newId('inv');
  const { invitation, orgName, inviter } = await ctx.db.transaction().execute(async (trx) => {
    await revokePendingInvitationsTo(trx, principal.orgId, email, now);
    const invitedBy = principal.actor.type === 'user' ? principal.actor.id : null;
    await insertInvitation(trx, {
      id,
      org_id: principal.orgId,
      email,
      role: input.role,
      token_hash: hash,
      invited_by_user_id: invitedBy,
      created_at: now,
      expires_at: new Date(now.getTime() + LINK_LIFETIME_MS.invitation),
    });
    await recordAudit(trx, { orgId: principal.orgId, actor: principal.actor, action: 'invitation.created', target: { type: 'invitation', id }, origin, details: { email, role: input.role }, at: now });
    const invitation = await findInvitationOfOrg(trx, principal.orgId, id);
    const org = await findOrg(trx, principal.orgId);
    const inviter = invitedBy === null ? null : await findUser(trx, invitedBy);
    return { invitation, orgName: org?.display_name ?? 'a workspace', inviter: inviter?.email ?? 'A workspace owner' };
  });
  if (!invitation) throw new Error('invitation vanished inside its own transaction');
  ctx.background.run('invitation', () => ctx.mailer.send(invitationEmail(email, orgName, input.role, inviter, linkUrl(baseUrl, 'invitation', token))));
  return presentInvitation(invitation, now);
}

/** The workspace's invitations still waiting for an answer, newest first. */
export async function listInvitations(ctx: IdentityContext, principal: Principal): Promise<PresentedInvitation[]> {
  requireManager(principal);
  const now = ctx.clock.now();
  return (await listPendingInvitations(ctx.db, principal.orgId, now)).map((invitation) => presentInvitation(invitation, now));
}

/** Withdraws an invitation: its link stops working. Withdrawing a withdrawn one answers the same. */
export async function withdrawInvitation(ctx: IdentityContext, principal: Principal, invitationId: string, origin: RequestOrigin): Promise<PresentedInvitation> {
  requireManager(principal);
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const invitation = await findInvitationOfOrg(trx, principal.orgId, invitationId);
    if (!invitation) throw new ApiError('invitation_not_found', `Your workspace has no invitation ${invitationId}.`);
    if (invitation.role === 'owner' && principal.role !== 'owner') throw new ApiError('role_not_allowed', 'Only owners can withdraw an invitation to become owner.');
    if (invitation.accepted_at !== null || invitation.revoked_at !== null) return presentInvitation(invitation, now);
    const revoked = await revokeInvitation(trx, invitationId, now);
    await recordAudit(trx, { orgId: principal.orgId, actor: principal.actor, action: 'invitation.revoked', target: { type: 'invitation', id: invitationId }, origin, details: { email: invitation.email }, at: now });
    return presentInvitation(revoked ?? invitation, now);
  });
}

async function pendingInvitation(ctx: IdentityContext, token: string) {
  const invitation = await findPendingInvitationByTokenHash(ctx.db, hashToken(token), ctx.clock.now());
  if (!invitation) throw linkInvalid();
  return invitation;
}

/** What an invitation link shows before it is accepted. */
export async function previewInvitation(ctx: IdentityContext, token: string) {
  const invitation = await pendingInvitation(ctx, token);
  const account = await findUserByEmail(ctx.db, invitation.email);
  return { org: { display_name: invitation.org_display_name }, email: invitation.email, role: invitation.role, account_exists: account !== undefined, expires_at: isoTimestamp(invitation.expires_at) };
}

export interface AcceptedInvitation {
  /** A new session's token when the invitation created the account; null when the caller's session went on. */
  token: string | null;
  answer: SessionAnswer;
}

/**
 * Accepts an invitation. Without an account for the address: creates it (the password is required;
 * the address counts as verified), the membership and a session. With one: the caller must be
 * signed in as that account; the membership is added and the session moves to the workspace.
 */
export async function acceptInvitation(
  ctx: IdentityContext,
  token: string,
  password: string | undefined,
  signedIn: SignedIn | null,
  origin: RequestOrigin,
): Promise<AcceptedInvitation> {
  const invitation = await pendingInvitation(ctx, token);
  const account = await findUserByEmail(ctx.db, invitation.email);
  const now = ctx.clock.now();
  if (account) {
    if (signedIn === null) throw new ApiError('session_required', `An account for ${invitation.email} exists: sign in to it, then accept the invitation.`);
    if (signedIn.userId !== account.id) throw new ApiError('invitation_wrong_account', `This invitation is for ${invitation.email}; you are signed in as another account.`);
    await ctx.db.transaction().execute(async (trx) => {
      if (!(await markInvitationAccepted(trx, invitation.id, account.id, now))) throw linkInvalid();
      await insertMembership(trx, { org_id: invitation.org_id, user_id: account.id, role: invitation.role, created_at: now });
      await setSessionOrg(trx, signedIn.sessionId, invitation.org_id);
      await ctx.invalidation.publish(trx, { kind: 'org', id: invitation.org_id });
      await recordAudit(trx, { orgId: invitation.org_id, actor: signedIn.principal.actor, action: 'invitation.accepted', target: { type: 'invitation', id: invitation.id }, origin, details: { user_id: account.id, role: invitation.role }, at: now });
    });
    await ctx.invalidation.settle([{ kind: 'org', id: invitation.org_id }]);
    return { token: null, answer: await describeSession(ctx, { ...signedIn, orgId: invitation.org_id }) };
  }
  if (password === undefined) {
    throw new ApiError('invalid_request', 'Choose a password to create your account.', { details: [{ path: 'password', message: 'is required: no account uses this address yet' }] });
  }
  const problems = passwordProblems(password, invitation.email, 'password');
  if (problems.length > 0) throw new ApiError('invalid_request', 'The password is not acceptable.', { details: problems });
  const passwordHash = await hashPassword(password);
  const userId = newId('usr');
  const session = await ctx.db.transaction().execute(async (trx) => {
    const inserted = await insertUserUnlessEmailTaken(trx, { id: userId, email: invitation.email, password_hash: passwordHash, email_verified_at: now, last_login_at: now, created_at: now });
    if (!inserted) throw new ApiError('email_taken', `An account for ${invitation.email} was created meanwhile: sign in to it, then accept the invitation.`);
    if (!(await markInvitationAccepted(trx, invitation.id, userId, now))) throw linkInvalid();
    await insertMembership(trx, { org_id: invitation.org_id, user_id: userId, role: invitation.role, created_at: now });
    const started = await startSession(trx, { userId, orgId: invitation.org_id, origin, now });
    await ctx.invalidation.publish(trx, { kind: 'org', id: invitation.org_id });
    await recordAudit(trx, { orgId: invitation.org_id, actor: { type: 'user', id: userId }, action: 'invitation.accepted', target: { type: 'invitation', id: invitation.id }, origin, details: { user_id: userId, role: invitation.role, account_created: true }, at: now });
    return started;
  });
  await ctx.invalidation.settle([{ kind: 'org', id: invitation.org_id }]);
  return {
    token: session.token,
    answer: await describeSession(ctx, { sessionId: session.id, userId, orgId: invitation.org_id, token: session.token, createdAt: now, lastSeenAt: now }),
  };
}
