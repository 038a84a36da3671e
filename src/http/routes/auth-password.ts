/** Forgotten, reset and changed passwords. */
import { Type } from 'typebox';
import { changePassword, forgotPassword, resetPassword } from '../../domain/credentials.ts';
import { csrfTokenOf } from '../../domain/sessions.ts';
import type { App } from '../app.ts';
import { originOf, signedInOf } from '../authentication.ts';
import { baseUrlOf } from '../errors.ts';
import { EmailField, LinkTokenField, MessageSchema, NewPasswordField, PasswordField, SESSION_SECURITY, UserAnswerSchema } from '../identity-schemas.ts';
import { setSessionCookie, type IdentityRouteDependencies } from './auth-session.ts';

export function registerPasswordRoutes(app: App, deps: IdentityRouteDependencies): void {
  const { ctx } = deps;

  app.post(
    '/v1/auth/password/forgot',
    {
      config: { sameSiteOnly: true },
      schema: {
        tags: ['dashboard'],
        summary: 'Email a password-reset link (the same answer whether or not the account exists)',
        body: Type.Object({ email: EmailField }, { additionalProperties: false }),
        response: { 202: MessageSchema },
      },
    },
    async (request, reply) => reply.status(202).send(await forgotPassword(ctx, request.body.email, originOf(request), baseUrlOf(request, deps.publicUrl))),
  );

  app.post(
    '/v1/auth/password/reset',
    {
      config: { sameSiteOnly: true },
      schema: {
        tags: ['dashboard'],
        summary: 'Set a new password from a reset link; every session of the account ends',
        body: Type.Object({ token: LinkTokenField, password: NewPasswordField }, { additionalProperties: false }),
        response: { 200: UserAnswerSchema },
      },
    },
    async (request) => ({ user: await resetPassword(ctx, request.body.token, request.body.password, originOf(request)) }),
  );

  app.post(
    '/v1/auth/password/change',
    {
      config: { session: true },
      schema: {
        tags: ['dashboard'],
        summary: 'Change the password; every other session ends and this one gets a new token',
        description: 'The answer sets the new cookie and carries the new csrf_token. A wrong current password is 403 password_incorrect.',
        security: SESSION_SECURITY,
        body: Type.Object({ current_password: PasswordField, new_password: NewPasswordField }, { additionalProperties: false }),
        response: { 200: Type.Object({ ended_sessions: Type.Integer({ description: 'How many other sessions ended' }), csrf_token: Type.String() }) },
      },
    },
    async (request, reply) => {
      const { token, endedSessions } = await changePassword(ctx, signedInOf(request), request.body, originOf(request));
      setSessionCookie(deps, request, reply, token);
      return { ended_sessions: endedSessions, csrf_token: csrfTokenOf(ctx, token) };
    },
  );
}
