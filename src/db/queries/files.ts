/** SQL for manifest files and their items. */
import type { Insertable, Kysely } from 'kysely';
import type { DB, FilesTable } from '../schema.ts';

export async function insertFile(db: Kysely<DB>, file: Insertable<FilesTable>): Promise<void> {
  await db.insertInto('files').values(file).execute();
}

export async function appendFileItems(db: Kysely<DB>, fileId: string, firstLine: number, items: unknown[]): Promise<void> {
  if (items.length === 0) return;
  await db
    .insertInto('file_items')
    .values(items.map((item, i) => ({ file_id: fileId, line_index: firstLine + i, item: JSON.stringify(item) })))
    .execute();
}

export async function markFileReady(db: Kysely<DB>, fileId: string, bytes: number, itemCount: number, at: Date): Promise<void> {
  await db.updateTable('files').set({ status: 'ready', bytes, item_count: itemCount, completed_at: at }).where('id', '=', fileId).execute();
}

export async function deleteFile(db: Kysely<DB>, fileId: string): Promise<void> {
  await db.deleteFrom('files').where('id', '=', fileId).execute();
}

export async function findFile(db: Kysely<DB>, orgId: string, fileId: string) {
  return db.selectFrom('files').selectAll().where('org_id', '=', orgId).where('id', '=', fileId).executeTakeFirst();
}

/** A file's items in line order, a page at a time. */
export async function fileItemsPage(db: Kysely<DB>, fileId: string, afterLine: number, limit: number) {
  return db
    .selectFrom('file_items')
    .select(['line_index', 'item'])
    .where('file_id', '=', fileId)
    .where('line_index', '>', afterLine)
    .orderBy('line_index')
    .limit(limit)
    .execute();
}
