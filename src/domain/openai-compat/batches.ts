/**
 * Batches of the OpenAI drop-in. A drop-in batch is a native batch: its input file becomes a
 * manifest and goes through the native submit (every check, the credit reservation, routing,
 * settlement, webhooks), with its OpenAI side (input file, endpoint, output and error file ids)
 * stored in the same transaction. Reads, lists and cancels see only drop-in batches.
 */
import { findBatchByIdempotencyKey } from '../../db/queries/batches.ts';
import { findOpenaiBatch, findOpenaiBatchCursor, insertOpenaiBatch, listOpenaiBatches, type OpenaiBatchRow } from '../../db/queries/openai-batches.ts';
import { openaiFileLinesPage } from '../../db/queries/openai-files.ts';
import { newId } from '../../ids.ts';
import { cancelBatch, submitBatch, type BatchContext } from '../batches.ts';
import { canonicalHash } from '../canonical-json.ts';
import type { Principal, RequestOrigin } from '../context.ts';
import { ApiError } from '../errors.ts';
import type { ManifestItem } from '../manifest.ts';
import { OPENAI_STATUS_OF, presentOpenAiBatch, type OpenAiBatchObject } from './batch-object.ts';
import { invalidParameter, moreProblems, OpenAiRequestError, supportedValues } from './errors.ts';
import { inputFileOf } from './files.ts';
import { DROP_IN_ENDPOINT_NAMES, isDropInEndpoint, itemOfStoredLine, paramOfItemPath } from './input-lines.ts';
import { routingOptionsOf } from './routing-metadata.ts';

/** OpenAI's create body, as the route's schema lets it through. */
export interface CreateBatchRequest {
  input_file_id: string;
  endpoint: string;
  completion_window: '24h';
  metadata?: Record<string, string> | null;
  /** OpenAI's expiry of the output files; accepted, and without effect: files here do not expire. */
  output_expires_after?: { anchor: 'created_at'; seconds: number };
}

const LINES_PAGE = 10_000;

/**
 * The idempotency key a drop-in batch is stored under, in a namespace of its own: the caller's
 * Idempotency-Key when sent, else one derived from the request itself, so that a plain retry
 * of the same create returns the batch the first one made.
 */
export function dropInIdempotencyKey(request: CreateBatchRequest, headerKey: string | null): string {
  return headerKey !== null ? `openai:key:${headerKey}` : `openai:auto:${canonicalHash(request)}`;
}

function batchNotFound(batchId: string): OpenAiRequestError {
  return new OpenAiRequestError('batch_not_found', `No batch found with id '${batchId}'.`, { param: 'batch_id', code: null });
}

async function dropInBatch(ctx: BatchContext, principal: Principal, batchId: string): Promise<OpenaiBatchRow> {
  const batch = await findOpenaiBatch(ctx.db, principal.orgId, batchId);
  if (!batch) throw batchNotFound(batchId);
  return batch;
}

/** The items of an input file in line order, with the line each came from. */
async function itemsOfFile(ctx: BatchContext, fileId: string): Promise<{ items: ManifestItem[]; lines: number[] }> {
  const items: ManifestItem[] = [];
  const lines: number[] = [];
  let after = 0;
  for (;;) {
    const page = await openaiFileLinesPage(ctx.db, fileId, after, LINES_PAGE);
    for (const row of page) {
      const text = row.line.replace(/^\uFEFF/, '').trim();
      if (text === '') continue;
      items.push(itemOfStoredLine(text));
      lines.push(row.line_index);
    }
    const last = page.at(-1);
    if (!last) return { items, lines };
    after = last.line_index;
  }
}

/** A native 400 about items, reworded to name the lines of the input file they came from. */
function namingLines(error: ApiError, fileId: string, lines: number[]): ApiError {
  if (error.code !== 'invalid_request' || !error.details || error.details.length === 0) return error;
  const named = error.details.map((detail) => {
    const at = paramOfItemPath(detail.path);
    const line = at === null ? null : (lines[at.index] ?? null);
    return { line, param: at?.param ?? null, message: detail.message };
  });
  const first = named[0];
  const where = first?.line == null ? `file ${fileId}` : `line ${first.line} of file ${fileId}`;
  const more = moreProblems(named.length - 1);
  return new OpenAiRequestError(
    'invalid_request',
    `The batch cannot run: ${where}${first?.param ? `, ${first.param}` : ''}: ${first?.message ?? error.message}${more}.`,
    { param: first?.param ?? null, code: 'invalid_request' },
    { details: named.map((problem) => ({ path: `lines[${problem.line ?? 0}]${problem.param ? `.${problem.param}` : ''}`, message: problem.message })) },
  );
}

