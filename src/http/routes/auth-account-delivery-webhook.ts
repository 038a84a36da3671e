/** /v1/auth/account/delivery-webhook: the workspace endpoint; save, read (masked), rotate the secret, test, remove. */
import { Type } from 'typebox';
import { pingEndpoint } from '../../domain/webhook-deliveries.ts';
import { getEndpoint, removeEndpoint, rotateEndpointSecret, saveEndpoint, type WebhookContext } from '../../domain/webhooks.ts';
import type { App } from '../app.ts';
import { originOf, principalOf } from '../authentication.ts';

const PATH = '/v1/auth/account/delivery-webhook';
const tags = ['webhooks'];
const security = [{ bearer: [] }];

export function registerDeliveryWebhookRoutes(app: App, ctx: WebhookContext): void {
  app.put(
    PATH,
    {
      config: { scope: 'webhooks:write' },
      schema: {
        tags,
        summary: "Save the workspace's delivery webhook (HTTPS only; private and metadata addresses are refused)",
        description:
          'Without a secret, a new endpoint gets a generated whsec_ secret, shown in this response only; an existing endpoint keeps its secret. Saving again enables an endpoint disabled by a 410 Gone.',
        security,
        body: Type.Object(
          {
            url: Type.String({ minLength: 1, maxLength: 2048, description: 'A public https:// URL' }),
            secret: Type.Optional(Type.String({ minLength: 16, maxLength: 256, description: 'Your own signing secret (16–256 printable characters; whsec_ + base64 for Standard Webhooks libraries)' })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => saveEndpoint(ctx, principalOf(request), request.body, originOf(request)),
  );

  app.get(
    PATH,
    {
      config: { scope: 'webhooks:read' },
      schema: { tags, summary: "The workspace's delivery webhook; its secret only masked", security },
    },
    async (request) => getEndpoint(ctx, principalOf(request)),
  );

  app.delete(
    PATH,
    {
      config: { scope: 'webhooks:write' },
      schema: { tags, summary: "Remove the workspace's delivery webhook; pending deliveries to it are cancelled", security },
    },
    async (request, reply) => {
      await removeEndpoint(ctx, principalOf(request), originOf(request));
      return reply.status(204).send();
    },
  );

  app.post(
    `${PATH}/rotate-secret`,
    {
      config: { scope: 'webhooks:write' },
      schema: {
        tags,
        summary: 'Rotate the signing secret: the new one is shown once; the previous one keeps signing beside it for 24 hours',
        security,
      },
    },
    async (request) => rotateEndpointSecret(ctx, principalOf(request), originOf(request)),
  );

  app.post(
    `${PATH}/test`,
    {
      config: { scope: 'webhooks:write' },
      schema: { tags, summary: 'Send a signed webhook.test event to the endpoint now, once, and show what happened', security },
    },
    async (request) => pingEndpoint(ctx, principalOf(request), originOf(request)),
  );
}
