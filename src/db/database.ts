/**
 * Opens the database for either deployment shape behind one interface: Kysely for typed queries,
 * `executeScript` for multi-statement SQL (migrations), and the job queue's connection.
 * Value types are normalised here, once: int8 becomes a JS number (money is integer micro-USD and
 * stays far below 2^53), timestamps become Date.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { fromPglite } from 'pg-boss';
import type { DB } from './schema.ts';
import { INT8_OID, parseInt8 } from './int8.ts';
import { callbackQueryPool } from './pg-pool.ts';
import { PgliteDialect } from './pglite-dialect.ts';
import { PgliteThread } from './pglite-thread.ts';

/** The job queue's view of the database: pg-boss's one-method adapter. */
export interface QueueDatabase {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

export interface Database {
  kind: 'postgres' | 'pglite';
  db: Kysely<DB>;
  schema: string;
  /** Runs SQL that may hold several statements and no parameters. */
  executeScript(sqlText: string): Promise<void>;
  /** The connection the job queue runs on (pg-boss `db` option), or null to let it open its own pool. */
  queueDatabase: QueueDatabase | null;
  close(): Promise<void>;
}

export type DatabaseTarget =
  | { kind: 'postgres'; url: string; schema: string; poolSize?: number }
  /** `directory: null` keeps the embedded database in memory (tests). */
  | { kind: 'pglite'; directory: string | null; schema: string };

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Opens a database and points its search_path at `schema` (created if missing). */
export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  return target.kind === 'postgres' ? openPostgres(target) : openPglite(target);
}

async function openPostgres(target: Extract<DatabaseTarget, { kind: 'postgres' }>): Promise<Database> {
  const schema = quoteIdentifier(target.schema);
  const setup = new pg.Client({ connectionString: target.url });
  await setup.connect();
  try {
    // Concurrent CREATE SCHEMA IF NOT EXISTS can still collide; processes starting together queue here.
    await setup.query(`select pg_advisory_xact_lock(7243000); create schema if not exists ${schema}`);
  } finally {
    await setup.end();
  }
  const pool = new pg.Pool({
    connectionString: target.url,
    max: target.poolSize ?? 10,
    options: `-c search_path=${schema}`,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client that loses its connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: callbackQueryPool(pool) }) });
  return {
    kind: 'postgres',
    db,
    schema: target.schema,
    executeScript: async (sqlText) => {
      await pool.query(sqlText);
    },
    queueDatabase: null,
    close: async () => {
      await db.destroy();
    },
  };
}

/** The embedded database, on a thread of its own (pglite-thread.ts). */
async function openPglite(target: Extract<DatabaseTarget, { kind: 'pglite' }>): Promise<Database> {
  const thread = await PgliteThread.start({ directory: target.directory, schema: target.schema });
  const db = new Kysely<DB>({ dialect: new PgliteDialect(thread) });
  return {
    kind: 'pglite',
    db,
    schema: target.schema,
    executeScript: async (sqlText) => {
      await thread.exec(sqlText);
    },
    queueDatabase: fromPglite(thread),
    close: async () => {
      await db.destroy();
      await thread.close();
    },
  };
}
