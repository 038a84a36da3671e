/**
 * The embedded database (PGlite) on a thread of its own (pglite-host.ts), seen from the server's
 * thread as a client with PGlite's own calls: `query`, `exec` and `listen`, plus transactions by
 * number. PostgreSQL's WebAssembly then runs beside the server's event loop instead of on it: a
 * statement that takes 20 ms no longer holds up HTTP requests and provider calls for 20 ms.
 *
 * Values cross threads by structured clone: dates stay dates, bytea stays bytes, int8 arrives as
 * a number (pglite-host.ts parses it there). An error keeps its message and PostgreSQL's fields
 * (`code`, `constraint`, `detail`, …).
 */
import { Worker } from 'node:worker_threads';
import type { HostOptions } from './pglite-host.ts';
import type { HostMessage, HostRequest, SentError, StatementResult, TransactionId } from './pglite-protocol.ts';

/**
 * The thread's young generation, in MB. What it allocates is short-lived (rows on their way to the
 * server's thread): a small young generation collects it often and cheaply, where the default let
 * a large artifact's pages pile up as tens of megabytes of garbage between collections.
 */
const YOUNG_GENERATION_MB = 8;

/** An error the embedded database reported, with PostgreSQL's fields (`code`, `constraint`, …) where it gave them. */
export class PgliteError extends Error {
  [field: string]: unknown;

  constructor(sent: SentError) {
    super(sent.message);
    this.name = sent.name;
    Object.assign(this, sent.fields);
  }
}

/** Every request, less its id: what a caller asks for. */
type Ask = HostRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

interface Pending {
  resolve: (result: StatementResult | StatementResult[] | null) => void;
  reject: (error: Error) => void;
}

export class PgliteThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  readonly #listeners = new Map<number, (payload: string) => void>();
  #nextId = 1;
  #nextTransaction = 1;
  /** Why the thread can no longer answer, once it cannot. */
  #gone: Error | null = null;

  private constructor(worker: Worker) {
    this.#worker = worker;
  }

  /** Starts the thread and opens the database in it (created if missing), its search_path set to `schema`. */
  static async start(options: HostOptions): Promise<PgliteThread> {
    const worker = new Worker(new URL('./pglite-host.ts', import.meta.url), { workerData: options, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    const thread = new PgliteThread(worker);
    const { promise: ready, resolve, reject } = Promise.withResolvers<void>();
    worker.on('message', (message: HostMessage) => {
      if (message.kind === 'ready') resolve();
      else if (message.kind === 'failed') reject(new PgliteError(message.error));
      else thread.#receive(message);
    });
    worker.on('error', (error) => {
      reject(error);
      thread.#fail(error);
    });
    worker.on('exit', (code) => {
      const error = new Error(`the embedded database's thread ended (exit code ${code})`);
      reject(error);
      thread.#fail(error);
    });
    try {
      await ready;
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    return thread;
  }

  #receive(message: Exclude<HostMessage, { kind: 'ready' } | { kind: 'failed' }>): void {
    if (message.kind === 'notification') {
      this.#listeners.get(message.subscription)?.(message.payload);
      return;
    }
    const pending = this.#pending.get(message.id);
    if (!pending) return;
    this.#pending.delete(message.id);
    if (message.kind === 'reply') pending.resolve(message.result);
    else pending.reject(new PgliteError(message.error));
  }

  /** Fails everything still waiting, and every later call, with `error`. */
  #fail(error: Error): void {
    this.#gone ??= error;
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }

  #ask(ask: Ask): Promise<StatementResult | StatementResult[] | null> {
    if (this.#gone !== null) return Promise.reject(this.#gone);
    const id = this.#nextId++;
    const { promise, resolve, reject } = Promise.withResolvers<StatementResult | StatementResult[] | null>();
    this.#pending.set(id, { resolve, reject });
    this.#worker.postMessage({ ...ask, id } as HostRequest);
    return promise;
  }

  /** Runs one statement with parameters, in transaction `tx` or on its own. */
  async query<R = unknown>(sql: string, params: readonly unknown[] = [], tx: TransactionId = null): Promise<{ rows: R[]; affectedRows?: number }> {
    return (await this.#ask({ op: 'query', sql, params: [...params], tx })) as { rows: R[]; affectedRows?: number };
  }

  /** Runs SQL that may hold several statements and no parameters; one result per statement. */
  async exec(sql: string, tx: TransactionId = null): Promise<{ rows: unknown[] }[]> {
    return (await this.#ask({ op: 'exec', sql, tx })) as StatementResult[];
  }

  /** Begins a transaction (with `characteristics` such as "isolation level serializable"); its number names it. */
  async begin(characteristics: string | null): Promise<number> {
    const tx = this.#nextTransaction++;
    await this.#ask({ op: 'begin', tx, characteristics });
    return tx;
  }

  /** Ends transaction `tx`: COMMIT or ROLLBACK. A failed COMMIT rejects. */
  async end(tx: number, outcome: 'commit' | 'rollback'): Promise<void> {
    await this.#ask({ op: 'end', tx, outcome });
  }

  /** LISTENs on `channel`; the returned function stops listening. */
  async listen(channel: string, onNotification: (payload: string) => void): Promise<() => Promise<void>> {
    const subscription = this.#nextId++;
    this.#listeners.set(subscription, onNotification);
    try {
      await this.#ask({ op: 'listen', channel, subscription });
    } catch (error) {
      this.#listeners.delete(subscription);
      throw error;
    }
    return async () => {
      this.#listeners.delete(subscription);
      await this.#ask({ op: 'unlisten', subscription });
    };
  }

  /** Closes the database (what it holds is written) and ends the thread. */
  async close(): Promise<void> {
    if (this.#gone !== null) return;
    const exited = new Promise<void>((resolve) => this.#worker.once('exit', () => resolve()));
    await this.#ask({ op: 'close' });
    await exited;
  }
}
