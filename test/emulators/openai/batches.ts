/**
 * The Batch API routes: `POST /v1/batches`, `GET /v1/batches` (newest first, `after` /
 * `limit` ≤ 100), `GET /v1/batches/{id}`, `POST /v1/batches/{id}/cancel`. Creation checks the
 * request itself (400s); the input file is checked later, in the batch's `validating` step, so a
 * bad file gives a `failed` batch with `errors.data`, as OpenAI does.
 */
import { FINAL_STATUSES, renderBatch, type BatchRecord } from './batch-record.ts';
import type { BatchRunner } from './batch-runner.ts';
import { MODEL_ENDPOINTS, isModelEndpoint } from './endpoint.ts';
import { batchNotFound, cannotCancel, errorReply, invalidJsonBody, invalidType, invalidValue, missingParameter, type ErrorReply } from './errors.ts';
import { json, paginate, type Reply } from './http.ts';
import type { IdMaker } from './ids.ts';
import { isRecord } from './outputs.ts';

const COMPLETION_WINDOWS = ['24h'] as const;
const MAX_METADATA_PAIRS = 16;
const MAX_METADATA_KEY = 64;
const MAX_METADATA_VALUE = 512;

export interface BatchRoutesDeps {
  batches: Map<string, BatchRecord>;
  runner: BatchRunner;
  ids: IdMaker;
  nowSeconds: () => number;
  completionWindowSeconds: () => number;
}

export function createBatch(payload: Buffer, deps: BatchRoutesDeps): Reply {
  let body: unknown;
  try {
    body = JSON.parse(payload.toString('utf8'));
  } catch {
    return invalidJsonBody();
  }
  if (!isRecord(body)) return errorReply(400, 'The request body must be a JSON object.');
  const problem = checkCreateRequest(body);
  if (problem) return problem;
  const metadata = body['metadata'];

  const now = deps.nowSeconds();
  const batch: BatchRecord = {
    id: deps.ids.next('batch'),
    endpoint: body['endpoint'] as BatchRecord['endpoint'],
    inputFileId: String(body['input_file_id']),
    completionWindow: '24h',
    metadata: isRecord(metadata) ? (metadata as Record<string, string>) : null,
    status: 'validating',
    model: null,
    errors: null,
    outputFileId: null,
    errorFileId: null,
    times: {
      created_at: now,
      in_progress_at: null,
      expires_at: now + deps.completionWindowSeconds(),
      finalizing_at: null,
      completed_at: null,
      failed_at: null,
      expired_at: null,
      cancelling_at: null,
      cancelled_at: null,
    },
    counts: { total: 0, completed: 0, failed: 0 },
    usage: { input: 0, output: 0 },
    pending: [],
    outputLines: [],
    errorLines: [],
  };
  deps.batches.set(batch.id, batch);
  deps.runner.start(batch);
  return json(renderBatch(batch));
}

function checkCreateRequest(body: Record<string, unknown>): ErrorReply | null {
  for (const field of ['input_file_id', 'endpoint', 'completion_window'] as const) {
    if (body[field] === undefined || body[field] === null) return missingParameter(field);
    if (typeof body[field] !== 'string') return invalidType(field, 'a string', body[field]);
  }
  if (!isModelEndpoint(body['endpoint'])) return invalidValue('endpoint', body['endpoint'], [...MODEL_ENDPOINTS].sort());
  if (body['completion_window'] !== '24h') return invalidValue('completion_window', body['completion_window'], COMPLETION_WINDOWS);
  return checkMetadata(body['metadata']);
}

/** At most 16 pairs; keys up to 64 characters, values strings up to 512. */
function checkMetadata(metadata: unknown): ErrorReply | null {
  if (metadata === undefined || metadata === null) return null;
  if (!isRecord(metadata)) return invalidType('metadata', 'an object', metadata);
  const entries = Object.entries(metadata);
  if (entries.length > MAX_METADATA_PAIRS) {
    return errorReply(400, `Invalid 'metadata': too many properties. Expected an object with at most ${MAX_METADATA_PAIRS} properties, but got an object with ${entries.length} properties instead.`, {
      param: 'metadata',
      code: 'object_above_max_properties',
    });
  }
  for (const [key, value] of entries) {
    if (key.length > MAX_METADATA_KEY) {
      return errorReply(400, `Invalid 'metadata': string too long. Expected a string with maximum length ${MAX_METADATA_KEY}, but got a string with length ${key.length} instead.`, {
        param: 'metadata',
        code: 'string_above_max_length',
      });
    }
    if (typeof value !== 'string') return invalidType(`metadata.${key}`, 'a string', value);
    if (value.length > MAX_METADATA_VALUE) {
      return errorReply(400, `Invalid 'metadata.${key}': string too long. Expected a string with maximum length ${MAX_METADATA_VALUE}, but got a string with length ${value.length} instead.`, {
        param: `metadata.${key}`,
        code: 'string_above_max_length',
      });
    }
  }
  return null;
}

export function retrieveBatch(deps: BatchRoutesDeps, id: string): Reply {
  const batch = deps.batches.get(id);
  return batch ? json(renderBatch(batch)) : batchNotFound(id);
}

export function listBatches(deps: BatchRoutesDeps, query: URLSearchParams): Reply {
  const newestFirst = [...deps.batches.values()].reverse();
  const page = paginate(newestFirst, query, 20, 100);
  if ('body' in page) return page;
  return json({ ...page, data: page.data.map(renderBatch) });
}

/** Running batches start cancelling; cancelling or cancelled ones answer as they are. */
export function cancelBatch(deps: BatchRoutesDeps, id: string): Reply {
  const batch = deps.batches.get(id);
  if (!batch) return batchNotFound(id);
  if (batch.status === 'cancelling' || batch.status === 'cancelled') return json(renderBatch(batch));
  if (FINAL_STATUSES.has(batch.status)) return cannotCancel(batch.status);
  deps.runner.cancel(batch);
  return json(renderBatch(batch));
}
