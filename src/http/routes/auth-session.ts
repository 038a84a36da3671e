/** Sign-up, sign-in, sign-out and the current session (the dashboard's way in). */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { IdentityContext } from '../../domain/identity-context.ts';
import { describeSession, signOut, switchOrg } from '../../domain/sessions.ts';
import { signIn, signUp } from '../../domain/sign-in.ts';
import type { App } from '../app.ts';
import { originOf, signedInOf } from '../authentication.ts';
import { baseUrlOf } from '../errors.ts';
import { EmailField, NewPasswordField, PasswordField, SESSION_SECURITY, SessionAnswerSchema } from '../identity-schemas.ts';
import { Id, Label } from '../schemas.ts';
import { clearedSessionCookie, sessionCookie, sessionTokenOf } from '../session-cookie.ts';

export interface IdentityRouteDependencies {
  ctx: IdentityContext;
  publicUrl: string | null;
}

/** Hands the browser a new session token, for as long as a session can live. */
export function setSessionCookie(deps: IdentityRouteDependencies, request: FastifyRequest, reply: FastifyReply, token: string): void {
  reply.header('set-cookie', sessionCookie(request, token, Math.floor(deps.ctx.policy.sessionMaxMs / 1000)));
}

export function registerSessionRoutes(app: App, deps: IdentityRouteDependencies): void {
  const { ctx } = deps;

  app.post(
    '/v1/auth/signup',
    {
      config: { sameSiteOnly: true },
      schema: {
        tags: ['dashboard'],
        summary: 'Create an account, its workspace, and a signed-in session',
        description:
          'Creates the user (email unverified; a verification link is emailed), a new workspace they own (with starter credits) and a session: the br_session cookie is set and csrf_token returned. 409 email_taken when the address has an account.',
        body: Type.Object(
          { email: EmailField, password: NewPasswordField, workspace_name: Type.Optional(Label('Name of the new workspace; default derived from the email')) },
          { additionalProperties: false },
        ),
        response: { 201: SessionAnswerSchema },
      },
    },
    async (request, reply) => {
      const { token, answer } = await signUp(ctx, request.body, originOf(request), baseUrlOf(request, deps.publicUrl), sessionTokenOf(request));
      setSessionCookie(deps, request, reply, token);
      return reply.status(201).send(answer);
    },
  );

  app.post(
    '/v1/auth/signin',
    {
      config: { sameSiteOnly: true },
      schema: {
        tags: ['dashboard'],
        summary: 'Sign in with email and password: a new session',
        description:
          'Always starts a new session (a cookie that came with the request is never reused). A wrong email or password is 401 invalid_credentials; too many failures per account or address are 429 with Retry-After.',
        body: Type.Object({ email: EmailField, password: PasswordField }, { additionalProperties: false }),
        response: { 200: SessionAnswerSchema },
      },
    },
    async (request, reply) => {
      const { token, answer } = await signIn(ctx, request.body, originOf(request), sessionTokenOf(request));
      setSessionCookie(deps, request, reply, token);
      return answer;
    },
  );

  app.post(
    '/v1/auth/signout',
    {
      config: { session: true },
      schema: { tags: ['dashboard'], summary: 'End this session', security: SESSION_SECURITY },
    },
    async (request, reply) => {
      await signOut(ctx, signedInOf(request), originOf(request));
      return reply.header('set-cookie', clearedSessionCookie(request)).status(204).send();
    },
  );

  app.get(
    '/v1/auth/session',
    {
      config: { session: true },
      schema: {
        tags: ['dashboard'],
        summary: 'Who is signed in: user, current workspace and role, all workspaces, session times, CSRF token',
        security: SESSION_SECURITY,
        response: { 200: SessionAnswerSchema },
      },
    },
    async (request) => describeSession(ctx, signedInOf(request)),
  );

  app.post(
    '/v1/auth/session/org',
    {
      config: { session: true },
      schema: {
        tags: ['dashboard'],
        summary: "Switch the session to another of the user's workspaces",
        security: SESSION_SECURITY,
        body: Type.Object({ org_id: Id('org id (org_…)') }, { additionalProperties: false }),
        response: { 200: SessionAnswerSchema },
      },
    },
    async (request) => switchOrg(ctx, signedInOf(request), request.body.org_id, originOf(request)),
  );
}
