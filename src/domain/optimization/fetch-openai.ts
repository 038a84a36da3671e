/**
 * Fetching an org's own OpenAI Batch results with the key it stored: the named batches, or the
 * most recent finished ones, read through the official `openai` client and stored as import files
 * (every output and error line in one output file, every input line in one input file, each line
 * tagged with its batch, since custom ids are unique only within a batch).
 *
 * A bounded synchronous fetch: at most MAX_IMPORT_BATCHES batches and MAX_IMPORT_LINES lines, all
 * within FETCH_BUDGET_MS, files streamed line by line (memory stays flat). A larger workload is
 * imported in several calls, or downloaded and uploaded with POST /v1/files?purpose=import.
 */
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import OpenAI from 'openai';
import { isoTimestamp } from '../../clock.ts';
import { recordAudit } from '../audit.ts';
import type { Principal, RequestOrigin } from '../context.ts';
import { ApiError } from '../errors.ts';
import { parseInstant } from '../usage.ts';
import { MAX_IMPORT_LINES, openImportFile, type ImportFileWriter } from './import-files.ts';
import { parseImportLine, type ImportFormat } from './openai-batch-lines.ts';
import { openProviderKey, type ProviderKeyContext } from './provider-keys.ts';

/** Batches one fetch imports at most. */
export const MAX_IMPORT_BATCHES = 20;
/** How long one fetch may take, every call and download included. */
export const FETCH_BUDGET_MS = 120_000;
/** Batches listed (newest first) while looking for finished ones, at most. */
const MAX_LISTED = 1_000;
const DAY_MS = 24 * 3600 * 1000;
const DEFAULT_SINCE_DAYS = 30;
/** Batch statuses whose output can be read: what finished before the batch ended is in its files. */
const ENDED = new Set(['completed', 'expired', 'cancelled']);

export interface OpenAIImportContext extends ProviderKeyContext {
  /** The official client for OpenAI with this key (OPENAI_BASE_URL, when configured, as its baseURL). */
  openaiClient(apiKey: string): OpenAI;
}

export interface OpenAIImportRequest {
  batch_ids?: string[] | undefined;
  since?: string | undefined;
  include_input_files?: boolean | undefined;
}

type Batch = OpenAI.Batches.Batch;

/** The error a failed provider call becomes: the key refused, the batch unknown, or the provider unavailable. */
function providerError(error: unknown, budget: AbortSignal, batchId?: string): unknown {
  if (error instanceof ApiError) return error;
  if (budget.aborted) {
    return new ApiError('provider_unavailable', `OpenAI did not deliver the batches and files within ${FETCH_BUDGET_MS / 1000} s: import fewer batches at a time (batch_ids), or download the files and upload them with POST /v1/files?purpose=import.`);
  }
  if (error instanceof OpenAI.AuthenticationError || error instanceof OpenAI.PermissionDeniedError) {
    return new ApiError('provider_key_rejected', `OpenAI refused the stored key (${error.status}): store a working key with PUT /v1/auth/account/provider-keys/openai.`);
  }
  if (error instanceof OpenAI.NotFoundError && batchId !== undefined) return new ApiError('provider_batch_not_found', `OpenAI knows no batch ${batchId} for the stored key.`);
  if (error instanceof OpenAI.APIError) return new ApiError('provider_unavailable', `OpenAI answered ${error.status ?? 'without a status'}: ${error.message}`);
  return error;
}

/** The batches to import: the named ones, or the most recent ended ones since `since`; and the ones passed over. */
async function chooseBatches(client: OpenAI, request: OpenAIImportRequest, since: Date, signal: AbortSignal) {
  const chosen: Batch[] = [];
  const skipped: { id: string; status: string; reason: string }[] = [];
  const consider = (batch: Batch) => {
    if (!ENDED.has(batch.status)) skipped.push({ id: batch.id, status: batch.status, reason: batch.status === 'failed' ? 'OpenAI refused its input file: it ran nothing' : 'not finished: import it once it ends' });
    else if (!batch.output_file_id && !batch.error_file_id) skipped.push({ id: batch.id, status: batch.status, reason: 'it has no output or error file' });
    else chosen.push(batch);
  };
  if (request.batch_ids) {
    for (const id of request.batch_ids) {
      try {
        consider(await client.batches.retrieve(id, { signal }));
      } catch (error) {
        throw providerError(error, signal, id);
      }
    }
    return { chosen, skipped };
  }
  let listed = 0;
  for await (const batch of client.batches.list({ limit: 100 }, { signal })) {
    if (batch.created_at * 1000 < since.getTime() || ++listed > MAX_LISTED) break;
    if (ENDED.has(batch.status) && (batch.output_file_id || batch.error_file_id)) chosen.push(batch);
    if (chosen.length === MAX_IMPORT_BATCHES) break;
  }
  return { chosen, skipped };
}

