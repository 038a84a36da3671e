/**
 * Message Batches without a model: the batch store and the engine that works through it. Batches
 * start `in_progress`, their requests are processed one at a time (every `itemMs`), in an order
 * that is not the input order, and they end when all are processed, on cancel (`canceling`, then
 * `ended` with the rest `canceled`) or on expiry (`ended` with the rest `expired`).
 * Per-request params are validated only when processed: a bad one becomes an `errored` result.
 */
import type { MessageBatch, MessageBatchRequestCounts } from '@anthropic-ai/sdk/resources/messages/batches';
import type { Message } from '@anthropic-ai/sdk/resources/messages/messages';
import { DEFAULT_MESSAGES, EmulatorError, errorBody, type AnthropicErrorType, type ErrorBody } from './errors.ts';
import type { IdSource } from './ids.ts';
import { composeMessage, validateMessageParams } from './messages.ts';

export type ItemResult =
  | { type: 'succeeded'; message: Message }
  | { type: 'errored'; error: ErrorBody }
  | { type: 'canceled' }
  | { type: 'expired' };

/** One line of the results file. */
export interface ResultLine {
  custom_id: string;
  result: ItemResult;
}

/** Decides, per request, an error to answer with instead of a message (null: process normally). */
export type ItemFailureRule = (item: { custom_id: string; params: unknown }) => AnthropicErrorType | null | undefined;

interface BatchItem {
  customId: string;
  params: unknown;
  result: ItemResult | null;
}

interface StoredBatch {
  id: string;
  status: MessageBatch['processing_status'];
  items: BatchItem[];
  /** Item indices in processing order; results are written in this order. */
  order: number[];
  /** How many of `order` have a result. */
  done: number;
  nextItemAt: number;
  createdAt: number;
  expiresAt: number;
  endedAt: number | null;
  cancelInitiatedAt: number | null;
  cancelEndsAt: number | null;
}

export interface BatchTiming {
  /** Time to process one request of a batch. */
  itemMs: number;
  /** Time a batch stays `canceling` before it ends. */
  cancelMs: number;
  /** Time from creation to `expires_at` (the API's is 24 hours). */
  expiryMs: number;
}

export interface BatchStoreDependencies {
  ids: IdSource;
  now: () => number;
  resultsUrl: (id: string) => string;
  checkModel: (model: string) => void;
  timing: BatchTiming;
  maxRequests: number;
}

/** Documented custom_id rule: 1 to 64 characters of letters, digits, `_` and `-`. */
const CUSTOM_ID = /^[a-zA-Z0-9_-]{1,64}$/;
const DEFAULT_LIST_LIMIT = 20;
const MAX_LIST_LIMIT = 1000;

