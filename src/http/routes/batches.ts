/** /v1/batches: submit (with Idempotency-Key), list, read, cancel. */
import { Type } from 'typebox';
import { BatchParams, pageBody, PageQueryFields, pageRequest } from '../schemas.ts';
import { cancelBatch, getBatch, listOrgBatches, presentBatch, submitBatch, type BatchContext } from '../../domain/batches.ts';
import { ApiError } from '../../domain/errors.ts';
import { resolveManifest, type ManifestRequest } from '../../domain/files.ts';
import type { App } from '../app.ts';
import { originOf, principalOf } from '../authentication.ts';
import { measureItemsEarly, SubmitBody } from '../manifest-schema.ts';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{8,128}$/;

export function registerBatchRoutes(app: App, ctx: BatchContext, bodyLimit: number): void {
  app.post(
    '/v1/batches',
    {
      bodyLimit,
      config: { scope: 'batches:write' },
      preValidation: measureItemsEarly(ctx.measurer, true),
      schema: {
        tags: ['batches'],
        summary: 'Submit a batch: validates everything, reserves the maximum cost, queues the work',
        description:
          'Requires an Idempotency-Key header (8–128 characters). The same key with the same body returns the original batch (200, Idempotent-Replayed: true); with another body, or while the first request is still being stored, 409. 402 when the available balance cannot cover the maximum cost.',
        security: [{ bearer: [] }],
        headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String()) }),
        body: SubmitBody,
      },
    },
    async (request, reply) => {
      const key = request.headers['idempotency-key'];
      if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key)) {
        throw new ApiError('idempotency_key_required', 'Send an Idempotency-Key header of 8 to 128 printable characters.', {
          details: [{ path: 'headers.idempotency-key', message: key === undefined ? 'is required' : 'must be 8 to 128 printable ASCII characters' }],
        });
      }
      const { quote_id: quoteId, metadata, webhook, ...manifestRequest } = request.body;
      const principal = principalOf(request);
      const manifest = await resolveManifest(ctx, principal, manifestRequest as ManifestRequest);
      const { batch, replayed } = await submitBatch(
        ctx,
        principal,
        {
          manifest,
          idempotencyKey: key,
          body: request.body,
          ...(quoteId !== undefined ? { quoteId } : {}),
          ...(metadata !== undefined ? { metadata } : {}),
          ...(webhook !== undefined ? { webhook } : {}),
        },
        originOf(request),
      );
      if (replayed) reply.header('idempotent-replayed', 'true');
      return reply.status(replayed ? 200 : 201).send(await presentBatch(ctx, batch));
    },
  );

  app.get(
    '/v1/batches',
    {
      config: { scope: 'batches:read' },
      schema: {
        tags: ['batches'],
        summary: "List the org's batches, newest first, a page at a time",
        security: [{ bearer: [] }],
        querystring: Type.Object(
          PageQueryFields,
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const { limit, after } = pageRequest(request.query);
      const page = await listOrgBatches(ctx, principalOf(request), limit, after);
      return pageBody(await Promise.all(page.rows.map((batch) => presentBatch(ctx, batch))), page.next);
    },
  );

  app.get(
    '/v1/batches/:id',
    {
      config: { scope: 'batches:read' },
      schema: {
        tags: ['batches'],
        summary: 'Read a batch: status, counts by item status, estimate and cost',
        security: [{ bearer: [] }],
        params: BatchParams,
        querystring: Type.Object({ include_billing_receipt: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      },
    },
    async (request) => {
      const batch = await getBatch(ctx, principalOf(request), request.params.id);
      return presentBatch(ctx, batch, { billingReceipt: request.query.include_billing_receipt === true });
    },
  );

  app.post(
    '/v1/batches/:id/cancel',
    {
      config: { scope: 'batches:write' },
      schema: {
        tags: ['batches'],
        summary: 'Cancel a batch: unfinished items are cancelled and cost nothing; 409 once finished',
        security: [{ bearer: [] }],
        params: BatchParams,
      },
    },
    async (request) => presentBatch(ctx, await cancelBatch(ctx, principalOf(request), request.params.id, originOf(request))),
  );
}
