/** SQL for the OpenAI drop-in's batch input files and their lines. */
import { sql, type Insertable, type Kysely } from 'kysely';
import type { DB, OpenaiFilesTable } from '../schema.ts';

export async function insertOpenaiFile(db: Kysely<DB>, file: Insertable<OpenaiFilesTable>): Promise<void> {
  await db.insertInto('openai_files').values(file).execute();
}

/** Stores lines as uploaded, numbered from 1 in the file. */
export async function appendOpenaiFileLines(db: Kysely<DB>, fileId: string, lines: { lineIndex: number; line: string }[]): Promise<void> {
  if (lines.length === 0) return;
  await db
    .insertInto('openai_file_lines')
    .values(lines.map(({ lineIndex, line }) => ({ file_id: fileId, line_index: lineIndex, line })))
    .execute();
}

export async function markOpenaiFileReady(db: Kysely<DB>, fileId: string, ready: { bytes: number; lineCount: number; endpoint: string; at: Date }): Promise<void> {
  await db
    .updateTable('openai_files')
    .set({ status: 'ready', bytes: ready.bytes, line_count: ready.lineCount, endpoint: ready.endpoint, completed_at: ready.at })
    .where('id', '=', fileId)
    .execute();
}

export async function deleteOpenaiFile(db: Kysely<DB>, fileId: string): Promise<void> {
  await db.deleteFrom('openai_files').where('id', '=', fileId).execute();
}

/** A ready file of the org, or undefined. */
export async function findReadyOpenaiFile(db: Kysely<DB>, orgId: string, fileId: string) {
  return db.selectFrom('openai_files').selectAll().where('org_id', '=', orgId).where('id', '=', fileId).where('status', '=', 'ready').executeTakeFirst();
}

export type OpenaiFileRow = NonNullable<Awaited<ReturnType<typeof findReadyOpenaiFile>>>;

/** A file's lines after `afterLine`, in file order. */
export async function openaiFileLinesPage(db: Kysely<DB>, fileId: string, afterLine: number, limit: number) {
  return db
    .selectFrom('openai_file_lines')
    .select(['line_index', 'line'])
    .where('file_id', '=', fileId)
    .where('line_index', '>', afterLine)
    .orderBy('line_index')
    .limit(limit)
    .execute();
}

/** A file as the drop-in's list shows it: an input file, or an ended batch's output or error file. */
export interface ListedFileRow {
  id: string;
  purpose: 'batch' | 'batch_output';
  filename: string;
  bytes: number;
  created_at: Date;
}

/** Where a page of the list starts: after this file, in the list's order. */
export interface FileCursor {
  createdAt: Date;
  id: string;
}

/**
 * Every file of the org the drop-in shows: ready input files, and the measured, undeleted output
 * and error files of its ended batches that have lines. Generated files date from their batch's end.
 */
function filesOf(orgId: string) {
  return sql`(
    select f.id, 'batch' as purpose, f.filename, f.bytes, f.created_at
    from openai_files f where f.org_id = ${orgId} and f.status = 'ready'
    union all
    select o.output_file_id, 'batch_output', o.batch_id || '_output.jsonl', o.output_bytes, b.finished_at
    from openai_batches o join batches b on b.id = o.batch_id
    where o.org_id = ${orgId} and o.output_lines > 0 and o.output_bytes is not null and o.output_deleted_at is null and b.finished_at is not null
    union all
    select o.error_file_id, 'batch_output', o.batch_id || '_error.jsonl', o.error_bytes, b.finished_at
    from openai_batches o join batches b on b.id = o.batch_id
    where o.org_id = ${orgId} and o.error_lines > 0 and o.error_bytes is not null and o.error_deleted_at is null and b.finished_at is not null
  ) as files`;
}

/** Where the file `fileId` stands in the org's list, or null when the org has no such file. */
export async function findFileCursor(db: Kysely<DB>, orgId: string, fileId: string): Promise<FileCursor | null> {
  const { rows } = await sql<{ id: string; created_at: Date }>`select id, created_at from ${filesOf(orgId)} where id = ${fileId}`.execute(db);
  const row = rows[0];
  return row ? { createdAt: row.created_at, id: row.id } : null;
}

/** A page of the org's files by creation time (ties by id), after the cursor when given, of one purpose when given. */
export async function listOrgFiles(db: Kysely<DB>, orgId: string, page: { purpose: string | null; order: 'asc' | 'desc'; after: FileCursor | null; limit: number }): Promise<ListedFileRow[]> {
  const direction = page.order === 'asc' ? sql`asc` : sql`desc`;
  const beyond = page.after === null ? sql`true` : page.order === 'asc' ? sql`(created_at, id) > (${page.after.createdAt}, ${page.after.id})` : sql`(created_at, id) < (${page.after.createdAt}, ${page.after.id})`;
  const purpose = page.purpose === null ? sql`true` : sql`purpose = ${page.purpose}`;
  const { rows } = await sql<ListedFileRow>`
    select id, purpose, filename, bytes, created_at from ${filesOf(orgId)}
    where ${purpose} and ${beyond}
    order by created_at ${direction}, id ${direction}
    limit ${page.limit}`.execute(db);
  return rows;
}