function invalid(message: string): EmulatorError {
  return new EmulatorError('invalid_request_error', message);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** A fixed shuffle by custom_id hash; reversed when it happens to keep the input order. */
function processingOrder(customIds: string[]): number[] {
  const order = customIds.map((id, index) => ({ index, hash: fnv1a(id) }));
  order.sort((a, b) => a.hash - b.hash || a.index - b.index);
  const indices = order.map((entry) => entry.index);
  return indices.every((value, position) => value === position) ? indices.reverse() : indices;
}

function iso(milliseconds: number): string {
  return new Date(milliseconds).toISOString();
}

/** Checks the batch envelope (the whole request fails on these); params are checked later. */
export function validateBatchCreate(body: unknown, maxRequests: number): Array<{ custom_id: string; params: unknown }> {
  if (!isRecord(body)) throw invalid('Input should be a valid dictionary');
  const requests = body['requests'];
  if (requests === undefined) throw invalid('requests: Field required');
  if (!Array.isArray(requests)) throw invalid('requests: Input should be a valid list');
  if (requests.length === 0) throw invalid('requests: List should have at least 1 item after validation, not 0');
  if (requests.length > maxRequests) {
    throw invalid(`requests: List should have at most ${maxRequests} items after validation, not ${requests.length}`);
  }
  const seen = new Set<string>();
  return requests.map((request, index) => {
    const path = `requests.${index}`;
    if (!isRecord(request)) throw invalid(`${path}: Input should be a valid dictionary`);
    const customId = request['custom_id'];
    if (customId === undefined) throw invalid(`${path}.custom_id: Field required`);
    if (typeof customId !== 'string' || !CUSTOM_ID.test(customId)) {
      throw invalid(`${path}.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`);
    }
    if (seen.has(customId)) throw invalid(`requests: custom_id values must be unique within a batch ('${customId}' appears twice)`);
    seen.add(customId);
    if (request['params'] === undefined) throw invalid(`${path}.params: Field required`);
    if (!isRecord(request['params'])) throw invalid(`${path}.params: Input should be a valid dictionary`);
    return { custom_id: customId, params: request['params'] };
  });
}

export class BatchStore {
  readonly #deps: BatchStoreDependencies;
  readonly #batches = new Map<string, StoredBatch>();
  /** Processing stands still while true (batches stay `in_progress`). */
  stalled = false;
  failureRule: ItemFailureRule | null = null;

  constructor(deps: BatchStoreDependencies) {
    this.#deps = deps;
  }

  get timing(): BatchTiming {
    return this.#deps.timing;
  }

  /** Creates a batch from a `POST /v1/messages/batches` body (throws on an invalid envelope). */
  create(body: unknown): MessageBatch {
    const requests = validateBatchCreate(body, this.#deps.maxRequests);
    const now = this.#deps.now();
    const batch: StoredBatch = {
      id: this.#deps.ids.next('msgbatch'),
      status: 'in_progress',
      items: requests.map((request) => ({ customId: request.custom_id, params: request.params, result: null })),
      order: processingOrder(requests.map((request) => request.custom_id)),
      done: 0,
      nextItemAt: now + this.timing.itemMs,
      createdAt: now,
      expiresAt: now + this.timing.expiryMs,
      endedAt: null,
      cancelInitiatedAt: null,
      cancelEndsAt: null,
    };
    this.#batches.set(batch.id, batch);
    return this.view(batch);
  }

  #find(id: string): StoredBatch {
    const batch = this.#batches.get(id);
    if (!batch) throw new EmulatorError('not_found_error', `message_batch_id: no Message Batch with id '${id}'`);
    return batch;
  }

  retrieve(id: string): MessageBatch {
    return this.view(this.#find(id));
  }

  /** Newest first, with Anthropic's cursor paging (`before_id` / `after_id` / `limit`). */
  list(query: URLSearchParams): { data: MessageBatch[]; has_more: boolean; first_id: string | null; last_id: string | null } {
    const limitText = query.get('limit');
    const limit = limitText === null ? DEFAULT_LIST_LIMIT : Number(limitText);
    if (!Number.isInteger(limit)) throw invalid('limit: Input should be a valid integer');
    if (limit < 1) throw invalid('limit: Input should be greater than or equal to 1');
    if (limit > MAX_LIST_LIMIT) throw invalid(`limit: Input should be less than or equal to ${MAX_LIST_LIMIT}`);
    const beforeId = query.get('before_id');
    const afterId = query.get('after_id');
    if (beforeId !== null && afterId !== null) throw invalid('before_id and after_id cannot both be given');
    const all = [...this.#batches.values()].reverse();
    const cursorIndex = (id: string, name: string): number => {
      const index = all.findIndex((batch) => batch.id === id);
      if (index < 0) throw invalid(`${name}: no Message Batch with id '${id}'`);
      return index;
    };
    let page: StoredBatch[];
    let hasMore: boolean;
    if (afterId !== null) {
      const rest = all.slice(cursorIndex(afterId, 'after_id') + 1);
      page = rest.slice(0, limit);
      hasMore = rest.length > limit;
    } else if (beforeId !== null) {
      const rest = all.slice(0, cursorIndex(beforeId, 'before_id'));
      page = rest.slice(Math.max(0, rest.length - limit));
      hasMore = rest.length > limit;
    } else {
      page = all.slice(0, limit);
      hasMore = all.length > limit;
    }
    return { data: page.map((batch) => this.view(batch)), has_more: hasMore, first_id: page[0]?.id ?? null, last_id: page.at(-1)?.id ?? null };
  }

  cancel(id: string): MessageBatch {
    const batch = this.#find(id);
    if (batch.status === 'ended') throw invalid(`Message Batch '${id}' has already ended and cannot be canceled`);
    if (batch.status === 'in_progress') {
      const now = this.#deps.now();
      batch.status = 'canceling';
      batch.cancelInitiatedAt = now;
      batch.cancelEndsAt = now + this.timing.cancelMs;
    }
    return this.view(batch);
  }

  /** Documented: only a batch that has ended can be deleted. */
  delete(id: string): { id: string; type: 'message_batch_deleted' } {
    const batch = this.#find(id);
    if (batch.status !== 'ended') throw invalid(`Message Batch '${id}' is still processing; cancel it before deleting it`);
    this.#batches.delete(id);
    return { id, type: 'message_batch_deleted' };
  }

  /** The JSONL results file; only once the batch has ended. */
  results(id: string): string {
    const batch = this.#find(id);
    if (batch.status !== 'ended') throw invalid(`Message Batch '${id}' is ${batch.status}; results are available once processing has ended`);
    return this.#resultLines(batch).map((line) => JSON.stringify(line) + '\n').join('');
  }

  #resultLines(batch: StoredBatch): ResultLine[] {
    return batch.order.flatMap((index) => {
      const item = batch.items[index];
      return item?.result ? [{ custom_id: item.customId, result: item.result }] : [];
    });
  }

  /** How many requests of a batch have been worked through (for tests that act mid-run). */
  processedCount(id: string): number {
    return this.#find(id).done;
  }

  /** Ends a batch now, its unprocessed requests `expired`. */
  expire(id: string): void {
    const batch = this.#find(id);
    if (batch.status === 'ended') return;
    const now = this.#deps.now();
    batch.expiresAt = Math.min(batch.expiresAt, now);
    this.#finish(batch, 'expired', now);
  }

  /** Moves every batch forward to `now`; called by the emulator's timer. */
  tick(): void {
    const now = this.#deps.now();
    for (const batch of this.#batches.values()) {
      if (batch.status === 'canceling' && batch.cancelEndsAt !== null && now >= batch.cancelEndsAt) {
        this.#finish(batch, 'canceled', now);
      } else if (batch.status === 'in_progress') {
        this.#advance(batch, now);
      }
    }
  }

  #advance(batch: StoredBatch, now: number): void {
    if (now >= batch.expiresAt) {
      this.#finish(batch, 'expired', now);
      return;
    }
    if (this.stalled) {
      // Time spent stalled does not count: the next request is due a full itemMs after the stall.
      batch.nextItemAt = now + this.timing.itemMs;
      return;
    }
    while (batch.done < batch.order.length && now >= batch.nextItemAt) {
      const item = batch.items[batch.order[batch.done] ?? -1];
      if (item) item.result = this.#process(item);
      batch.done += 1;
      batch.nextItemAt += this.timing.itemMs;
    }
    if (batch.done === batch.order.length) this.#finish(batch, null, now);
  }

  #process(item: BatchItem): ItemResult {
    try {
      const params = validateMessageParams(item.params);
      this.#deps.checkModel(params.model);
      const failure = this.failureRule?.({ custom_id: item.customId, params: item.params });
      if (failure) return { type: 'errored', error: errorBody(failure, DEFAULT_MESSAGES[failure], null) };
      return { type: 'succeeded', message: composeMessage(params, this.#deps.ids.next('msg'), 'batch') };
    } catch (error) {
      if (!(error instanceof EmulatorError)) throw error;
      return { type: 'errored', error: errorBody(error.type, error.message, null) };
    }
  }

  #finish(batch: StoredBatch, rest: 'canceled' | 'expired' | null, now: number): void {
    if (rest !== null) {
      for (const index of batch.order.slice(batch.done)) {
        const item = batch.items[index];
        if (item) item.result = { type: rest };
      }
      batch.done = batch.order.length;
    }
    batch.status = 'ended';
    batch.endedAt = now;
  }

  /** The MessageBatch object; counts stay in `processing` until the whole batch ends (documented). */
  view(batch: StoredBatch): MessageBatch {
    const counts: MessageBatchRequestCounts = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
    if (batch.status === 'ended') {
      for (const item of batch.items) if (item.result) counts[item.result.type] += 1;
    } else {
      counts.processing = batch.items.length;
    }
    return {
      id: batch.id,
      type: 'message_batch',
      processing_status: batch.status,
      request_counts: counts,
      ended_at: batch.endedAt === null ? null : iso(batch.endedAt),
      created_at: iso(batch.createdAt),
      expires_at: iso(batch.expiresAt),
      archived_at: null,
      cancel_initiated_at: batch.cancelInitiatedAt === null ? null : iso(batch.cancelInitiatedAt),
      results_url: batch.status === 'ended' ? this.#deps.resultsUrl(batch.id) : null,
    };
  }
}
