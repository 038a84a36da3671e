/**
 * The submit benchmark's baseline: the rows a submit stored, written again without the server,
 * as plainly as the database allows: multi-row INSERTs through the same driver, and on PostgreSQL
 * also COPY (through psql). They go to a scratch table shaped like `batch_items` in the same
 * database: the same columns, checks, defaults, indexes and foreign keys, so the database does
 * the same work per row.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { CompiledQuery } from 'kysely';
import type { Database } from '../../src/db/database.ts';
import { timed } from './report.ts';

/** The columns submit writes (the rest take their defaults), in one order for INSERT and COPY. */
const COLUMNS = [
  'batch_id',
  'item_index',
  'customer_item_id',
  'operation',
  'model',
  'model_options',
  'input',
  'status',
  'lane_id',
  'assigned_model',
  'input_tokens',
  'max_cost_micros',
  'route_receipt',
] as const;

/** The same rows per INSERT as the server's `insertItems` (under PostgreSQL's 65,535 parameters). */
const INSERT_CHUNK = 2_000;

export interface StoredItem {
  batch_id: string;
  item_index: number;
  customer_item_id: string;
  operation: string;
  model: string;
  model_options: string[];
  input: unknown;
  status: string;
  lane_id: string;
  assigned_model: string;
  input_tokens: number;
  max_cost_micros: number;
  route_receipt: unknown;
}

/**
 * The rows a submit stored for a batch, as it stored them: a worker may since have dispatched
 * them, so the status is put back to `queued` (the work unit and attempts are not read).
 */
export async function storedItems(database: Database, batchId: string): Promise<StoredItem[]> {
  const rows = await database.db.selectFrom('batch_items').select([...COLUMNS]).where('batch_id', '=', batchId).orderBy('item_index').execute();
  return rows.map((row) => ({ ...row, status: 'queued' }));
}

/** Creates an empty table shaped like batch_items, its foreign keys included (LIKE copies all but those). */
export async function createScratchItemsTable(database: Database, table: string): Promise<void> {
  await database.executeScript(`
    create table ${table} (like batch_items including all);
    alter table ${table}
      add foreign key (batch_id) references batches (id) on delete cascade,
      add foreign key (work_unit_id) references work_units (id);`);
}

/** The parameters of one row, encoded as the server encodes them (jsonb as JSON text). */
function parametersOf(row: StoredItem): unknown[] {
  return [
    row.batch_id,
    row.item_index,
    row.customer_item_id,
    row.operation,
    row.model,
    row.model_options,
    JSON.stringify(row.input),
    row.status,
    row.lane_id,
    row.assigned_model,
    row.input_tokens,
    row.max_cost_micros,
    JSON.stringify(row.route_receipt),
  ];
}

function insertText(table: string, rows: number): string {
  const tuples = Array.from({ length: rows }, (_, r) => `(${COLUMNS.map((_, c) => `$${r * COLUMNS.length + c + 1}`).join(', ')})`);
  return `insert into ${table} (${COLUMNS.join(', ')}) values ${tuples.join(', ')}`;
}

/**
 * Inserts `rows` into `table` in one transaction, 2,000 rows per parameterised INSERT, through
 * the project's driver but no query builder; returns the milliseconds it took, encoding included.
 */
export async function insertRaw(database: Database, table: string, rows: readonly StoredItem[]): Promise<number> {
  const { ms } = await timed(() =>
    database.db.transaction().execute(async (trx) => {
      for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
        const chunk = rows.slice(start, start + INSERT_CHUNK);
        await trx.executeQuery(CompiledQuery.raw(insertText(table, chunk.length), chunk.flatMap(parametersOf)));
      }
    }),
  );
  return ms;
}

/** A value in COPY's text format: backslash, tab, newline and carriage return escaped. */
function copyField(value: string): string {
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

function arrayLiteral(values: readonly string[]): string {
  return `{${values.map((value) => `"${value.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;
}

function copyLine(row: StoredItem): string {
  const fields = parametersOf(row).map((value) => (Array.isArray(value) ? arrayLiteral(value as string[]) : String(value)));
  return `${fields.map(copyField).join('\t')}\n`;
}

/**
 * COPYs `rows` into `table` on PostgreSQL with `psql` (libpq; one transaction), encoding included.
 * Returns null when psql is not installed.
 */
export async function copyWithPsql(databaseUrl: string, schema: string, table: string, rows: readonly StoredItem[]): Promise<number | null> {
  const command = `\\copy ${schema}.${table} (${COLUMNS.join(', ')}) from pstdin`;
  try {
    const { ms } = await timed(async () => {
      const child = spawn('psql', [databaseUrl, '-v', 'ON_ERROR_STOP=1', '-q', '-c', command], { stdio: ['pipe', 'ignore', 'pipe'] });
      const errors: Buffer[] = [];
      child.stderr.on('data', (chunk: Buffer) => errors.push(chunk));
      const exited = once(child, 'close');
      const spawned = once(child, 'spawn');
      await spawned;
      // One write per chunk keeps the pipe busy without building one large string.
      for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
        if (!child.stdin.write(rows.slice(start, start + INSERT_CHUNK).map(copyLine).join(''))) await once(child.stdin, 'drain');
      }
      child.stdin.end();
      const [code] = (await exited) as [number | null];
      if (code !== 0) throw new Error(`psql COPY failed (exit ${code}): ${Buffer.concat(errors).toString('utf8')}`);
    });
    return ms;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
