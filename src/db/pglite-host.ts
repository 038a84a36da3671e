/**
 * The embedded database's own thread: it holds the PGlite instance and runs what the server's
 * thread asks (pglite-thread.ts), so that PostgreSQL's WebAssembly never runs on the thread that
 * answers requests and calls providers.
 *
 * PGlite has one session. A plain statement takes PGlite's exclusive lock for itself; a
 * transaction runs inside `pglite.transaction()`, which holds that lock until COMMIT or ROLLBACK,
 * so nothing else (the job queue, another request) can slip a statement into an open transaction:
 * statements of other transactions and plain ones wait for it.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { INT8_OID, parseInt8 } from './int8.ts';
import { sendableError, type HostMessage, type HostRequest, type StatementResult, type TransactionId } from './pglite-protocol.ts';

export interface HostOptions {
  /** The data directory, or null to keep the database in memory. */
  directory: string | null;
  /** The schema every statement works in (its search_path). */
  schema: string;
}

interface OpenTransaction {
  tx: Transaction;
  /** Settles the transaction callback: COMMIT by returning, ROLLBACK by calling `tx.rollback()`. */
  finish: (outcome: 'commit' | 'rollback') => void;
  /** The `pglite.transaction()` call itself: settles once COMMIT or ROLLBACK has run. */
  settled: Promise<void>;
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function parentPortOrThrow(): MessagePort {
  if (parentPort === null) throw new Error('pglite-host.ts runs as a worker thread');
  return parentPort;
}

const port = parentPortOrThrow();
const options = workerData as HostOptions;
const send = (message: HostMessage) => port.postMessage(message);

async function open(): Promise<PGlite> {
  const pglite = await PGlite.create(options.directory ?? 'memory://', { parsers: { [INT8_OID]: parseInt8 } });
  const schema = quoteIdentifier(options.schema);
  // One session for the whole process, so the search_path is set once.
  await pglite.exec(`create schema if not exists ${schema}; set search_path to ${schema}`);
  return pglite;
}

function serve(pglite: PGlite): void {
  const transactions = new Map<number, OpenTransaction>();
  const subscriptions = new Map<number, () => Promise<void>>();

  const runner = (tx: TransactionId) => {
    if (tx === null) return pglite;
    const open = transactions.get(tx);
    if (!open) throw new Error(`transaction ${tx} is not open`);
    return open.tx;
  };

  const begin = async (tx: number, characteristics: string | null): Promise<null> => {
    const { promise: begun, resolve: markBegun } = Promise.withResolvers<OpenTransaction['tx']>();
    const { promise: outcome, resolve: finish } = Promise.withResolvers<'commit' | 'rollback'>();
    const settled = pglite.transaction(async (transaction) => {
      if (characteristics !== null) await transaction.exec(`set transaction ${characteristics}`);
      markBegun(transaction);
      if ((await outcome) === 'rollback') await transaction.rollback();
    });
    // A failure before the transaction began (BEGIN itself) surfaces here; later ones at its end.
    const began = await Promise.race([begun, settled.then(() => Promise.reject(new Error('transaction ended before it began')))]);
    transactions.set(tx, { tx: began, finish, settled: settled.then(() => undefined) });
    return null;
  };

  const end = async (tx: number, outcome: 'commit' | 'rollback'): Promise<null> => {
    const open = transactions.get(tx);
    if (!open) throw new Error(`transaction ${tx} is not open`);
    transactions.delete(tx);
    open.finish(outcome);
    await open.settled;
    return null;
  };

  const handle = async (request: HostRequest): Promise<StatementResult | StatementResult[] | null> => {
    switch (request.op) {
      case 'query': {
        const result = await runner(request.tx).query(request.sql, request.params);
        return result.affectedRows === undefined ? { rows: result.rows } : { rows: result.rows, affectedRows: result.affectedRows };
      }
      case 'exec':
        return (await runner(request.tx).exec(request.sql)).map((result) => ({ rows: result.rows }));
      case 'begin':
        return begin(request.tx, request.characteristics);
      case 'end':
        return end(request.tx, request.outcome);
      case 'listen': {
        const subscription = request.subscription;
        subscriptions.set(subscription, await pglite.listen(request.channel, (payload) => send({ kind: 'notification', subscription, payload })));
        return null;
      }
      case 'unlisten': {
        const unsubscribe = subscriptions.get(request.subscription);
        subscriptions.delete(request.subscription);
        await unsubscribe?.();
        return null;
      }
      case 'close':
        await pglite.close();
        return null;
    }
  };

  port.on('message', (request: HostRequest) => {
    handle(request).then(
      (result) => {
        send({ kind: 'reply', id: request.id, result });
        // Closed: with the port shut, the thread has nothing left to do and ends.
        if (request.op === 'close') port.close();
      },
      (error: unknown) => send({ kind: 'error', id: request.id, error: sendableError(error) }),
    );
  });
}

open().then(
  (pglite) => {
    serve(pglite);
    send({ kind: 'ready' });
  },
  (error: unknown) => send({ kind: 'failed', error: sendableError(error) }),
);