/** Streams one provider file's lines into `writer`, tagged with `batchId`; returns the bytes read and the lines it could not read. */
async function copyFile(client: OpenAI, fileId: string, batchId: string, writer: ImportFileWriter, signal: AbortSignal): Promise<{ bytes: number; unreadable: number }> {
  const response = await client.files.content(fileId, { signal });
  let bytes = 0;
  let unreadable = 0;
  if (!response.body) return { bytes, unreadable };
  const lines = createInterface({ input: Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const text of lines) {
    bytes += Buffer.byteLength(text) + 1;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      unreadable++;
      continue;
    }
    const parsed = parseImportLine(value, writer.format, 'line');
    if ('problems' in parsed || !(await writer.add(batchId, parsed.line))) unreadable++;
    if (writer.count() > MAX_IMPORT_LINES) {
      throw new ApiError('import_too_large', `These batches hold more than ${MAX_IMPORT_LINES} lines: import fewer at a time with batch_ids.`);
    }
  }
  return { bytes, unreadable };
}

function filename(format: ImportFormat, at: Date): string {
  return `openai-batches-${isoTimestamp(at).replaceAll(':', '')}-${format === 'openai_batch_output' ? 'output' : 'input'}.jsonl`;
}

/**
 * Fetches the org's OpenAI batches (the named ones, or the most recent ended ones since `since`,
 * default 30 days) with its stored key and stores their files as import files.
 */
export async function importFromOpenAI(ctx: OpenAIImportContext, principal: Principal, request: OpenAIImportRequest, origin: RequestOrigin) {
  const now = ctx.clock.now();
  const since = request.since === undefined ? new Date(now.getTime() - DEFAULT_SINCE_DAYS * DAY_MS) : parseInstant(request.since);
  if (typeof since === 'string') throw new ApiError('invalid_request', 'The import request is not valid: see details.', { details: [{ path: 'since', message: since }] });
  const client = ctx.openaiClient(await openProviderKey(ctx, principal.orgId, 'openai'));
  const signal = AbortSignal.timeout(FETCH_BUDGET_MS);
  const writers: ImportFileWriter[] = [];
  try {
    const { chosen, skipped } = await chooseBatches(client, request, since, signal).catch((error: unknown) => {
      throw providerError(error, signal);
    });
    if (chosen.length === 0) {
      const why = skipped.length > 0 ? skipped.map((batch) => `${batch.id}: ${batch.reason}`).join('; ') : `no batch ended with results since ${isoTimestamp(since)}`;
      throw new ApiError('import_empty', `Nothing to import: ${why}.`);
    }
    const output = await openImportFile(ctx, principal.orgId, 'openai_batch_output', filename('openai_batch_output', now));
    writers.push(output);
    const input = request.include_input_files === false ? null : await openImportFile(ctx, principal.orgId, 'openai_batch_input', filename('openai_batch_input', now));
    if (input) writers.push(input);
    const totals = { outputBytes: 0, inputBytes: 0, unreadable: 0 };
    const batches = [];
    for (const batch of chosen) {
      const before = { output: output.count(), input: input?.count() ?? 0 };
      for (const fileId of [batch.output_file_id, batch.error_file_id]) {
        if (!fileId) continue;
        const copied = await copyFile(client, fileId, batch.id, output, signal).catch((error: unknown) => Promise.reject(providerError(error, signal)));
        totals.outputBytes += copied.bytes;
        totals.unreadable += copied.unreadable;
      }
      if (input && batch.input_file_id) {
        const copied = await copyFile(client, batch.input_file_id, batch.id, input, signal).catch((error: unknown) => Promise.reject(providerError(error, signal)));
        totals.inputBytes += copied.bytes;
        totals.unreadable += copied.unreadable;
      }
      batches.push({
        id: batch.id,
        status: batch.status,
        endpoint: batch.endpoint,
        created_at: isoTimestamp(new Date(batch.created_at * 1000)),
        output_lines: output.count() - before.output,
        input_lines: (input?.count() ?? 0) - before.input,
      });
    }
    await output.finish(totals.outputBytes);
    await input?.finish(totals.inputBytes);
    await recordAudit(ctx.db, {
      orgId: principal.orgId,
      actor: principal.actor,
      action: 'import.openai_fetched',
      target: { type: 'file', id: output.id },
      origin,
      details: { batches: batches.map((batch) => batch.id), output_lines: output.count() },
      at: ctx.clock.now(),
    });
    const query = `import_provider=openai&import_file_id=${output.id}${input ? `&import_input_file_id=${input.id}` : ''}`;
    return {
      object: 'openai_import' as const,
      output_file_id: output.id,
      input_file_id: input?.id ?? null,
      batches,
      skipped,
      lines: { output: output.count(), input: input?.count() ?? 0, unreadable: totals.unreadable },
      report_url: `/v1/batches/optimization-report?${query}`,
    };
  } catch (error) {
    for (const writer of writers) await writer.discard();
    throw providerError(error, signal);
  }
}
