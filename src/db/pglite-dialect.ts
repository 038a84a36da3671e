/**
 * A Kysely dialect over an in-process PGlite instance.
 *
 * PGlite has a single session. Plain queries take PGlite's own exclusive lock one at a time; a
 * transaction runs inside `pglite.transaction()`, which holds that lock until COMMIT/ROLLBACK, so
 * nothing else that shares the instance (the job queue, another request) can slip a statement into
 * an open transaction.
 */
import type { PGlite, Transaction } from '@electric-sql/pglite';
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

interface OpenTransaction {
  tx: Transaction;
  /** Settles the transaction callback: COMMIT by returning, ROLLBACK by calling `tx.rollback()`. */
  finish: (outcome: 'commit' | 'rollback') => void;
  /** The `pglite.transaction()` call itself: resolves once COMMIT or ROLLBACK has run. */
  settled: Promise<void>;
}

class PgliteConnection implements DatabaseConnection {
  open: OpenTransaction | null = null;
  readonly pglite: PGlite;

  constructor(pglite: PGlite) {
    this.pglite = pglite;
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const runner = this.open?.tx ?? this.pglite;
    const result = await runner.query<R>(compiledQuery.sql, [...compiledQuery.parameters]);
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
  readonly pglite: PGlite;

  constructor(pglite: PGlite) {
    this.pglite = pglite;
  }

  async init(): Promise<void> {
    await this.pglite.waitReady;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new PgliteConnection(this.pglite);
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const conn = connection as PgliteConnection;
    const { promise: outcome, resolve: finish } = Promise.withResolvers<'commit' | 'rollback'>();
    const { promise: begun, resolve: markBegun } = Promise.withResolvers<Transaction>();
    const settled = this.pglite.transaction(async (tx) => {
      const characteristics = [
        settings.isolationLevel !== undefined ? `isolation level ${settings.isolationLevel}` : '',
        settings.accessMode ?? '',
      ].filter(Boolean);
      if (characteristics.length > 0) await tx.exec(`set transaction ${characteristics.join(', ')}`);
      markBegun(tx);
      if ((await outcome) === 'rollback') await tx.rollback();
    });
    // A failure before the transaction began (BEGIN itself) surfaces here; later ones in #end.
    const tx = await Promise.race([begun, settled.then(() => Promise.reject(new Error('transaction ended before it began')))]);
    conn.open = { tx, finish, settled: settled.then(() => undefined) };
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await this.#end(connection as PgliteConnection, 'commit');
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await this.#end(connection as PgliteConnection, 'rollback');
  }

  async #end(conn: PgliteConnection, outcome: 'commit' | 'rollback'): Promise<void> {
    const open = conn.open;
    if (!open) throw new Error('no open transaction on this connection');
    conn.open = null;
    open.finish(outcome);
    await open.settled;
  }

  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {}
}

/** Kysely dialect for PGlite; the caller owns the PGlite instance and closes it. */
export class PgliteDialect implements Dialect {
  readonly pglite: PGlite;

  constructor(pglite: PGlite) {
    this.pglite = pglite;
  }

  createDriver(): Driver {
    return new PgliteDriver(this.pglite);
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
