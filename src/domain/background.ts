/**
 * Work a request starts but does not wait for (sending mail, answering "forgot password" the same
 * way whether or not the account exists). Failures are logged, never thrown at the caller; `drain`
 * lets shutdown (and tests) wait for what is still running.
 */
import type { Logger } from 'pino';

export interface BackgroundTasks {
  /** Starts `task` now without waiting for it; a failure is logged under `label`. */
  run(label: string, task: () => Promise<void>): void;
  /** Resolves once every task started so far has finished. */
  drain(): Promise<void>;
}

export function makeBackgroundTasks(logger: Logger): BackgroundTasks {
  const running = new Set<Promise<void>>();
  return {
    run(label, task) {
      const promise = task()
        .catch((error: unknown) => logger.error({ err: error, task: label }, 'background task failed'))
        .finally(() => running.delete(promise));
      running.add(promise);
    },
    async drain() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}
