/**
 * The job queue (pg-boss) on the same database as everything else: its own schema on PostgreSQL,
 * or the embedded PGlite instance through pg-boss's adapter. Workers fetch in batches: pg-boss's
 * default of one job per polling interval would crawl.
 */
import { PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { DomainContext } from '../domain/context.ts';
import { pruneRateLimitWindowsTask } from './prune-rate-limit-windows.ts';

/** A task: one queue, what it does, and optionally when it runs by itself (cron, UTC). */
export interface Task {
  name: string;
  cron?: string;
  run(ctx: DomainContext): Promise<void>;
}

const TASKS: readonly Task[] = [pruneRateLimitWindowsTask];

export interface Queue {
  boss: PgBoss;
  stop(): Promise<void>;
}

/**
 * Starts the queue. With `work` set this process also runs the tasks (roles `all` and `worker`);
 * an API-only process just sends jobs.
 */
export async function startQueue(
  database: Database,
  config: Config,
  ctx: DomainContext,
  logger: Logger,
  options: { work: boolean },
): Promise<Queue> {
  const schema = `${database.schema}_jobs`;
  const boss =
    database.queueDatabase !== null
      ? new PgBoss({ db: database.queueDatabase, backend: 'pglite', schema, supervise: options.work, schedule: options.work })
      : new PgBoss({
          connectionString: config.databaseUrl ?? undefined,
          schema,
          max: 4,
          supervise: options.work,
          schedule: options.work,
        });
  boss.on('error', (error) => logger.error({ err: error }, 'job queue error'));
  await boss.start();
  for (const task of TASKS) {
    await boss.createQueue(task.name);
    if (!options.work) continue;
    if (task.cron !== undefined) await boss.schedule(task.name, task.cron);
    await boss.work(task.name, { batchSize: 10 }, async () => task.run(ctx));
  }
  return { boss, stop: () => boss.stop({ graceful: true, timeout: 10_000 }) };
}
