/** SQL for the OpenAI drop-in's batch input files and their lines. */
import type { Insertable, Kysely } from 'kysely';
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
