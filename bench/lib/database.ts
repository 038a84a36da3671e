/**
 * Databases opened in the benchmark process, through the project's own `openDatabase` and
 * `migrate`, for the baselines and in-process figures that run beside a server: the server's own
 * database once it has stopped, or a fresh migrated one of the same kind. Also the domain context
 * the project's domain functions run with.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { systemClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config.ts';
import { lockDataDirectory } from '../../src/db/data-dir-lock.ts';
import { openDatabase, type Database, type DatabaseTarget } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { SCOPES } from '../../src/domain/access.ts';
import { registerAgent } from '../../src/domain/accounts.ts';
import { makeCaches, makeLocalInvalidation } from '../../src/domain/cache.ts';
import { enabledLanes } from '../../src/domain/catalog-lanes.ts';
import { loadCatalog } from '../../src/domain/catalog-loader.ts';
import type { Principal } from '../../src/domain/context.ts';
import type { Manifest } from '../../src/domain/manifest.ts';
import { catalogPrices, checkOrThrow, measuresOf, routeOrThrow, type RoutingContext } from '../../src/domain/quotes.ts';
import type { RoutingPlan } from '../../src/domain/routing.ts';
import { makeLaneHealthSource } from '../../src/domain/lane-health.ts';
import { inlineMeasurer, type ItemMeasurer } from '../../src/domain/measure-items.ts';
import type { DatabaseShape } from './shapes.ts';
import type { ServerProcess } from './server-process.ts';

/** The schema a benchmark server keeps its tables in (the default: the harness sets no BATCHROUTER_DATABASE_SCHEMA). */
const SERVER_SCHEMA = loadConfig({}).databaseSchema;

/**
 * Runs `fn` on the database a benchmark server used, opened in this process. On PGlite only one
 * process may open it: the server must have stopped, and its data-directory lock is taken here.
 */
export async function withServerDatabase<T>(shape: DatabaseShape, server: ServerProcess, fn: (database: Database) => Promise<T>): Promise<T> {
  const lock = shape.databaseUrl === null ? await lockDataDirectory(server.dataDir) : null;
  try {
    const database = await openDatabase(
      shape.databaseUrl === null
        ? { kind: 'pglite', directory: path.join(server.dataDir, 'pglite'), schema: SERVER_SCHEMA }
        : { kind: 'postgres', url: shape.databaseUrl, schema: SERVER_SCHEMA },
    );
    try {
      return await fn(database);
    } finally {
      await database.close();
    }
  } finally {
    await lock?.release();
  }
}

async function withMigratedDatabase<T>(target: DatabaseTarget, fn: (database: Database) => Promise<T>): Promise<T> {
  const database = await openDatabase(target);
  try {
    await migrate(database);
    return await fn(database);
  } finally {
    await database.close();
  }
}

/**
 * Runs `fn` on a fresh, migrated database of the shape's kind: PGlite in a temporary directory,
 * or a schema of its own in the shape's PostgreSQL scratch database. Removed afterwards.
 */
export async function withFreshDatabase<T>(shape: DatabaseShape, fn: (database: Database) => Promise<T>): Promise<T> {
  if (shape.databaseUrl !== null) {
    return withMigratedDatabase({ kind: 'postgres', url: shape.databaseUrl, schema: `bench_${randomBytes(4).toString('hex')}` }, fn);
  }
  const directory = await mkdtemp(path.join(tmpdir(), 'br-bench-db-'));
  try {
    return await withMigratedDatabase({ kind: 'pglite', directory: path.join(directory, 'pglite'), schema: SERVER_SCHEMA }, fn);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/**
 * What the domain's routing functions run with, on `database`, with the shipped catalog and the
 * sandbox lanes; items measured by `measurer` (in this thread unless a pool is given).
 */
export async function routingContextOf(database: Database, measurer: ItemMeasurer = inlineMeasurer): Promise<RoutingContext> {
  const config = loadConfig({});
  const catalog = await loadCatalog(config.catalogFile);
  const caches = makeCaches();
  return {
    db: database.db,
    clock: systemClock,
    environment: config.environment,
    caches,
    invalidation: makeLocalInvalidation(caches),
    catalog,
    lanes: enabledLanes(catalog, { sandbox: true, configuredProviders: new Set() }),
    measurer,
    health: makeLaneHealthSource(database.db, systemClock),
  };
}

/** Checks and routes a manifest at catalog prices, as quote and submit do (without their hashes). */
export async function routeManifest(ctx: RoutingContext, manifest: Manifest): Promise<RoutingPlan> {
  const checked = checkOrThrow(ctx, manifest);
  return routeOrThrow(ctx, checked, measuresOf(await ctx.measurer.measure(manifest.items, false)), catalogPrices);
}

/** A new org with an owner key, registered through the domain, as the principal acting for it. */
export async function registerPrincipal(ctx: RoutingContext): Promise<Principal> {
  const policy = { enabled: true, perAddressPerHour: 1_000, starterCreditsMicros: 0 };
  const registered = await registerAgent(ctx, policy, {}, { ip: null, userAgent: null });
  return { orgId: registered.org_id, actor: { type: 'api_key', id: registered.api_key_id }, role: 'owner', scopes: SCOPES, expiresAt: null };
}
