/**
 * Builds the HTTP application from its dependencies. Nothing here opens a database or reads the
 * environment: `makeApp({ ctx, config, signingSecret, adminToken, logger })` is all it needs.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyRequest, type RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { BatchContext } from '../domain/batches.ts';
import type { BackgroundTasks } from '../domain/background.ts';
import type { IdentityContext } from '../domain/identity-context.ts';
import type { Mailer } from '../mail/mailer.ts';
import { newId } from '../ids.ts';
import { makeAccessHook } from './authentication.ts';
import { makeClientErrorHandler, makeErrorHandler, makeNotFoundHandler } from './errors.ts';
import { registerAccountRoute } from './routes/auth-account.ts';
import { registerApiKeyRoutes } from './routes/auth-account-api-keys.ts';
import { registerAgentRegisterRoute } from './routes/auth-agent-register.ts';
import { registerBatchResultRoutes } from './routes/batch-results.ts';
import { registerBatchRoutes } from './routes/batches.ts';
import { registerQuoteRoutes } from './routes/batches-quote.ts';
import { registerCatalogRoutes } from './routes/catalog.ts';
import { registerFileRoutes } from './routes/files.ts';
import { registerOpenAiDropIn } from './routes/openai-dropin.ts';
import { registerDocsRoutes } from './routes/docs.ts';
import { registerOperationsRoutes } from './routes/operations.ts';
import { registerActivityRoute } from './routes/auth-account-activity.ts';
import { registerBillingRoutes } from './routes/billing.ts';
import { registerDeliveryWebhookRoutes } from './routes/auth-account-delivery-webhook.ts';
import { registerWebhookDeliveryRoutes } from './routes/webhooks-deliveries.ts';
import { registerOperatorRoutes } from './routes/operator.ts';
import { registerUsageRoutes } from './routes/usage.ts';
import { registerOptimizationReportRoutes } from './routes/optimization-report.ts';
import { registerProviderKeyRoutes } from './routes/provider-keys.ts';
import { registerWebRoutes } from './routes/web.ts';
import { registerSessionRoutes } from './routes/auth-session.ts';
import { registerPasswordRoutes } from './routes/auth-password.ts';
import { registerEmailRoutes } from './routes/auth-email.ts';
import { registerSessionListRoutes } from './routes/auth-sessions.ts';
import { registerMemberRoutes } from './routes/auth-account-members.ts';
import { registerInvitationRoutes } from './routes/auth-account-invitations.ts';
import { RedactingLogController } from './request-logging.ts';
import { ErrorBody } from './schemas.ts';
import { noteParsedJson, parsePlainJson, validatorCompiler } from './validation.ts';

export type App = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, Logger, TypeBoxTypeProvider>;

export interface AppDependencies {
  ctx: BatchContext;
  config: Config;
  /** Signs artifact download links. */
  signingSecret: Buffer;
  adminToken: string;
  logger: Logger;
  /** Sends identity emails (verification, reset, invitations). */
  mailer: Mailer;
  /** Work requests start without waiting for it (emails). */
  background: BackgroundTasks;
  /** Derives each dashboard session's CSRF token. */
  csrfKey: Buffer;
}

/** The identity code's context: the domain's, plus mail, background work, the CSRF key and the configured limits. */
export function identityContextOf(deps: AppDependencies): IdentityContext {
  const { config } = deps;
  return {
    ...deps.ctx,
    mailer: deps.mailer,
    background: deps.background,
    csrfKey: deps.csrfKey,
    policy: {
      sessionIdleMs: config.sessionIdleHours * 3600_000,
      sessionMaxMs: config.sessionMaxDays * 86_400_000,
      signinFailuresPerAccount: config.signinFailuresPerAccount,
      signinFailuresPerAddress: config.signinFailuresPerAddress,
      signupPerHour: config.signupPerHour,
      starterCreditsMicros: config.starterCreditsMicros,
    },
  };
}

