/**
 * The worker's tasks, one file each, and what they run with. A task handles one job at a time and
 * must be safe to run twice for the same job (pg-boss retries a job whose worker died).
 */
import type { Logger } from 'pino';
import type { BatchContext } from '../domain/batches.ts';
import type { Lane } from '../lanes/types.ts';

export interface WorkerContext extends BatchContext {
  /** The running lanes by catalog lane id. */
  runtimeLanes: ReadonlyMap<string, Lane>;
  logger: Logger;
}

export type JobData = Record<string, string>;

export interface Task {
  name: string;
  /** Runs by itself on this schedule (cron, UTC). */
  cron?: string;
  /** Jobs fetched per poll; tasks that are quick per job take more at a time. */
  batchSize: number;
  run(ctx: WorkerContext, data: JobData): Promise<void>;
}

/** A string field of a job's data, or an error naming it: jobs are made by this code, so this is a bug. */
export function field(data: JobData, name: string): string {
  const value = data[name];
  if (typeof value !== 'string' || value === '') throw new Error(`job data lacks ${name}`);
  return value;
}
