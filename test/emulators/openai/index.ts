/**
 * A local emulator of the OpenAI HTTP API for tests: Files, Batches, Responses, Chat
 * Completions and Embeddings on 127.0.0.1, speaking OpenAI's documented wire formats so the
 * official `openai` client (and our adapters behind it) can run unmodified against it.
 *
 * @example
 * const emulator = await startOpenAIEmulator();
 * const client = new OpenAI({ baseURL: emulator.baseURL, apiKey: emulator.apiKey });
 * emulator.control.rateLimitNext(1, 0.05); // the next sync call gets a 429
 * await emulator.close();
 *
 * Every request is recorded in `requests`; `control` (faults.ts) changes behaviour at run time.
 * Outputs are deterministic (outputs.ts): "Echo: " + the first 60 characters of the last user
 * text, ceil(characters / 4) tokens, hashed unit-vector embeddings.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BatchRecord } from './batch-record.ts';
import { makeBatchRunner } from './batch-runner.ts';
import { cancelBatch, createBatch, listBatches, retrieveBatch, type BatchRoutesDeps } from './batches.ts';
import { isModelEndpoint } from './endpoint.ts';
import { incorrectApiKey, missingApiKey, unknownRoute } from './errors.ts';
import { makeControl, makeFaultState, type BatchTimeline, type EmulatorControl } from './faults.ts';
import { deleteFile, fileContent, listFiles, makeFileStore, retrieveFile, uploadFile, type FileLimits } from './files.ts';
import { readBody, writeReply, type Reply } from './http.ts';
import { makeIdMaker } from './ids.ts';
import { DEFAULT_EMBEDDING_DIMENSIONS } from './outputs.ts';
import { handleSyncCall, makeModelRunner } from './sync.ts';

export type { EmulatorControl, BatchTimeline, ItemFailure, ItemFailureQuery, ItemFailureRule } from './faults.ts';

export interface EmulatorLimits extends FileLimits {
  maxRequestsPerBatch: number;
  maxEmbeddingInputsPerBatch: number;
}

/** OpenAI's documented limits: 512 MB a file, 200 MB and 50,000 requests (or embedding inputs) a batch. */
export const OPENAI_LIMITS: EmulatorLimits = {
  maxFileBytes: 512 * 1024 * 1024,
  maxBatchFileBytes: 200 * 1024 * 1024,
  maxRequestsPerBatch: 50_000,
  maxEmbeddingInputsPerBatch: 50_000,
};

export interface OpenAIEmulatorOptions {
  /** The only bearer key accepted. */
  apiKey?: string;
  /** Seed of the deterministic ids. */
  seed?: string;
  /** Clock in epoch milliseconds for every timestamp the emulator writes. */
  now?: () => number;
  latencyMs?: number;
  timeline?: Partial<BatchTimeline>;
  /** Length of embedding vectors when a request does not ask for `dimensions`. */
  embeddingDimensions?: number;
  /** Lower limits make the limit errors cheap to test. */
  limits?: Partial<EmulatorLimits>;
}

export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. `/v1/batches/batch_…/cancel`. */
  path: string;
  query: Record<string, string>;
  /** When it arrived, in epoch ms from the emulator's clock. */
  time: number;
  /** The headers tests care about (see RECORDED_HEADERS), lower-case names. */
  headers: Record<string, string>;
  /** Parsed JSON body, an upload summary `{ filename, purpose, bytes }`, or null. */
  body: unknown;
  /** Status answered, null while in flight. */
  status: number | null;
}

export interface OpenAIEmulator {
  /** e.g. `http://127.0.0.1:PORT/v1`, what `new OpenAI({ baseURL })` takes. */
  baseURL: string;
  apiKey: string;
  requests: RecordedRequest[];
  control: EmulatorControl;
  close(): Promise<void>;
}

const RECORDED_HEADERS = ['authorization', 'content-type', 'idempotency-key', 'x-stainless-retry-count', 'openai-organization', 'openai-project', 'user-agent'];

