/**
 * The drop-in's Batch API: `POST /batches`, `GET /batches` (`after`, `limit`), `GET /batches/{id}`,
 * `POST /batches/{id}/cancel`, all answering OpenAI's Batch object. A drop-in batch is a native
 * batch: it also shows in `GET /v1/batches`.
 */
import { Type } from 'typebox';
import type { BatchContext } from '../../domain/batches.ts';
import { cancelOpenAiBatch, createOpenAiBatch, getOpenAiBatch, listOpenAiBatches, type CreateBatchRequest } from '../../domain/openai-compat/batches.ts';
import { invalidParameter } from '../../domain/openai-compat/errors.ts';
import { DROP_IN_ENDPOINT_NAMES } from '../../domain/openai-compat/input-lines.ts';
import type { App } from '../app.ts';
import { originOf, principalOf } from '../authentication.ts';
import { Id } from '../schemas.ts';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{8,128}$/;

const CreateBody = Type.Object(
  {
    input_file_id: Id('A batch input file uploaded with POST /v1/openai/v1/files'),
    endpoint: Type.Enum(DROP_IN_ENDPOINT_NAMES, { description: 'The url every line of the file names' }),
    completion_window: Type.Enum(['24h'], { description: 'Only 24h, as OpenAI; the deadline follows metadata.batchrouter_sla_tier (standard: 24 h)' }),
    metadata: Type.Optional(
      Type.Union([
        Type.Record(Type.String(), Type.String({ maxLength: 512 }), {
          maxProperties: 16,
          propertyNames: { maxLength: 64 },
          description: 'Up to 16 pairs; batchrouter_sla_tier, batchrouter_routing_mode, batchrouter_privacy_tier and batchrouter_allowed_regions set routing',
        }),
        Type.Null(),
      ]),
    ),
    output_expires_after: Type.Optional(
      Type.Object(
        { anchor: Type.Enum(['created_at']), seconds: Type.Integer({ minimum: 3600, maximum: 2_592_000 }) },
        { additionalProperties: false, description: 'Accepted for compatibility; output files here do not expire' },
      ),
    ),
  },
  { additionalProperties: false },
);

const BatchIdParams = Type.Object({ id: Id('The batch id (bat_…)') });

export function registerOpenAiBatchRoutes(app: App, ctx: BatchContext): void {
  app.post(
    '/batches',
    {
      config: { scope: 'batches:write' },
      schema: {
        tags: ['openai drop-in'],
        summary: 'Create a batch from an input file (OpenAI Batch API): a native batch, with its checks, credit reservation and routing',
        description:
          'An Idempotency-Key header (8–128 characters) makes retries safe as on POST /v1/batches; without one, the same body returns the batch it already created. 402 when the credits cannot cover the reservation.',
        security: [{ bearer: [] }],
        headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String()) }),
        body: CreateBody,
      },
    },
    async (request, reply) => {
      const headerKey = request.headers['idempotency-key'];
      if (headerKey !== undefined && (typeof headerKey !== 'string' || !IDEMPOTENCY_KEY.test(headerKey))) {
        throw invalidParameter('Idempotency-Key', 'The Idempotency-Key header must be 8 to 128 printable ASCII characters.');
      }
      const { batch, replayed } = await createOpenAiBatch(ctx, principalOf(request), request.body as CreateBatchRequest, headerKey ?? null, originOf(request));
      if (replayed) reply.header('idempotent-replayed', 'true');
      return reply.send(batch);
    },
  );

  app.get(
    '/batches',
    {
      config: { scope: 'batches:read' },
      schema: {
        tags: ['openai drop-in'],
        summary: "List the org's drop-in batches, newest first (OpenAI list: data, first_id, last_id, has_more)",
        security: [{ bearer: [] }],
        querystring: Type.Object(
          { after: Type.Optional(Type.String({ maxLength: 64 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })) },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => listOpenAiBatches(ctx, principalOf(request), request.query.limit ?? 20, request.query.after ?? null),
  );

  app.get(
    '/batches/:id',
    {
      config: { scope: 'batches:read' },
      schema: { tags: ['openai drop-in'], summary: 'Read a drop-in batch (OpenAI Batch object)', security: [{ bearer: [] }], params: BatchIdParams },
    },
    async (request) => getOpenAiBatch(ctx, principalOf(request), request.params.id),
  );

  app.post(
    '/batches/:id/cancel',
    {
      config: { scope: 'batches:write' },
      schema: {
        tags: ['openai drop-in'],
        summary: 'Cancel a drop-in batch: it ends at once (status cancelled), unfinished requests cost nothing',
        security: [{ bearer: [] }],
        params: BatchIdParams,
      },
    },
    async (request) => cancelOpenAiBatch(ctx, principalOf(request), request.params.id, originOf(request)),
  );
}
