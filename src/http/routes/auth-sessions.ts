/** The signed-in user's sessions: list them, end one. */
import { Type } from 'typebox';
import { listSessions, revokeOwnSession } from '../../domain/sessions.ts';
import type { App } from '../app.ts';
import { originOf, signedInOf } from '../authentication.ts';
import { SESSION_SECURITY } from '../identity-schemas.ts';
import { Id } from '../schemas.ts';
import { clearedSessionCookie } from '../session-cookie.ts';
import type { IdentityRouteDependencies } from './auth-session.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

const SessionSchema = Type.Object({
  id: Type.String(),
  current: Type.Boolean({ description: 'This is the session making the request' }),
  org_id: Type.String({ description: 'The workspace the session acts in' }),
  created_at: Type.String(),
  last_seen_at: Type.String(),
  ip: Nullable(Type.String()),
  user_agent: Nullable(Type.String()),
  idle_expires_at: Type.String(),
  expires_at: Type.String(),
});

export function registerSessionListRoutes(app: App, deps: IdentityRouteDependencies): void {
  const { ctx } = deps;

  app.get(
    '/v1/auth/sessions',
    {
      config: { session: true },
      schema: {
        tags: ['dashboard'],
        summary: "The user's sessions that still work, newest first",
        security: SESSION_SECURITY,
        response: { 200: Type.Object({ data: Type.Array(SessionSchema) }) },
      },
    },
    async (request) => ({ data: await listSessions(ctx, signedInOf(request)) }),
  );

  app.post(
    '/v1/auth/sessions/:id/revoke',
    {
      config: { session: true },
      schema: {
        tags: ['dashboard'],
        summary: 'End one of your sessions: it answers 401 from its next request',
        description: "Ending an ended session answers the same. Another user's session is 404 session_not_found.",
        security: SESSION_SECURITY,
        params: Type.Object({ id: Id('session id (ses_…)') }),
        response: { 200: Type.Object({ id: Type.String(), revoked_at: Type.String(), current: Type.Boolean() }) },
      },
    },
    async (request, reply) => {
      const revoked = await revokeOwnSession(ctx, signedInOf(request), request.params.id, originOf(request));
      if (revoked.current) reply.header('set-cookie', clearedSessionCookie(request));
      return revoked;
    },
  );
}
