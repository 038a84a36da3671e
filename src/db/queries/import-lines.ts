/** SQL for import files' lines (OpenAI Batch output and input files, reduced to what pricing needs). */
import { sql, type Kysely } from 'kysely';
import type { DB, ImportLinesTable } from '../schema.ts';

/** One line as stored, less where it stands in its file. */
export type StoredImportLine = Omit<ImportLinesTable, 'file_id' | 'line_index'>;

export async function appendImportLines(db: Kysely<DB>, fileId: string, firstLine: number, lines: readonly StoredImportLine[]): Promise<void> {
  if (lines.length === 0) return;
  await db
    .insertInto('import_lines')
    .values(lines.map((line, i) => ({ file_id: fileId, line_index: firstLine + i, ...line })))
    .execute();
}

/** An output line joined to its input line (same batch, same custom id) when an input file is named. */
export interface JoinedImportLine extends StoredImportLine {
  /** Where the line comes from: the output file, or (for a request with no answer) the input file only. */
  source: 'output' | 'input';
  /** The model the request asked for (input file), when known. */
  requested_model: string | null;
  requested_endpoint: string | null;
}

/**
 * Every line of an output import file in file order, each with its input line when `inputFileId`
 * is given; then the input lines no output line answers, in input order.
 */
export async function joinedImportLines(db: Kysely<DB>, outputFileId: string, inputFileId: string | null): Promise<JoinedImportLine[]> {
  const result = await sql<JoinedImportLine>`
    select * from (
      select 'output' as source, 0 as part, o.line_index, o.batch_id, o.custom_id, o.status_code, o.error_code, o.model, o.endpoint,
        o.input_tokens, o.output_tokens, i.model as requested_model, i.endpoint as requested_endpoint
      from import_lines o
      left join import_lines i on i.file_id = ${inputFileId} and i.batch_id = o.batch_id and i.custom_id = o.custom_id
      where o.file_id = ${outputFileId}
      union all
      select 'input', 1, i.line_index, i.batch_id, i.custom_id, null, null, null, null, null, null, i.model, i.endpoint
      from import_lines i
      where i.file_id = ${inputFileId}
        and not exists (select 1 from import_lines o where o.file_id = ${outputFileId} and o.batch_id = i.batch_id and o.custom_id = i.custom_id)
    ) lines
    order by part, line_index`.execute(db);
  return result.rows;
}

/** The org's most recent ready import file of `format`, if any. */
export async function latestImportFile(db: Kysely<DB>, orgId: string, format: 'openai_batch_output' | 'openai_batch_input') {
  return db
    .selectFrom('files')
    .select(['id'])
    .where('org_id', '=', orgId)
    .where('purpose', '=', 'import')
    .where('import_format', '=', format)
    .where('status', '=', 'ready')
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}
