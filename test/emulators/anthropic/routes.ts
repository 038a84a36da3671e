/**
 * The emulator's request handling: records the request, then checks what the API checks in the
 * same order for every endpoint (body size, `x-api-key`, `anthropic-version`, injected faults) and
 * dispatches to the Messages and Message Batches routes. Every response carries `request-id`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BatchStore } from './batches.ts';
import { EmulatorError, DEFAULT_MESSAGES } from './errors.ts';
import { rateLimitHeaders, type FaultState, type InjectedFault } from './faults.ts';
import { parseJson, readBody, sendError, sendJson } from './http.ts';
import type { IdSource } from './ids.ts';
import { composeMessage, validateMessageParams } from './messages.ts';

/** Request headers kept in the record (the rest are noise such as user-agent details). */
export const RECORDED_HEADERS = [
  'x-api-key',
  'authorization',
  'anthropic-version',
  'anthropic-beta',
  'content-type',
  'accept',
  'x-stainless-retry-count',
  'idempotency-key',
] as const;
export type RecordedHeader = (typeof RECORDED_HEADERS)[number];

export interface RecordedRequest {
  requestId: string;
  method: string;
  /** Path without the query string. */
  path: string;
  query: Readonly<Record<string, string>>;
  time: Date;
  headers: Readonly<Record<RecordedHeader, string | null>>;
  /** Parsed JSON body; undefined when there was none, the raw text when it was not JSON. */
  body: unknown;
  /** Status sent back; null until the response is written. */
  status: number | null;
}

export interface RouteContext {
  apiKey: string;
  acceptedVersions: ReadonlySet<string>;
  ids: IdSource;
  faults: FaultState;
  batches: BatchStore;
  checkModel(model: string): void;
  limits: { messageBytes: number; batchBytes: number };
  now(): number;
  record(entry: RecordedRequest): void;
}

const BATCH_ITEM_PATH = /^\/v1\/messages\/batches\/([^/]+)(\/cancel|\/results)?$/;

function header(request: IncomingMessage, name: string): string | null {
  const value = request.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

/**
 * The API key may come as `x-api-key` (the documented header) or as `Authorization: Bearer`, which
 * is how @anthropic-ai/sdk 1.x sends an `apiKey`.
 */
function authenticate(request: IncomingMessage, context: RouteContext): void {
  const key = header(request, 'x-api-key');
  const bearer = /^Bearer (.+)$/i.exec(header(request, 'authorization') ?? '')?.[1] ?? null;
  if (key !== null && key !== '') {
    if (key !== context.apiKey) throw new EmulatorError('authentication_error', 'invalid x-api-key');
  } else if (bearer !== null) {
    if (bearer !== context.apiKey) throw new EmulatorError('authentication_error', 'Invalid bearer token');
  } else {
    throw new EmulatorError('authentication_error', 'x-api-key header is required');
  }
}

/** Documented: every request must send `anthropic-version`. */
function checkVersion(request: IncomingMessage, context: RouteContext): void {
  const version = header(request, 'anthropic-version');
  if (version === null || version === '') throw new EmulatorError('invalid_request_error', 'anthropic-version: header is required');
  if (!context.acceptedVersions.has(version)) {
    throw new EmulatorError('invalid_request_error', `anthropic-version: '${version}' is not a valid version`);
  }
}

function faultError(fault: InjectedFault, now: number): EmulatorError {
  if (fault.type !== 'rate_limit_error' || fault.retryAfterSeconds === null) {
    return new EmulatorError(fault.type, DEFAULT_MESSAGES[fault.type]);
  }
  return new EmulatorError(fault.type, DEFAULT_MESSAGES[fault.type], {
    'retry-after': String(fault.retryAfterSeconds),
    ...rateLimitHeaders(now, true, fault.retryAfterSeconds),
  });
}

async function createMessage(body: unknown, response: ServerResponse, requestId: string, context: RouteContext): Promise<void> {
  const params = validateMessageParams(body);
  context.checkModel(params.model);
  if (context.faults.latencyMs > 0) await sleep(context.faults.latencyMs);
  const message = composeMessage(params, context.ids.next('msg'), 'standard');
  sendJson(response, 200, message, { 'request-id': requestId, ...rateLimitHeaders(context.now(), false, 60) });
}

function sendResults(response: ServerResponse, id: string, jsonl: string, requestId: string): void {
  response.writeHead(200, {
    'content-type': 'application/x-jsonl',
    'content-disposition': `attachment; filename*=utf-8''${id}_results.jsonl`,
    'content-length': Buffer.byteLength(jsonl),
    'request-id': requestId,
  });
  response.end(jsonl);
}

/** A malformed escape cannot name a batch, so it is a 404 rather than a crash. */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new EmulatorError('not_found_error', `message_batch_id: no Message Batch with id '${segment}'`);
  }
}

