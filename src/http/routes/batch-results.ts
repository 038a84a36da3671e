/** Results of a batch: cursor pages as items finish, and the signed JSONL artifact once it has ended. */
import { Readable } from 'node:stream';
import { Type } from 'typebox';
import { BatchParams } from '../schemas.ts';
import { isoTimestamp } from '../../clock.ts';
import { resultsPage } from '../../db/queries/batch-items.ts';
import { findBatchById } from '../../db/queries/batches.ts';
import { artifactLines, presentResult, signArtifactLink, verifyArtifactLink } from '../../domain/artifacts.ts';
import { isTerminalBatch } from '../../domain/batch-states.ts';
import { getBatch, type BatchContext } from '../../domain/batches.ts';
import { ApiError } from '../../domain/errors.ts';
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
    async (request) => {
      const batch = await getBatch(ctx, principalOf(request), request.params.id);
      const limit = request.query.limit ?? 100;
      const rows = await resultsPage(ctx.db, batch.id, Number(request.query.cursor ?? 0), limit + 1);
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        batch_id: batch.id,
        batch_status: batch.status,
        data: page.map(presentResult),
        has_more: rows.length > limit,
        // The cursor is the last row's place in finishing order: rows finishing later come after it.
        next_cursor: last?.result_sequence != null ? String(last.result_sequence) : (request.query.cursor ?? null),
      };
    },
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
    async (request) => {
      const batch = await getBatch(ctx, principalOf(request), request.params.id);
      if (!isTerminalBatch(batch.status)) throw new ApiError('artifact_not_ready', `Batch ${batch.id} is ${batch.status}: the artifact exists once it has finished.`);
      const link = signArtifactLink(signingSecret, batch.id, ctx.clock.now());
      return {
        url: `${baseUrlOf(request, publicUrl)}/v1/batches/${batch.id}/artifact?expires=${link.expires}&signature=${link.signature}`,
        expires_at: isoTimestamp(new Date(link.expires * 1000)),
      };
    },
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
      const { expires, signature } = request.query;
      if (!verifyArtifactLink(signingSecret, request.params.id, expires, signature, ctx.clock.now())) {
        throw new ApiError('artifact_link_invalid', 'This artifact link is expired or not valid: ask for a new one.');
      }
      const batch = await findBatchById(ctx.db, request.params.id);
      if (!batch) throw new ApiError('batch_not_found', 'No such batch.');
      return reply
        .type('application/x-ndjson; charset=utf-8')
        .header('content-disposition', `attachment; filename="${batch.id}.jsonl"`)
        // One page read ahead at most: the socket's pace sets the reading's, so memory stays flat.
        .send(Readable.from(artifactLines(ctx.db, batch.id), { highWaterMark: 1 }));
    },
  );
}
