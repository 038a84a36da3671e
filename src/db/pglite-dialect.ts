/**
 * A Kysely dialect over the embedded database's thread (pglite-thread.ts). The thread keeps
 * PGlite's one session to a single transaction at a time: a transaction's statements name it, and
 * every other statement waits until it has ended.
 */
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import type { PgliteThread } from './pglite-thread.ts';

class PgliteConnection implements DatabaseConnection {
  /** The transaction this connection is in, if any. */
  tx: number | null = null;
  readonly thread: PgliteThread;

  constructor(thread: PgliteThread) {
    this.thread = thread;
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.thread.query<R>(compiledQuery.sql, compiledQuery.parameters, this.tx);
    return {
      rows: result.rows,
      ...(result.affectedRows !== undefined ? { numAffectedRows: BigInt(result.affectedRows) } : {}),
    };
  }

  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('PGlite has no server-side cursors here: page with keyset queries instead of streaming');
  }
}

class PgliteDriver implements Driver {
  readonly thread: PgliteThread;

  constructor(thread: PgliteThread) {
    this.thread = thread;
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return new PgliteConnection(this.thread);
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const characteristics = [settings.isolationLevel !== undefined ? `isolation level ${settings.isolationLevel}` : '', settings.accessMode ?? ''].filter(Boolean);
    (connection as PgliteConnection).tx = await this.thread.begin(characteristics.length > 0 ? characteristics.join(', ') : null);
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await this.#end(connection as PgliteConnection, 'commit');
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await this.#end(connection as PgliteConnection, 'rollback');
  }

  async #end(conn: PgliteConnection, outcome: 'commit' | 'rollback'): Promise<void> {
    const tx = conn.tx;
    if (tx === null) throw new Error('no open transaction on this connection');
    conn.tx = null;
    await this.thread.end(tx, outcome);
  }

  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {}
}

/** Kysely dialect for the embedded database's thread; the caller owns the thread and closes it. */
export class PgliteDialect implements Dialect {
  readonly thread: PgliteThread;

  constructor(thread: PgliteThread) {
    this.thread = thread;
  }

  createDriver(): Driver {
    return new PgliteDriver(this.thread);
  }

  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }

  createAdapter() {
    return new PostgresAdapter();
  }

  createIntrospector(db: Kysely<unknown>) {
    return new PostgresIntrospector(db);
  }
}
