/**
 * Starts BatchRouter: loads the catalog, takes the data-directory lock (embedded shape), opens and
 * migrates the database, starts the job queue and the HTTP server. `stop()` undoes it all in reverse.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { systemClock, type Clock } from './clock.ts';
import type { Config, ServerRole } from './config.ts';
import { openDatabase, type Database, type DatabaseTarget } from './db/database.ts';
import { lockDataDirectory, type DataDirectoryLock } from './db/data-dir-lock.ts';
import { migrate } from './db/migrate.ts';
import { makeCaches, makeLocalInvalidation } from './domain/cache.ts';
import { enabledLanes } from './domain/catalog-lanes.ts';
import { loadCatalog } from './domain/catalog-loader.ts';
import { makeLaneHealthSource } from './domain/lane-health.ts';
import { inlineTokenCounter, type TokenCounter } from './domain/tokens.ts';
import { loadSigningSecret } from './domain/artifacts.ts';
import { configuredProviders } from './lanes/credentials.ts';
import { makeRuntimeLanes } from './lanes/registry.ts';
import type { WorkerContext } from './worker/tasks.ts';
import { startPostgresInvalidation } from './db/invalidation.ts';
import { makeApp, type App } from './http/app.ts';
import { startQueue, type Queue } from './worker/queue.ts';
import { startTokenizerPool } from './tokenizer/pool.ts';

export interface StartOptions {
  role?: ServerRole;
  clock?: Clock;
  logger?: Logger;
  /** Overrides where the database is (tests use an in-memory PGlite or a schema of their own). */
  databaseTarget?: DatabaseTarget;
}

export interface RunningServer {
  url: string;
  app: App | null;
  database: Database;
  config: Config;
  /** What the domain and the workers run with (tests drive tasks through it). */
  ctx: WorkerContext;
  stop(): Promise<void>;
}

/** The database the configuration names: PostgreSQL at DATABASE_URL, else PGlite in the data dir. */
export function databaseTargetOf(config: Config): DatabaseTarget {
  return config.databaseUrl !== null
    ? { kind: 'postgres', url: config.databaseUrl, schema: config.databaseSchema }
    : { kind: 'pglite', directory: path.join(config.dataDir, 'pglite'), schema: config.databaseSchema };
}

/** The operator token: configured, else read from (or generated into) the data directory, owner-only. */
export async function resolveAdminToken(config: Config): Promise<string> {
  if (config.adminToken !== null) return config.adminToken;
  const file = path.join(config.dataDir, 'admin-token');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const token = `bradm_${randomBytes(32).toString('base64url')}`;
  await writeFile(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  return token;
}

export function makeLogger(config: Config): Logger {
  return pino({
    level: config.logLevel,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.api_key', '*.secret', '*.password'], censor: '[redacted]' },
  });
}

/** Starts the server in the given role: `all` (API and workers), `api` or `worker`. */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const role = options.role ?? 'all';
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? makeLogger(config);
  const target = options.databaseTarget ?? databaseTargetOf(config);
  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    // A bad catalog stops the start before anything is opened or locked.
    const catalog = await loadCatalog(config.catalogFile);
    // A real provider's lanes are on when its credentials (or, for an OpenAI-compatible endpoint, its URL) are configured.
    const lanes = enabledLanes(catalog, { sandbox: config.sandbox, configuredProviders: configuredProviders(catalog, config) });
    logger.info({ catalog: config.catalogFile, models: catalog.models.length, enabled_lanes: lanes.map((lane) => lane.id) }, 'catalog loaded');
    let lock: DataDirectoryLock | null = null;
    if (target.kind === 'pglite' && target.directory !== null) {
      lock = await lockDataDirectory(path.dirname(target.directory));
      cleanups.push(() => lock?.release() ?? Promise.resolve());
    }
    const database = await openDatabase(target);
    cleanups.push(() => database.close());
    const applied = await migrate(database);
    if (applied.length > 0) logger.info({ applied }, 'database migrated');
    const caches = makeCaches();
    let invalidation = makeLocalInvalidation(caches);
    if (target.kind === 'postgres') {
      const shared = await startPostgresInvalidation(database, target.url, caches, logger);
      cleanups.push(() => shared.stop());
      invalidation = shared;
    }
    const queue: Queue = await startQueue(database, config, logger, { work: role !== 'api' });
    cleanups.push(() => queue.stop());
    let tokens: TokenCounter = inlineTokenCounter;
    if (role !== 'worker' && config.tokenizerThreads > 0) {
      const pool = startTokenizerPool(config.tokenizerThreads);
      cleanups.push(() => pool.close());
      tokens = pool;
    }
    const ctx: WorkerContext = {
      db: database.db,
      clock,
      environment: config.environment,
      caches,
      invalidation,
      catalog,
      lanes,
      tokens,
      health: makeLaneHealthSource(database.db, clock),
      jobs: queue.jobs,
      runtimeLanes: makeRuntimeLanes(catalog, lanes, config, { db: database.db, clock }),
      logger,
    };
    if (role !== 'api') await queue.startWorkers(ctx);
    if (role === 'worker') {
      logger.info({ role }, 'worker started');
      return { url: '', app: null, database, config, ctx, stop };
    }
    const signingSecret = await loadSigningSecret(database.db, clock.now());
    const app = await makeApp({ ctx, config, signingSecret, adminToken: await resolveAdminToken(config), logger });
    cleanups.push(() => app.close());
    const address = await app.listen({ port: config.port, host: config.host });
    const url = address.replace('://0.0.0.0', '://127.0.0.1').replace('://[::]', '://[::1]');
    logger.info({ url, role, environment: config.environment, database: target.kind }, `BatchRouter listening on ${url}`);
    return { url, app, database, config, ctx, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
