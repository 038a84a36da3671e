/**
 * node-postgres's pool as Kysely's PostgreSQL driver takes it, with every statement sent through
 * pg's callback form of `query`. The promise form (pg 8.23) keeps what a statement returned
 * reachable for a while after it settled: streaming a 100,000-row artifact, each page's rows lived
 * through two young-generation collections and were moved to the old generation, some 10 MB at
 * every collection, freed only by a full one; through the callback form none were.
 */
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type pg from 'pg';

class CallbackQueryClient implements PostgresPoolClient {
  readonly #client: pg.PoolClient;

  constructor(client: pg.PoolClient) {
    this.#client = client;
  }

  /** The backend's process id, for Kysely's query cancellation. */
  get processID(): number | undefined {
    return (this.#client as pg.PoolClient & { processID?: number }).processID;
  }

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(statement: string | PostgresCursor<R>, parameters: ReadonlyArray<unknown> = []): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    if (typeof statement !== 'string') return this.#client.query(statement as unknown as pg.Submittable) as unknown as PostgresCursor<R>;
    return new Promise((resolve, reject) => {
      this.#client.query(statement, [...parameters], (error: Error | null, result: pg.QueryResult) => {
        if (error) reject(error);
        else resolve(result as unknown as PostgresQueryResult<R>);
      });
    });
  }

  release(destroy?: boolean): void {
    this.#client.release(destroy);
  }
}

/** `pool` for Kysely's PostgresDialect: the same clients (one wrapper each), queried through callbacks. */
export function callbackQueryPool(pool: pg.Pool): PostgresPool {
  const wrappers = new WeakMap<pg.PoolClient, CallbackQueryClient>();
  return {
    options: pool.options,
    async connect() {
      const client = await pool.connect();
      let wrapper = wrappers.get(client);
      if (!wrapper) wrappers.set(client, (wrapper = new CallbackQueryClient(client)));
      return wrapper;
    },
    end: () => pool.end(),
  };
}
