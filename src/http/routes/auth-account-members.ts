/** The workspace's members: list (session or key), change a role, remove (owners and admins, in the dashboard). */
import { Type } from 'typebox';
import { changeMemberRole, listMembers, removeMember } from '../../domain/members.ts';
import type { App } from '../app.ts';
import { originOf, principalOf } from '../authentication.ts';
import { MemberSchema, RoleSchema, SESSION_OR_KEY_SECURITY, SESSION_SECURITY } from '../identity-schemas.ts';
import { Id } from '../schemas.ts';
import { clearedSessionCookie } from '../session-cookie.ts';
import type { IdentityRouteDependencies } from './auth-session.ts';

const MemberParams = Type.Object({ user_id: Id('user id (usr_…)') });

export function registerMemberRoutes(app: App, deps: IdentityRouteDependencies): void {
  const { ctx } = deps;

  app.get(
    '/v1/auth/account/members',
    {
      config: { scope: 'account:read' },
      schema: {
        tags: ['accounts'],
        summary: "The workspace's members with their roles",
        security: SESSION_OR_KEY_SECURITY,
        response: { 200: Type.Object({ data: Type.Array(MemberSchema) }) },
      },
    },
    async (request) => ({ data: await listMembers(ctx, principalOf(request)) }),
  );

  app.patch(
    '/v1/auth/account/members/:user_id',
    {
      config: { session: true },
      schema: {
        tags: ['accounts'],
        summary: "Change a member's role (owners and admins)",
        description: 'Admins cannot make owners nor change owners. The last owner cannot be demoted: 409 last_owner.',
        security: SESSION_SECURITY,
        params: MemberParams,
        body: Type.Object({ role: RoleSchema }, { additionalProperties: false }),
        response: { 200: MemberSchema },
      },
    },
    async (request) => changeMemberRole(ctx, principalOf(request), request.params.user_id, request.body.role, originOf(request)),
  );

  app.delete(
    '/v1/auth/account/members/:user_id',
    {
      config: { session: true },
      schema: {
        tags: ['accounts'],
        summary: 'Remove a member (owners and admins), or leave the workspace (your own user id)',
        description: "The member's sessions in this workspace end. Admins cannot remove owners; the last owner can neither be removed nor leave: 409 last_owner.",
        security: SESSION_SECURITY,
        params: MemberParams,
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      await removeMember(ctx, principal, request.params.user_id, originOf(request));
      // Leaving ends this very session too.
      if (principal.actor.type === 'user' && principal.actor.id === request.params.user_id) reply.header('set-cookie', clearedSessionCookie(request));
      return reply.status(204).send();
    },
  );
}
