/** /v1/webhooks/deliveries: every delivery with every attempt, and manual redelivery. */
import { Type } from 'typebox';
import { getDelivery, listOrgDeliveries, redeliver } from '../../domain/webhook-deliveries.ts';
import type { WebhookContext } from '../../domain/webhooks.ts';
import type { App } from '../app.ts';
import { originOf, principalOf } from '../authentication.ts';
import { Id, pageBody, PageQueryFields, pageRequest } from '../schemas.ts';

const tags = ['webhooks'];
const security = [{ bearer: [] }];
const DeliveryParams = Type.Object({ id: Id('The delivery id (whdel_…)') });

export function registerWebhookDeliveryRoutes(app: App, ctx: WebhookContext): void {
  app.get(
    '/v1/webhooks/deliveries',
    {
      config: { scope: 'webhooks:read' },
      schema: {
        tags,
        summary: 'List webhook deliveries, newest first, each with every attempt (refused ones included)',
        security,
        querystring: Type.Object(
          {
            ...PageQueryFields,
            batch_id: Type.Optional(Id('Only deliveries of this batch')),
            status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed'), Type.Literal('cancelled')])),
            event_type: Type.Optional(Type.String({ maxLength: 64, pattern: '^[a-z_.]+$' })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const { batch_id: batchId, status, event_type: eventType } = request.query;
      const { limit, after } = pageRequest(request.query);
      const filter = { ...(batchId !== undefined ? { batchId } : {}), ...(status !== undefined ? { status } : {}), ...(eventType !== undefined ? { eventType } : {}) };
      const page = await listOrgDeliveries(ctx, principalOf(request), filter, limit, after);
      return pageBody(page.data, page.next);
    },
  );

  app.get(
    '/v1/webhooks/deliveries/:id',
    {
      config: { scope: 'webhooks:read' },
      schema: { tags, summary: 'A webhook delivery with every attempt', security, params: DeliveryParams },
    },
    async (request) => getDelivery(ctx, principalOf(request), request.params.id),
  );

  app.post(
    '/v1/webhooks/deliveries/:id/redeliver',
    {
      config: { scope: 'webhooks:write' },
      schema: {
        tags,
        summary: "Send a delivery's event again (same event id), as a new delivery to the endpoint as it is now",
        security,
        params: DeliveryParams,
      },
    },
    async (request, reply) => reply.status(202).send(await redeliver(ctx, principalOf(request), request.params.id, originOf(request))),
  );
}
