/**
 * A migrated database for a test file that needs no server: PGlite in memory or, when
 * TEST_DATABASE_URL is set, a fresh schema on that PostgreSQL, dropped on close.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';

export interface TestDatabase {
  database: Database;
  close(): Promise<void>;
}

export async function openTestDatabase(): Promise<TestDatabase> {
  const url = process.env['TEST_DATABASE_URL'] ?? null;
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const database = await openDatabase(url !== null ? { kind: 'postgres', url, schema } : { kind: 'pglite', directory: null, schema });
  await migrate(database);
  return {
    database,
    close: async () => {
      await database.close();
      if (url === null) return;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await client.end();
      }
    },
  };
}
