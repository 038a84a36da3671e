/**
 * The output and error files of a drop-in batch, generated from its items in OpenAI's line format,
 * in input order, a page at a time:
 * - output: `{"id":"batch_req_…","custom_id","response":{"status_code":200,"request_id","body"},"error":null}`;
 * - error: failed, expired and cancelled items, `{"id","custom_id","response":null|{"status_code":4xx/5xx,
 *   "request_id","body":{"error":{…}}},"error":{"code","message"}}`.
 * Ids are derived from the batch and item, so the same file reads the same every time.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { finishedItemsInRange, type FinishedItemRow } from '../../db/queries/openai-batches.ts';
import type { DB, ItemStatus } from '../../db/schema.ts';
import type { RouteReceipt } from '../batches.ts';
import type { Catalog, Operation, ProviderKind } from '../catalog.ts';
import { ERROR_ITEM_STATUSES, OUTPUT_ITEM_STATUSES } from './batch-object.ts';
import { textPieces } from '../text-pieces.ts';

/** Items per page: at most about 300 KB of JSONL, as the native artifact reads. */
const PAGE = 500;

/** OpenAI's messages for requests a batch never ran (its batch guide's for expiry). */
const NOT_RUN = {
  expired: { code: 'batch_expired', message: 'This request could not be executed before the completion window expired.' },
  cancelled: { code: 'batch_cancelled', message: 'This request was not executed because the batch was cancelled.' },
} as const;

/** The HTTP answer a model endpoint would have given for each final lane error; codes not listed had no answer (no response). */
const ANSWER_OF_LANE_ERROR: Readonly<Record<string, { status: number; type: string }>> = {
  invalid_request: { status: 400, type: 'invalid_request_error' },
  unsupported_by_provider: { status: 400, type: 'invalid_request_error' },
  content_filter: { status: 400, type: 'invalid_request_error' },
  not_found: { status: 404, type: 'invalid_request_error' },
  request_too_large: { status: 413, type: 'invalid_request_error' },
  rate_limited: { status: 429, type: 'rate_limit_error' },
  // The operator's provider credentials failed: the caller's request was not at fault.
  provider_auth: { status: 500, type: 'server_error' },
  server_error: { status: 500, type: 'server_error' },
  overloaded: { status: 503, type: 'server_error' },
};

/** Providers whose stored response bodies already are OpenAI's. */
const OPENAI_SHAPED: readonly ProviderKind[] = ['openai', 'openai_compatible', 'sandbox'];

function hexOf(...parts: (string | number)[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}

interface StoredOutput {
  text?: string | null;
  embeddings?: number[][];
  raw?: unknown;
}

interface StoredUsage {
  input_tokens: number;
  output_tokens: number;
}

interface StoredError {
  code: string;
  message: string;
}

/** An OpenAI response body from the text and usage, for providers that answer in another shape (Anthropic). */
function translatedBody(operation: Operation, row: FinishedItemRow, output: StoredOutput, usage: StoredUsage, id: string) {
  const created = row.finished_at === null ? 0 : Math.floor(row.finished_at.getTime() / 1000);
  const text = output.text ?? '';
  const total = usage.input_tokens + usage.output_tokens;
  if (operation === 'embeddings') {
    const data = (output.embeddings ?? []).map((embedding, index) => ({ object: 'embedding', index, embedding }));
    return { object: 'list', data, model: row.assigned_model, usage: { prompt_tokens: usage.input_tokens, total_tokens: usage.input_tokens } };
  }
  if (operation === 'chat.completions') {
    return {
      id: `chatcmpl-${id}`,
      object: 'chat.completion',
      created,
      model: row.assigned_model,
      choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, finish_reason: 'stop' }],
      usage: { prompt_tokens: usage.input_tokens, completion_tokens: usage.output_tokens, total_tokens: total },
    };
  }
  return {
    id: `resp_${id}`,
    object: 'response',
    created_at: created,
    status: 'completed',
    model: row.assigned_model,
    output: [{ type: 'message', id: `msg_${id}`, status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] }],
    usage: { input_tokens: usage.input_tokens, output_tokens: usage.output_tokens, total_tokens: total },
  };
}

function responseBody(row: FinishedItemRow, catalog: Catalog, id: string): unknown {
  const output = (row.output ?? {}) as StoredOutput;
  const provider = (row.route_receipt as RouteReceipt).selected.provider;
  const kind = catalog.providers.find((candidate) => candidate.id === provider)?.kind;
  if (kind !== undefined && OPENAI_SHAPED.includes(kind) && typeof output.raw === 'object' && output.raw !== null) return output.raw;
  const usage = (row.usage ?? { input_tokens: 0, output_tokens: 0 }) as StoredUsage;
  return translatedBody(row.operation as Operation, row, output, usage, id);
}

/** One line of the output or error file for an item of `batchId`. */
export function resultLine(batchId: string, row: FinishedItemRow, catalog: Catalog): string {
  const lineId = `batch_req_${hexOf(batchId, row.item_index, 'line')}`;
  const requestId = `req_${hexOf(batchId, row.item_index, 'request')}`;
  if (row.status === 'succeeded') {
    const body = responseBody(row, catalog, hexOf(batchId, row.item_index, 'body'));
    return JSON.stringify({ id: lineId, custom_id: row.customer_item_id, response: { status_code: 200, request_id: requestId, body }, error: null });
  }
  if (row.status === 'expired' || row.status === 'cancelled') {
    return JSON.stringify({ id: lineId, custom_id: row.customer_item_id, response: null, error: NOT_RUN[row.status] });
  }
  const stored = (row.error ?? { code: 'failed', message: 'The request failed.' }) as StoredError;
  const code = stored.code === 'timeout' ? 'request_timeout' : stored.code;
  const answer = ANSWER_OF_LANE_ERROR[stored.code];
  const response =
    answer === undefined
      ? null
      : { status_code: answer.status, request_id: requestId, body: { error: { message: stored.message, type: answer.type, param: null, code } } };
  return JSON.stringify({ id: lineId, custom_id: row.customer_item_id, response, error: { code, message: stored.message } });
}

/** The lines of a generated file, a page of items at a time, in pieces of text (text-pieces.ts). */
export async function* generatedFileText(db: Kysely<DB>, catalog: Catalog, batch: { id: string; item_count: number }, kind: 'output' | 'error'): AsyncGenerator<string> {
  const statuses: readonly ItemStatus[] = kind === 'output' ? OUTPUT_ITEM_STATUSES : ERROR_ITEM_STATUSES;
  for (let from = 0; from < batch.item_count; from += PAGE) {
    const rows = await finishedItemsInRange(db, batch.id, statuses, from, from + PAGE - 1);
    yield* textPieces(rows.map((row) => `${resultLine(batch.id, row, catalog)}\n`));
  }
}
