/** Newest-first pages: rows ordered by (created_at, id) descending, continued after a cursor. */
import { sql, type RawBuilder } from 'kysely';

/** Where the previous page ended: its last row's creation time and id. */
export interface PageCursor {
  createdAt: Date;
  id: string;
}

/** The rows after `cursor` in (created_at desc, id desc) order, as one row comparison the (…, created_at desc, id desc) indexes serve. */
export function olderThan(cursor: PageCursor): RawBuilder<boolean> {
  return sql<boolean>`(created_at, id) < (${cursor.createdAt}, ${cursor.id})`;
}