/** The HTTP application with every route registered, ready to `listen`. */
export async function makeApp(deps: AppDependencies): Promise<App> {
  const { config, ctx } = deps;
  const identity = identityContextOf(deps);
  const app: App = Fastify({
    loggerInstance: deps.logger,
    genReqId: () => newId('req'),
    logController: new RedactingLogController({ requestIdLogLabel: 'request_id' }),
    // Never take a request id from the caller: ids must be unique to be worth quoting.
    requestIdHeader: false,
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    clientErrorHandler: makeClientErrorHandler(config.publicUrl, deps.logger),
    routerOptions: { maxParamLength: 200 },
    ajv: { customOptions: { allErrors: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // JSON only: without this Fastify also reads text/plain bodies, which then fail validation as a
  // "wrong type" when the truth is a wrong media type (415).
  app.removeContentTypeParser('text/plain');
  // Fastify's own JSON parsing (prototype poisoning refused) where the text needs it, noting what the
  // text shows about its strings.
  const parseJson = app.getDefaultJsonParser('error', 'error') as (request: FastifyRequest, text: string, done: (error: Error | null, body?: unknown) => void) => void;
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, raw, done) => {
    const text = raw.toString();
    const plain = parsePlainJson(text);
    if (plain !== null) {
      done(null, plain.body);
      return;
    }
    parseJson(request, text, (error, body) => {
      if (error === null) noteParsedJson(text, body);
      done(error, body);
    });
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setErrorHandler(makeErrorHandler(config.publicUrl));
  app.setNotFoundHandler(makeNotFoundHandler(config.publicUrl));
  app.addSchema(ErrorBody);
  app.decorateRequest('principal', null);
  app.decorateRequest('signedIn', null);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onRequest', makeAccessHook(identity, deps.adminToken, config.publicUrl));
  // Bodies are optional where every field is: a bare POST is an empty object.
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined && request.routeOptions.schema?.body !== undefined) request.body = {};
  });
  // Every documented route answers errors in the one error body.
  app.addHook('onRoute', (route) => {
    if (!route.schema || route.schema.hide) return;
    route.schema.response = { ...(route.schema.response as object), '4XX': { $ref: 'ErrorBody#' }, '5XX': { $ref: 'ErrorBody#' } };
  });

  await registerDocsRoutes(app);
  registerOperationsRoutes(app, ctx);
  registerAgentRegisterRoute(app, ctx, { enabled: config.agentRegisterEnabled, perAddressPerHour: config.agentRegisterPerHour, starterCreditsMicros: config.starterCreditsMicros });
  registerAccountRoute(app, ctx);
  registerApiKeyRoutes(app, ctx);
  const identityRoutes = { ctx: identity, publicUrl: config.publicUrl };
  registerSessionRoutes(app, identityRoutes);
  registerPasswordRoutes(app, identityRoutes);
  registerEmailRoutes(app, identityRoutes);
  registerSessionListRoutes(app, identityRoutes);
  registerMemberRoutes(app, identityRoutes);
  registerInvitationRoutes(app, identityRoutes);
  registerCatalogRoutes(app, ctx.catalog, ctx.lanes);
  registerQuoteRoutes(app, ctx, config.batchBodyLimitBytes);
  registerBatchRoutes(app, ctx, config.batchBodyLimitBytes);
  registerBatchResultRoutes(app, ctx, deps.signingSecret, config.publicUrl);
  registerFileRoutes(app, ctx, config.fileLimitBytes);
  registerOpenAiDropIn(app, ctx, { fileLimitBytes: config.fileLimitBytes });
  registerUsageRoutes(app, ctx);
  registerOptimizationReportRoutes(app, ctx, config);
  registerProviderKeyRoutes(app, ctx);
  registerOperatorRoutes(app, ctx);
  registerDeliveryWebhookRoutes(app, ctx);
  registerBillingRoutes(app, ctx);
  registerActivityRoute(app, ctx);
  registerWebhookDeliveryRoutes(app, ctx);
  registerWebRoutes(app);
  return app;
}