export async function startOpenAIEmulator(options: OpenAIEmulatorOptions = {}): Promise<OpenAIEmulator> {
  const apiKey = options.apiKey ?? 'sk-emulator-0123456789abcdef';
  const now = options.now ?? Date.now;
  const nowSeconds = (): number => Math.floor(now() / 1000);
  const limits: EmulatorLimits = { ...OPENAI_LIMITS, ...options.limits };
  const ids = makeIdMaker(options.seed ?? 'openai-emulator');
  const state = makeFaultState(options.timeline, options.latencyMs);
  const files = makeFileStore(ids);
  const batches = new Map<string, BatchRecord>();
  const model = makeModelRunner(state, ids, nowSeconds, options.embeddingDimensions ?? DEFAULT_EMBEDDING_DIMENSIONS);
  const runner = makeBatchRunner({
    batches,
    state,
    files,
    model,
    ids,
    nowSeconds,
    limits: { maxRequests: limits.maxRequestsPerBatch, maxEmbeddingInputs: limits.maxEmbeddingInputsPerBatch },
  });
  const batchDeps: BatchRoutesDeps = { batches, runner, ids, nowSeconds, completionWindowSeconds: () => Math.round(state.timeline.completionWindowMs / 1000) };
  const requests: RecordedRequest[] = [];

  async function route(method: string, path: string, query: URLSearchParams, request: IncomingMessage, entry: RecordedRequest): Promise<Reply> {
    const payload = await readBody(request);
    if (method === 'POST' && path === '/v1/files') {
      const upload = await uploadFile(request.headers['content-type'] ?? '', payload, files, limits, nowSeconds());
      entry.body = upload.summary;
      return upload.reply;
    }
    entry.body = parseForRecord(payload);
    if (method === 'POST' && isModelEndpoint(path)) return handleSyncCall(path, payload, state, model);
    if (method === 'POST' && path === '/v1/batches') return createBatch(payload, batchDeps);
    if (method === 'GET' && path === '/v1/batches') return listBatches(batchDeps, query);
    if (method === 'GET' && path === '/v1/files') return listFiles(files, query);

    const [, resource, id, action] = path.match(/^\/v1\/(files|batches)\/([^/]+)(?:\/([^/]+))?$/) ?? [];
    if (resource !== undefined && id !== undefined) {
      const decodedId = decodeURIComponent(id);
      const key = `${method} ${resource}${action === undefined ? '' : `/${action}`}`;
      if (key === 'GET files') return retrieveFile(files, decodedId);
      if (key === 'DELETE files') return deleteFile(files, decodedId);
      if (key === 'GET files/content') return fileContent(files, decodedId);
      if (key === 'GET batches') return retrieveBatch(batchDeps, decodedId);
      if (key === 'POST batches/cancel') return cancelBatch(batchDeps, decodedId);
    }
    return unknownRoute(method, path);
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const startedMs = Date.now();
    const url = new URL(request.url ?? '/', 'http://emulator');
    const method = request.method ?? 'GET';
    const entry: RecordedRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      time: now(),
      headers: pickHeaders(request),
      body: null,
      status: null,
    };
    requests.push(entry);
    const requestId = ids.next('request');
    let reply: Reply;
    const bearer = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1]?.trim();
    if (bearer !== apiKey) {
      request.resume();
      reply = bearer === undefined || bearer === '' ? missingApiKey() : incorrectApiKey(bearer);
    } else {
      try {
        reply = await route(method, url.pathname, url.searchParams, request, entry);
      } catch (error) {
        // A bug in the emulator must show up as such, not as a plausible OpenAI answer.
        reply = { status: 500, body: { error: { message: `OpenAI emulator bug: ${String(error)}`, type: 'emulator_error', param: null, code: null } } };
      }
    }
    entry.status = reply.status;
    writeReply(response, reply, requestId, startedMs);
  }

  const server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    apiKey,
    requests,
    control: makeControl(state, runner),
    async close() {
      runner.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function pickHeaders(request: IncomingMessage): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of RECORDED_HEADERS) {
    const value = request.headers[name];
    if (typeof value === 'string') picked[name] = value;
  }
  return picked;
}

function parseForRecord(payload: Buffer): unknown {
  if (payload.length === 0) return null;
  try {
    return JSON.parse(payload.toString('utf8')) as unknown;
  } catch {
    return payload.toString('utf8');
  }
}
