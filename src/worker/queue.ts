/**
 * The job queue (pg-boss) on the same database as everything else: its own schema on PostgreSQL,
 * or the embedded PGlite instance through pg-boss's adapter. Jobs are sent inside the caller's
 * transaction, so a job exists exactly when the change that asked for it was committed. Workers
 * fetch several jobs per poll: pg-boss's default of one per polling interval would crawl.
 */
import { fromKysely, PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { JobQueue } from '../domain/batches.ts';
import { cancelProviderJobTask } from './cancel-provider-job.ts';
import { deliverWebhookTask } from './deliver-webhook.ts';
import { expireBatchesTask } from './expire-batches.ts';
import { finalizeBatchTask } from './finalize-batch.ts';
import { measureDropinFilesTask } from './measure-dropin-files.ts';
import { maintainEmbeddedDatabaseTask } from './maintain-embedded-database.ts';
import { pollWorkUnitTask } from './poll-work-unit.ts';
import { pruneExpiredRowsTask } from './prune-expired-rows.ts';
import { rescueLateItemsTask } from './rescue-late-items.ts';
import { routeBatchTask } from './route-batch.ts';
import { runWorkUnitTask } from './run-work-unit.ts';
import type { JobData, Task, WorkerContext } from './tasks.ts';

const TASKS: readonly Task[] = [
  routeBatchTask,
  runWorkUnitTask,
  pollWorkUnitTask,
  finalizeBatchTask,
  cancelProviderJobTask,
  expireBatchesTask,
  rescueLateItemsTask,
  pruneExpiredRowsTask,
  deliverWebhookTask,
  measureDropinFilesTask,
];

/** Silence after which a running job counts as abandoned by a dead worker (pg-boss's minimum). */
const HEARTBEAT_SECONDS = 10;

/** How often an idle worker looks for jobs. */
const POLLING_INTERVAL_SECONDS = 0.5;

export interface Queue {
  jobs: JobQueue;
  /** Runs every task in this process (roles `all` and `worker`). */
  startWorkers(ctx: WorkerContext): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the queue for sending; `startWorkers` makes this process run jobs too. */
export async function startQueue(database: Database, config: Config, logger: Logger, options: { work: boolean }): Promise<Queue> {
  const schema = `${database.schema}_jobs`;
  // Supervision every 5 s finds jobs whose worker stopped heartbeating (killed, frozen) quickly.
  // Workers listen for NOTIFY, sent when a job is created (at commit, for jobs created in a
  // transaction): a ready job starts at once instead of at the next poll. Polling stays on, every
  // POLLING_INTERVAL_SECONDS, for jobs that become due later and when the listener is unavailable.
  const shared = { schema, supervise: options.work, schedule: options.work, superviseIntervalSeconds: 5, monitorIntervalSeconds: 5, useListenNotify: options.work };
  // The embedded database has no autovacuum of its own: a task stands in for it.
  const tasks = database.kind === 'pglite' ? [...TASKS, maintainEmbeddedDatabaseTask] : TASKS;
  const boss =
    database.queueDatabase !== null
      ? new PgBoss({ db: database.queueDatabase, backend: 'pglite', ...shared })
      : new PgBoss({ connectionString: config.databaseUrl ?? undefined, max: 4, ...shared });
  boss.on('error', (error) => logger.error({ err: error }, 'job queue error'));
  await boss.start();
  for (const task of tasks) {
    // A job whose worker misses heartbeats for HEARTBEAT_SECONDS is retried elsewhere (crash safety).
    const policy = { retryLimit: 5, retryDelay: 2, retryBackoff: true, expireInSeconds: 15 * 60, heartbeatSeconds: HEARTBEAT_SECONDS, notify: true };
    await boss.createQueue(task.name, policy);
  }
  const jobs: JobQueue = {
    send: async (db, name, data, sendOptions = {}) => {
      await boss.send(name, data, {
        db: fromKysely(db),
        ...(sendOptions.startAfterSeconds !== undefined ? { startAfter: sendOptions.startAfterSeconds } : {}),
        ...(sendOptions.singletonKey !== undefined ? { singletonKey: sendOptions.singletonKey } : {}),
      });
    },
  };
  return {
    jobs,
    startWorkers: async (ctx) => {
      for (const task of tasks) {
        if (task.cron !== undefined) await boss.schedule(task.name, task.cron);
        // Each job of a fetched batch succeeds or fails on its own, so one failure does not retry the rest.
        await boss.work<JobData, unknown, { batchSize: number; pollingIntervalSeconds: number; notifyPollingIntervalSeconds: number; perJobResults: true }>(
          task.name,
          { batchSize: task.batchSize, pollingIntervalSeconds: POLLING_INTERVAL_SECONDS, notifyPollingIntervalSeconds: POLLING_INTERVAL_SECONDS, perJobResults: true },
          async (batch) =>
            Promise.all(
              batch.map(async (job) => {
                try {
                  await task.run(ctx, job.data);
                  return { id: job.id, status: 'completed' as const };
                } catch (error) {
                  ctx.logger.error({ err: error, job: task.name, job_id: job.id }, 'job failed; it will be retried');
                  return { id: job.id, status: 'failed' as const, output: { message: error instanceof Error ? error.message : String(error) } };
                }
              }),
            ),
        );
      }
    },
    stop: () => boss.stop({ graceful: true, timeout: 10_000 }),
  };
}
