/**
 * Cache invalidation across processes on PostgreSQL, strict enough for key revocation: a writer
 * answers only once every live process has dropped what it changed.
 *
 * - Each process LISTENs on a channel of its schema over a dedicated connection and registers in
 *   `cache_listeners`; it uses its caches only while that connection is healthy (a heartbeat
 *   succeeded within LOCAL_TRUST_MS), and empties them whenever it may have missed an event.
 * - A writer NOTIFYs the event inside its transaction (delivered only on commit). After the commit
 *   it NOTIFYs a barrier carrying a fresh sequence number, in a transaction of its own. PostgreSQL
 *   delivers notifications in commit order, so a process that has seen that barrier, or any later
 *   one, has seen the event. Processes acknowledge the highest barrier seen; the writer waits until
 *   every process with a recent heartbeat has acknowledged its barrier.
 * - A process that stops answering is considered gone after LIVENESS_MS without a heartbeat; by
 *   then it has stopped using its caches (LOCAL_TRUST_MS < LIVENESS_MS).
 */
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';
import { newId } from '../ids.ts';
import { clearCaches, evict, type Caches, type Invalidation, type InvalidationEvent } from '../domain/cache.ts';
import type { Database } from './database.ts';
import type { Executor } from './schema.ts';

const HEARTBEAT_MS = 2_000;
const LOCAL_TRUST_MS = 6_000;
const LIVENESS_MS = 8_000;
const ACK_POLL_MS = 5;
const RECONNECT_MS = 1_000;

type Message = { barrier: number } | { event: InvalidationEvent };

function parseMessage(payload: string | undefined): Message | null {
  if (payload === undefined) return null;
  try {
    const parsed: unknown = JSON.parse(payload);
    if (typeof parsed !== 'object' || parsed === null) return null;
    if ('barrier' in parsed && typeof parsed.barrier === 'number') return { barrier: parsed.barrier };
    if ('kind' in parsed && 'id' in parsed && typeof parsed.id === 'string' && (parsed.kind === 'api_key' || parsed.kind === 'org')) {
      return { event: { kind: parsed.kind, id: parsed.id } };
    }
    return null;
  } catch {
    return null;
  }
}

export interface PostgresInvalidation extends Invalidation {
  stop(): Promise<void>;
}

/** Starts listening; resolves once this process receives every event (its caches usable). */
export async function startPostgresInvalidation(
  database: Database,
  url: string,
  caches: Caches,
  logger: Logger,
): Promise<PostgresInvalidation> {
  const schema = database.schema;
  const channel = `${schema}_invalidation`;
  const listenerId = newId('lsn');
  let client: pg.Client | null = null;
  let trustedUntil = 0;
  let highestBarrier = 0;
  let acking: Promise<void> | null = null;
  let heartbeat: NodeJS.Timeout | null = null;
  let stopped = false;

  const distrust = () => {
    trustedUntil = 0;
    clearCaches(caches);
  };

  const beat = async () => {
    const current = client;
    if (!current) return;
    const startedAt = performance.now();
    await current.query('update cache_listeners set heartbeat_at = now(), acked_barrier = greatest(acked_barrier, $2) where id = $1', [
      listenerId,
      highestBarrier,
    ]);
    trustedUntil = startedAt + LOCAL_TRUST_MS;
  };

  const acknowledge = () => {
    acking ??= beat()
      .catch((error: unknown) => logger.warn({ err: error }, 'cache invalidation: acknowledgement failed'))
      .finally(() => {
        acking = null;
      });
  };

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: url, options: `-c search_path="${schema}"` });
    next.on('error', (error) => {
      logger.warn({ err: error }, 'cache invalidation: listener connection lost');
      distrust();
      void next.end().catch(() => undefined);
      if (client === next) client = null;
      if (!stopped) setTimeout(() => void connect().catch(() => undefined), RECONNECT_MS);
    });
    next.on('notification', (notification) => {
      const message = parseMessage(notification.payload);
      if (!message) return;
      if ('event' in message) {
        evict(caches, message.event);
        return;
      }
      highestBarrier = Math.max(highestBarrier, message.barrier);
      acknowledge();
    });
    await next.connect();
    await next.query(`listen "${channel}"`);
    // Barriers drawn before this point concern writes this process cannot have cached: its caches
    // start empty and everything committed later reaches it.
    const last = await next.query<{ last_value: string }>('select last_value::text from cache_invalidation_barriers');
    highestBarrier = Number(last.rows[0]?.last_value ?? 0);
    clearCaches(caches);
    await next.query(
      `insert into cache_listeners (id, heartbeat_at, acked_barrier) values ($1, now(), $2)
       on conflict (id) do update set heartbeat_at = now(), acked_barrier = excluded.acked_barrier`,
      [listenerId, highestBarrier],
    );
    client = next;
    trustedUntil = performance.now() + LOCAL_TRUST_MS;
  };

  await connect();
  heartbeat = setInterval(() => {
    beat().catch((error: unknown) => {
      logger.warn({ err: error }, 'cache invalidation: heartbeat failed');
    });
  }, HEARTBEAT_MS);
  heartbeat.unref();

  const waitForAcknowledgements = async (barrier: number) => {
    const deadline = performance.now() + LIVENESS_MS;
    for (;;) {
      const behind = await sql<{ behind: number }>`
        select count(*)::int as behind from cache_listeners
        where id <> ${listenerId} and acked_barrier < ${barrier}
          and heartbeat_at > now() - make_interval(secs => ${LIVENESS_MS / 1000})`.execute(database.db);
      if ((behind.rows[0]?.behind ?? 0) === 0) return;
      if (performance.now() > deadline) {
        logger.warn({ barrier }, 'cache invalidation: a process did not acknowledge in time');
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, ACK_POLL_MS));
    }
  };

  return {
    get cachesUsable() {
      return client !== null && performance.now() < trustedUntil;
    },
    publish: async (transaction: Executor, event: InvalidationEvent) => {
      await sql`select pg_notify(${channel}, ${JSON.stringify(event)})`.execute(transaction);
    },
    settle: async (events) => {
      for (const event of events) evict(caches, event);
      const drawn = await sql<{ barrier: string }>`
        select pg_notify(${channel}, json_build_object('barrier', b.n)::text), b.n::text as barrier
        from (select nextval('cache_invalidation_barriers') as n) b`.execute(database.db);
      await waitForAcknowledgements(Number(drawn.rows[0]?.barrier ?? 0));
    },
    stop: async () => {
      stopped = true;
      if (heartbeat) clearInterval(heartbeat);
      const current = client;
      client = null;
      if (current) {
        await current.query('delete from cache_listeners where id = $1', [listenerId]).catch(() => undefined);
        await current.end().catch(() => undefined);
      }
    },
  };
}