/**
 * Creates a batch from an uploaded input file, as a native batch: 400 for a bad request (naming
 * the field, or the line of the file), 404 for another org's or an unknown file, 402 when the
 * credits cannot cover the reservation. The same idempotency key and body return the batch
 * made first (`replayed`); the same key with another body is a 409.
 */
export async function createOpenAiBatch(
  ctx: BatchContext,
  principal: Principal,
  request: CreateBatchRequest,
  headerKey: string | null,
  origin: RequestOrigin,
): Promise<{ batch: OpenAiBatchObject; replayed: boolean }> {
  const { endpoint } = request;
  if (!isDropInEndpoint(endpoint)) throw invalidParameter('endpoint', `Invalid value: '${endpoint}'. ${supportedValues(DROP_IN_ENDPOINT_NAMES)}`);
  const options = routingOptionsOf(request.metadata);
  const idempotencyKey = dropInIdempotencyKey(request, headerKey);

  // A replay needs neither the file nor its items.
  const earlier = await findBatchByIdempotencyKey(ctx.db, principal.orgId, idempotencyKey);
  if (earlier) {
    const batch = earlier.request_sha256 === canonicalHash(request) ? await findOpenaiBatch(ctx.db, principal.orgId, earlier.id) : undefined;
    if (!batch) throw new ApiError('idempotency_key_reused', 'This Idempotency-Key was used for a different request: use a new key for a new batch.');
    return { batch: await presentOpenAiBatch(ctx.db, batch), replayed: true };
  }

  const file = await inputFileOf(ctx.db, principal, request.input_file_id, 'input_file_id');
  if (file.endpoint !== endpoint) {
    throw invalidParameter('endpoint', `The requests of file ${file.id} are for ${file.endpoint ?? 'another endpoint'}: create the batch with that endpoint.`, 'invalid_url');
  }
  const { items, lines } = await itemsOfFile(ctx, file.id);
  const firstModel = items[0]?.model ?? null;
  const model = items.every((item) => item.model === firstModel) ? firstModel : null;
  const submitted = await submitBatch(
    ctx,
    principal,
    {
      manifest: { ...options, items },
      idempotencyKey,
      body: request,
      ...(request.metadata ? { metadata: request.metadata } : {}),
      alsoStore: (trx, batch) =>
        insertOpenaiBatch(trx, {
          batch_id: batch.id,
          org_id: principal.orgId,
          input_file_id: file.id,
          endpoint,
          completion_window: request.completion_window,
          model,
          output_file_id: newId('file'),
          error_file_id: newId('file'),
          created_at: batch.created_at,
        }),
    },
    origin,
  ).catch((error: unknown) => {
    throw error instanceof ApiError ? namingLines(error, file.id, lines) : error;
  });
  return { batch: await presentOpenAiBatch(ctx.db, await dropInBatch(ctx, principal, submitted.batch.id)), replayed: submitted.replayed };
}

/** A drop-in batch of the principal's org as OpenAI's Batch object; anything else is a 404. */
export async function getOpenAiBatch(ctx: BatchContext, principal: Principal, batchId: string): Promise<OpenAiBatchObject> {
  return presentOpenAiBatch(ctx.db, await dropInBatch(ctx, principal, batchId));
}

/** One page of the org's drop-in batches, newest first, after the batch `after` (an unknown one gives an empty page). */
export async function listOpenAiBatches(ctx: BatchContext, principal: Principal, limit: number, after: string | null) {
  const cursor = after === null ? null : await findOpenaiBatchCursor(ctx.db, principal.orgId, after);
  const rows = after !== null && cursor === null ? [] : await listOpenaiBatches(ctx.db, principal.orgId, limit + 1, cursor);
  const data = await Promise.all(rows.slice(0, limit).map((row) => presentOpenAiBatch(ctx.db, row)));
  return { object: 'list' as const, data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: rows.length > limit };
}

/**
 * Cancels a drop-in batch. It ends at once, so the answer is already `cancelled` (OpenAI's own
 * pass through `cancelling` is over by then); cancelling a cancelled batch answers it again;
 * any other ended batch is a 409.
 */
export async function cancelOpenAiBatch(ctx: BatchContext, principal: Principal, batchId: string, origin: RequestOrigin): Promise<OpenAiBatchObject> {
  const batch = await dropInBatch(ctx, principal, batchId);
  if (batch.status !== 'cancelled') {
    try {
      await cancelBatch(ctx, principal, batchId, origin);
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== 'batch_finished') throw error;
      const ended = await dropInBatch(ctx, principal, batchId);
      if (ended.status !== 'cancelled') {
        throw new OpenAiRequestError('batch_finished', `Cannot cancel a batch with status '${OPENAI_STATUS_OF[ended.status]}'.`, { param: null, code: null });
      }
    }
  }
  return getOpenAiBatch(ctx, principal, batchId);
}
