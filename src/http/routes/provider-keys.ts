/** /v1/auth/account/provider-keys/{provider}: the org's own provider API key (OpenAI), stored sealed; saved, read masked, removed. */
import { Type } from 'typebox';
import type { BatchContext } from '../../domain/batches.ts';
import { getProviderKey, KEY_PROVIDERS, removeProviderKey, saveProviderKey, type ProviderKeyContext } from '../../domain/optimization/provider-keys.ts';
import type { App } from '../app.ts';
import { originOf, principalOf } from '../authentication.ts';

const tags = ['accounts'];
const security = [{ bearer: [] }];
const params = Type.Object({ provider: Type.Union(KEY_PROVIDERS.map((provider) => Type.Literal(provider)), { description: 'The provider: openai' }) });
const ProviderKey = Type.Object({
  object: Type.Literal('provider_key'),
  provider: Type.String(),
  api_key: Type.String({ description: 'Masked: the first three and last four characters (sk-…wxyz); the key itself is never shown again' }),
  created_at: Type.String(),
  updated_at: Type.String(),
});

export function registerProviderKeyRoutes(app: App, ctx: BatchContext): void {
  const keys: ProviderKeyContext = { ...ctx, box: ctx.webhooks.box };
  const path = '/v1/auth/account/provider-keys/:provider';

  app.put(
    path,
    {
      config: { scope: 'keys:write' },
      schema: {
        tags,
        summary: "Store the org's API key for a provider (owners and admins), to fetch your own batches from it for the optimization report",
        description: 'The key is encrypted at rest (AES-256-GCM under BATCHROUTER_ENCRYPTION_KEY, which is not in the database) and answered masked, here and ever after. Saving again replaces it.',
        security,
        params,
        body: Type.Object(
          { api_key: Type.String({ minLength: 20, maxLength: 512, pattern: '^[!-~]+$', description: 'The provider API key (sk-…): printable characters, no spaces' }) },
          { additionalProperties: false },
        ),
        response: { 200: ProviderKey },
      },
    },
    async (request) => saveProviderKey(keys, principalOf(request), request.params.provider, request.body.api_key, originOf(request)),
  );

  app.get(
    path,
    {
      config: { scope: 'account:read' },
      schema: { tags, summary: "The org's stored key for a provider, masked", security, params, response: { 200: ProviderKey } },
    },
    async (request) => getProviderKey(ctx, principalOf(request), request.params.provider),
  );

  app.delete(
    path,
    {
      config: { scope: 'keys:write' },
      schema: { tags, summary: "Forget the org's stored key for a provider (owners and admins)", security, params },
    },
    async (request, reply) => {
      await removeProviderKey(ctx, principalOf(request), request.params.provider, originOf(request));
      return reply.status(204).send();
    },
  );
}