async function dispatch(method: string, url: URL, body: unknown, response: ServerResponse, requestId: string, context: RouteContext): Promise<void> {
  const path = url.pathname;
  const ok = (value: unknown): void => sendJson(response, 200, value, { 'request-id': requestId });
  if (path === '/v1/messages' && method === 'POST') return createMessage(body, response, requestId, context);
  if (path === '/v1/messages/batches' && method === 'POST') return ok(context.batches.create(body));
  if (path === '/v1/messages/batches' && method === 'GET') return ok(context.batches.list(url.searchParams));
  const match = BATCH_ITEM_PATH.exec(path);
  const id = match?.[1] === undefined ? null : decodePathSegment(match[1]);
  const action = match?.[2] ?? '';
  if (id !== null && action === '' && method === 'GET') return ok(context.batches.retrieve(id));
  if (id !== null && action === '' && method === 'DELETE') return ok(context.batches.delete(id));
  if (id !== null && action === '/cancel' && method === 'POST') return ok(context.batches.cancel(id));
  if (id !== null && action === '/results' && method === 'GET') return sendResults(response, id, context.batches.results(id), requestId);
  throw new EmulatorError('not_found_error', `Not Found: ${method} ${path}`);
}

/** Handles one HTTP request end to end; never rejects (errors become Anthropic error bodies). */
export async function handleRequest(request: IncomingMessage, response: ServerResponse, context: RouteContext): Promise<void> {
  const requestId = context.ids.next('req');
  const method = request.method ?? 'GET';
  const url = new URL(request.url ?? '/', 'http://emulator.invalid');
  const isMessages = method === 'POST' && url.pathname === '/v1/messages';
  const leave = isMessages ? context.faults.enter() : null;
  const headers = Object.fromEntries(RECORDED_HEADERS.map((name) => [name, header(request, name)])) as Record<RecordedHeader, string | null>;
  const recorded: RecordedRequest = {
    requestId,
    method,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    time: new Date(context.now()),
    headers,
    body: undefined,
    status: null,
  };
  context.record(recorded);
  response.on('finish', () => {
    recorded.status = response.statusCode;
  });
  response.on('close', () => leave?.());
  try {
    const limit = url.pathname.startsWith('/v1/messages/batches') ? context.limits.batchBytes : context.limits.messageBytes;
    const raw = await readBody(request, limit);
    let body: unknown;
    let parseError: EmulatorError | null = null;
    try {
      body = parseJson(raw);
      recorded.body = body;
    } catch (error) {
      recorded.body = raw.toString('utf8');
      parseError = error instanceof EmulatorError ? error : null;
    }
    authenticate(request, context);
    checkVersion(request, context);
    const fault = context.faults.take(method, url.pathname);
    if (fault) throw faultError(fault, context.now());
    if (parseError) throw parseError;
    await dispatch(method, url, body, response, requestId, context);
  } catch (error) {
    const known = error instanceof EmulatorError ? error : new EmulatorError('api_error', `Internal server error: ${String(error)}`);
    if (!response.headersSent) sendError(response, known, requestId);
    else response.destroy();
  }
}
