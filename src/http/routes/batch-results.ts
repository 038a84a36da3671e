/** Results of a batch: cursor pages as items finish, and the signed JSONL artifact once it has ended. */
import { Readable } from 'node:stream';
import { Type } from 'typebox';
import { BatchParams } from '../schemas.ts';
import type { BatchContext } from '../../domain/batches.ts';
import { artifactLink, listResults, openArtifact } from '../../domain/results.ts';
import type { App } from '../app.ts';
import { principalOf } from '../authentication.ts';
import { baseUrlOf } from '../errors.ts';


export function registerBatchResultRoutes(app: App, ctx: BatchContext, signingSecret: Buffer, publicUrl: string | null): void {
  app.get(
    '/v1/batches/:id/results',
    {
      config: { scope: 'batches:read' },
      schema: {
        tags: ['batches'],
        summary: 'Results in the order items finished, a page at a time, available while the batch runs',
        security: [{ bearer: [] }],
        params: BatchParams,
        querystring: Type.Object(
          { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })), cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })) },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => listResults(ctx, principalOf(request), request.params.id, request.query.cursor, request.query.limit ?? 100),
  );

  app.get(
    '/v1/batches/:id/artifact-url',
    {
      config: { scope: 'batches:read' },
      schema: {
        tags: ['batches'],
        summary: 'A signed link to the JSONL of every result, valid 15 minutes, needing no key',
        security: [{ bearer: [] }],
        params: BatchParams,
      },
    },
    async (request) => artifactLink(ctx, principalOf(request), request.params.id, signingSecret, baseUrlOf(request, publicUrl)),
  );

  app.get(
    '/v1/batches/:id/artifact',
    {
      schema: {
        tags: ['batches'],
        summary: 'Download the JSONL artifact through a signed link from artifact-url',
        params: BatchParams,
        querystring: Type.Object({ expires: Type.Integer(), signature: Type.String({ maxLength: 100 }) }, { additionalProperties: false }),
      },
    },
    async (request, reply) => {
      const artifact = await openArtifact(ctx, request.params.id, request.query, signingSecret);
      return reply
        .type('application/x-ndjson; charset=utf-8')
        .header('content-disposition', `attachment; filename="${artifact.batchId}.jsonl"`)
        // One page read ahead at most: the socket's pace sets the reading's, so memory stays flat.
        .send(Readable.from(artifact.lines, { highWaterMark: 1 }));
    },
  );
}
