/**
 * Applies the numbered SQL files in ./migrations, in order, each once, on PostgreSQL and PGlite
 * alike. Each file runs with its bookkeeping row as one transaction behind an advisory lock, so
 * processes starting together on one PostgreSQL apply every migration exactly once.
 */
import { readdir, readFile } from 'node:fs/promises';
import type { Database } from './database.ts';

const MIGRATIONS_DIRECTORY = new URL('./migrations/', import.meta.url);
const MIGRATION_LOCK = 7_243_001;

export interface Migration {
  version: number;
  name: string;
  sqlText: string;
}

/** Lists the migration files, checking that versions are unique and contiguous from 1. */
export async function listMigrations(): Promise<Migration[]> {
  const files = (await readdir(MIGRATIONS_DIRECTORY)).filter((file) => file.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!match?.[1] || !match[2]) throw new Error(`migration file ${file} is not named NNNN_name.sql`);
    const version = Number(match[1]);
    if (version !== migrations.length + 1) throw new Error(`migration ${file} breaks the sequence: expected version ${migrations.length + 1}`);
    migrations.push({ version, name: match[2], sqlText: await readFile(new URL(file, MIGRATIONS_DIRECTORY), 'utf8') });
  }
  return migrations;
}

async function appliedVersions(database: Database): Promise<Set<number>> {
  const rows = await database.db.selectFrom('schema_migrations').select('version').execute();
  return new Set(rows.map((row) => row.version));
}

function escapeLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Brings the schema up to date; returns the versions this call applied. */
export async function migrate(database: Database): Promise<number[]> {
  await database.executeScript(
    `select pg_advisory_xact_lock(${MIGRATION_LOCK});
     create table if not exists schema_migrations (
       version integer primary key, name text not null, applied_at timestamptz not null);`,
  );
  const applied: number[] = [];
  for (const migration of await listMigrations()) {
    if ((await appliedVersions(database)).has(migration.version)) continue;
    try {
      // One simple-protocol script is one implicit transaction: the lock, the DDL and the row.
      await database.executeScript(
        `select pg_advisory_xact_lock(${MIGRATION_LOCK});
         ${migration.sqlText}
         ;insert into schema_migrations (version, name, applied_at)
          values (${migration.version}, ${escapeLiteral(migration.name)}, now());`,
      );
      applied.push(migration.version);
    } catch (error) {
      // Another process applied it while this one waited for the lock: its DDL failed here and
      // rolled back whole. Anything else is a real failure.
      if (!(await appliedVersions(database)).has(migration.version)) throw error;
    }
  }
  return applied;
}

