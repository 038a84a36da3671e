/** Schemas shared by every route: the error body, and small reusable pieces. */
import { Type } from 'typebox';
import type { PageCursor } from '../db/queries/pages.ts';
import { ApiError } from '../domain/errors.ts';

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable machine-readable code; see /docs/errors' }),
      message: Type.String(),
      docs_url: Type.String({ description: 'Page on this instance that explains the code and its fix' }),
      action_url: Type.Optional(Type.String()),
      details: Type.Optional(
        Type.Array(
          Type.Object({
            path: Type.String({ description: 'Where the problem is, e.g. expires_at or items[3].model' }),
            message: Type.String(),
          }),
        ),
      ),
    }),
    request_id: Type.String({ description: 'Quote it when reporting a problem; also in the X-Request-Id header' }),
  },
  { $id: 'ErrorBody', title: 'Error' },
);

/** Text a person typed: bounded, trimmed by the domain, no control characters. */
export const Label = (description: string) =>
  Type.String({ minLength: 1, maxLength: 100, pattern: '^[^\\u0000-\\u001f\\u007f]*$', description });

export const Timestamp = (description: string) => Type.String({ format: 'date-time', description });

/** An id in a path or a field (`bat_…`, `key_…`): letters, digits, `_` and `-` only. */
export const Id = (description: string) => Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description });

/** The path parameters of every /v1/batches/{id} route. */
export const BatchParams = Type.Object({ id: Id('The batch id (bat_…)') });

/** The opaque `next_cursor` of a page. */
export function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt.toISOString(), cursor.id])).toString('base64url');
}

/** A cursor this API gave out, or a 400. */
export function decodeCursor(text: string): PageCursor {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as [unknown, unknown];
    const date = new Date(String(createdAt));
    if (typeof id === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(id) && !Number.isNaN(date.getTime())) return { createdAt: date, id };
  } catch {
    // fall through to the error below
  }
  throw new ApiError('invalid_request', 'The cursor is not one this API gave out.', { details: [{ path: 'query.cursor', message: 'use next_cursor from the previous page' }] });
}

/** The query fields of every newest-first list: `limit` (1–100, default 20) and the `cursor` of the previous page. */
export const PageQueryFields = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'next_cursor of the previous page' })),
};

/** The page a list request asks for: how many rows, after which one. */
export function pageRequest(query: { limit?: number | undefined; cursor?: string | undefined }): { limit: number; after: PageCursor | null } {
  return { limit: query.limit ?? 20, after: query.cursor !== undefined ? decodeCursor(query.cursor) : null };
}

/** A page as every list answers it: its rows, whether more follow, and the cursor to them. */
export function pageBody<T>(data: T[], next: PageCursor | null): { data: T[]; has_more: boolean; next_cursor: string | null } {
  return { data, has_more: next !== null, next_cursor: next ? encodeCursor(next) : null };
}
