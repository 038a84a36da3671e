/**
 * A batch's results for its org: cursor pages in finishing order while it runs, and, once it has
 * ended, the signed link to its JSONL artifact and the artifact itself.
 */
import { isoTimestamp } from '../clock.ts';
import { resultsPage } from '../db/queries/batch-items.ts';
import { findBatchById } from '../db/queries/batches.ts';
import { artifactLines, presentResult, signArtifactLink, verifyArtifactLink } from './artifacts.ts';
import { isTerminalBatch } from './batch-states.ts';
import { getBatch, type BatchContext } from './batches.ts';
import type { Principal } from './context.ts';
import { ApiError } from './errors.ts';

/** A page of results after `cursor` (a place in finishing order; 0 for the start). */
export async function listResults(ctx: BatchContext, principal: Principal, batchId: string, cursor: string | undefined, limit: number) {
  const batch = await getBatch(ctx, principal, batchId);
  const rows = await resultsPage(ctx.db, batch.id, Number(cursor ?? 0), limit + 1);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    batch_id: batch.id,
    batch_status: batch.status,
    data: page.map(presentResult),
    has_more: rows.length > limit,
    // The cursor is the last row's place in finishing order: rows finishing later come after it.
    next_cursor: last?.result_sequence != null ? String(last.result_sequence) : (cursor ?? null),
  };
}

/** A link to the artifact of an ended batch, signed for 15 minutes, at `baseUrl`. */
export async function artifactLink(ctx: BatchContext, principal: Principal, batchId: string, signingSecret: Buffer, baseUrl: string) {
  const batch = await getBatch(ctx, principal, batchId);
  if (!isTerminalBatch(batch.status)) throw new ApiError('artifact_not_ready', `Batch ${batch.id} is ${batch.status}: the artifact exists once it has finished.`);
  const link = signArtifactLink(signingSecret, batch.id, ctx.clock.now());
  return {
    url: `${baseUrl}/v1/batches/${batch.id}/artifact?expires=${link.expires}&signature=${link.signature}`,
    expires_at: isoTimestamp(new Date(link.expires * 1000)),
  };
}

/** The artifact a signed link names: the batch id and its JSONL lines, read a page at a time. */
export async function openArtifact(ctx: BatchContext, batchId: string, link: { expires: number; signature: string }, signingSecret: Buffer) {
  if (!verifyArtifactLink(signingSecret, batchId, link.expires, link.signature, ctx.clock.now())) {
    throw new ApiError('artifact_link_invalid', 'This artifact link is expired or not valid: ask for a new one.');
  }
  const batch = await findBatchById(ctx.db, batchId);
  if (!batch) throw new ApiError('batch_not_found', 'No such batch.');
  return { batchId: batch.id, lines: artifactLines(ctx.db, batch.id) };
}
