/**
 * Invitations: owners and admins invite, list and withdraw them in the dashboard; the invited
 * person previews and accepts theirs through the emailed link.
 */
import { Type } from 'typebox';
import { acceptInvitation, createInvitation, listInvitations, previewInvitation, withdrawInvitation } from '../../domain/invitations.ts';
import type { App } from '../app.ts';
import { originOf, principalOf } from '../authentication.ts';
import { baseUrlOf } from '../errors.ts';
import { EmailField, InvitationSchema, LinkTokenField, NewPasswordField, RoleSchema, SESSION_SECURITY, SessionAnswerSchema } from '../identity-schemas.ts';
import { Id } from '../schemas.ts';
import { setSessionCookie, type IdentityRouteDependencies } from './auth-session.ts';

export function registerInvitationRoutes(app: App, deps: IdentityRouteDependencies): void {
  const { ctx } = deps;

  app.post(
    '/v1/auth/account/invitations',
    {
      config: { session: true },
      schema: {
        tags: ['accounts'],
        summary: 'Invite someone to the workspace by email (owners and admins)',
        description: 'Emails a link valid for 7 days. Admins cannot invite owners. A new invitation to the same address replaces a pending one.',
        security: SESSION_SECURITY,
        body: Type.Object({ email: EmailField, role: RoleSchema }, { additionalProperties: false }),
        response: { 201: InvitationSchema },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await createInvitation(ctx, principalOf(request), request.body, originOf(request), baseUrlOf(request, deps.publicUrl))),
  );

  app.get(
    '/v1/auth/account/invitations',
    {
      config: { session: true },
      schema: {
        tags: ['accounts'],
        summary: 'Pending invitations of the workspace (owners and admins)',
        security: SESSION_SECURITY,
        response: { 200: Type.Object({ data: Type.Array(InvitationSchema) }) },
      },
    },
    async (request) => ({ data: await listInvitations(ctx, principalOf(request)) }),
  );

  app.post(
    '/v1/auth/account/invitations/:id/revoke',
    {
      config: { session: true },
      schema: {
        tags: ['accounts'],
        summary: 'Withdraw an invitation: its link stops working',
        security: SESSION_SECURITY,
        params: Type.Object({ id: Id('invitation id (inv_…)') }),
        response: { 200: InvitationSchema },
      },
    },
    async (request) => withdrawInvitation(ctx, principalOf(request), request.params.id, originOf(request)),
  );

  app.get(
    '/v1/auth/invitations/:token',
    {
      schema: {
        tags: ['dashboard'],
        summary: 'What an invitation link offers (no sign-in needed)',
        description: 'A used, withdrawn, expired or unknown link is 400 link_invalid.',
        params: Type.Object({ token: LinkTokenField }),
        response: {
          200: Type.Object({
            org: Type.Object({ display_name: Type.String() }),
            email: Type.String(),
            role: RoleSchema,
            account_exists: Type.Boolean({ description: 'Whether an account uses the invited address (then sign in to accept)' }),
            expires_at: Type.String(),
          }),
        },
      },
    },
    async (request) => previewInvitation(ctx, request.params.token),
  );

  app.post(
    '/v1/auth/invitations/accept',
    {
      config: { session: 'optional', sameSiteOnly: true },
      schema: {
        tags: ['dashboard'],
        summary: 'Accept an invitation',
        description:
          'Without an account for the invited address: creates it (password required; the address counts as verified), joins the workspace and signs in (Set-Cookie). With an account: sign in to it first; the membership is added and the session moves to the workspace.',
        body: Type.Object({ token: LinkTokenField, password: Type.Optional(NewPasswordField) }, { additionalProperties: false }),
        response: { 200: SessionAnswerSchema },
      },
    },
    async (request, reply) => {
      const { token, answer } = await acceptInvitation(ctx, request.body.token, request.body.password, request.signedIn, originOf(request));
      if (token !== null) setSessionCookie(deps, request, reply, token);
      return answer;
    },
  );
}
