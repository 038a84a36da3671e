/**
 * The HTTP plumbing shared by the routes: the reply type routes return, writing a reply with
 * OpenAI's usual headers (`x-request-id`, `openai-version`, `openai-processing-ms`), reading a
 * body, and OpenAI's cursor pagination (`after`, `limit`, `first_id`, `last_id`, `has_more`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorReply, type ErrorReply } from './errors.ts';

export type Reply =
  | { status: number; body: unknown; headers?: Record<string, string> }
  | { status: number; raw: Buffer; contentType: string; headers?: Record<string, string> };

export function json(body: unknown, status = 200): Reply {
  return { status, body };
}

export function writeReply(response: ServerResponse, reply: Reply, requestId: string, startedMs: number): void {
  if (response.destroyed || response.writableEnded) return;
  const payload = 'raw' in reply ? reply.raw : Buffer.from(JSON.stringify(reply.body));
  response.writeHead(reply.status, {
    'content-type': 'raw' in reply ? reply.contentType : 'application/json',
    'content-length': String(payload.length),
    'x-request-id': requestId,
    'openai-version': '2020-10-01',
    'openai-organization': 'org-emulator',
    'openai-processing-ms': String(Math.max(0, Date.now() - startedMs)),
    ...reply.headers,
  });
  response.end(payload);
}

export async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

export interface Page<T> {
  object: 'list';
  data: T[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

/**
 * One page of `items` (already in list order) after the item whose id is `after`.
 * `limit` is checked against [1, max] as OpenAI does, with an error reply when out of range.
 */
export function paginate<T extends { id: string }>(items: readonly T[], query: URLSearchParams, defaultLimit: number, maxLimit: number): Page<T> | ErrorReply {
  const limitText = query.get('limit');
  const limit = limitText === null ? defaultLimit : Number(limitText);
  if (!Number.isInteger(limit)) return errorReply(400, `Invalid 'limit': expected an integer, but got '${limitText}' instead.`, { param: 'limit', code: 'invalid_type' });
  if (limit < 1) return errorReply(400, `Invalid 'limit': integer below minimum value. Expected a value >= 1, but got ${limit} instead.`, { param: 'limit', code: 'integer_below_min_value' });
  if (limit > maxLimit) {
    return errorReply(400, `Invalid 'limit': integer above maximum value. Expected a value <= ${maxLimit}, but got ${limit} instead.`, {
      param: 'limit',
      code: 'integer_above_max_value',
    });
  }
  const after = query.get('after');
  const start = after === null ? 0 : items.findIndex((item) => item.id === after) + 1;
  // An unknown cursor yields an empty page rather than restarting, so a client cannot loop forever.
  const data = after !== null && start === 0 ? [] : items.slice(start, start + limit);
  return {
    object: 'list',
    data,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
    has_more: data.length > 0 && start + data.length < items.length,
  };
}
