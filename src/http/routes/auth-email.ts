/** Email verification and changing the sign-in address. */
import { Type } from 'typebox';
import { confirmEmailChange, requestEmailChange, resendVerification, verifyEmail } from '../../domain/credentials.ts';
import type { App } from '../app.ts';
import { originOf, signedInOf } from '../authentication.ts';
import { baseUrlOf } from '../errors.ts';
import { EmailField, LinkTokenField, MessageSchema, PasswordField, SESSION_SECURITY, UserAnswerSchema } from '../identity-schemas.ts';
import type { IdentityRouteDependencies } from './auth-session.ts';

export function registerEmailRoutes(app: App, deps: IdentityRouteDependencies): void {
  const { ctx } = deps;

  app.post(
    '/v1/auth/email/verify',
    {
      config: { sameSiteOnly: true },
      schema: {
        tags: ['dashboard'],
        summary: 'Verify an email address with the token of its link',
        body: Type.Object({ token: LinkTokenField }, { additionalProperties: false }),
        response: { 200: UserAnswerSchema },
      },
    },
    async (request) => ({ user: await verifyEmail(ctx, request.body.token, originOf(request)) }),
  );

  app.post(
    '/v1/auth/email/verification',
    {
      config: { session: true },
      schema: { tags: ['dashboard'], summary: 'Email a new verification link', security: SESSION_SECURITY, response: { 202: MessageSchema } },
    },
    async (request, reply) => reply.status(202).send(await resendVerification(ctx, signedInOf(request), baseUrlOf(request, deps.publicUrl))),
  );

  app.post(
    '/v1/auth/email/change',
    {
      config: { session: true },
      schema: {
        tags: ['dashboard'],
        summary: 'Ask to change the sign-in address: a confirmation link goes to the new one',
        description: 'Nothing changes until the link is opened (POST /v1/auth/email/change/confirm). A wrong password is 403 password_incorrect.',
        security: SESSION_SECURITY,
        body: Type.Object({ new_email: EmailField, password: PasswordField }, { additionalProperties: false }),
        response: { 202: MessageSchema },
      },
    },
    async (request, reply) => reply.status(202).send(await requestEmailChange(ctx, signedInOf(request), request.body, originOf(request), baseUrlOf(request, deps.publicUrl))),
  );

  app.post(
    '/v1/auth/email/change/confirm',
    {
      config: { sameSiteOnly: true },
      schema: {
        tags: ['dashboard'],
        summary: 'Confirm a new sign-in address with the token of its link',
        description: 'The new address becomes the verified sign-in address; the old one is told. 409 email_taken if another account took it meanwhile.',
        body: Type.Object({ token: LinkTokenField }, { additionalProperties: false }),
        response: { 200: UserAnswerSchema },
      },
    },
    async (request) => ({ user: await confirmEmailChange(ctx, request.body.token, originOf(request)) }),
  );
}
