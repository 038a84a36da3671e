/**
 * The OpenAI drop-in under `/v1/openai/v1`: OpenAI's Files and Batch APIs, so the official SDKs
 * work with only `baseURL` and the key changed. The routes live in an encapsulated context with
 * their own error and not-found handlers (OpenAI's error body) and their own multipart parser;
 * the rest of the API keeps BatchRouter's.
 */
import type { BatchContext } from '../../domain/batches.ts';
import type { App } from '../app.ts';
import { registerOpenAiBatchRoutes } from './openai-batches.ts';
import { handleOpenAiError, handleOpenAiNotFound, OpenAiErrorSchema } from './openai-errors.ts';
import { registerOpenAiFileRoutes } from './openai-files.ts';

export const OPENAI_DROP_IN_PREFIX = '/v1/openai/v1';

export function registerOpenAiDropIn(app: App, ctx: BatchContext, limits: { fileLimitBytes: number }): void {
  void app.register(
    async (scope: App) => {
      scope.setErrorHandler(handleOpenAiError);
      scope.setNotFoundHandler(handleOpenAiNotFound);
      // Uploads reach the route as the raw stream: a file is never held whole in memory.
      scope.addContentTypeParser('multipart/form-data', (_request, payload, done) => done(null, payload));
      // Documented errors here have OpenAI's body (this runs after the app's own onRoute hook).
      scope.addHook('onRoute', (route) => {
        if (!route.schema || route.schema.hide) return;
        route.schema.response = { ...(route.schema.response as object), '4XX': OpenAiErrorSchema, '5XX': OpenAiErrorSchema };
      });
      registerOpenAiFileRoutes(scope, ctx, limits.fileLimitBytes);
      registerOpenAiBatchRoutes(scope, ctx);
      // The dashboard's catch-all GET would otherwise take unknown paths here to the app's own 404.
      scope.all('/*', { schema: { hide: true } }, handleOpenAiNotFound);
    },
    { prefix: OPENAI_DROP_IN_PREFIX },
  );
}
