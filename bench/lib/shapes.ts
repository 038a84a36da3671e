/**
 * The two database shapes every benchmark runs on: the embedded PGlite database and, when it
 * answers at 127.0.0.1:5432, PostgreSQL (a scratch database per shape, dropped afterwards).
 */
import { POSTGRES_SERVER, postgresUnavailableReason, withScratchDatabase } from './postgres.ts';

export interface DatabaseShape {
  key: 'pglite' | 'postgres';
  title: 'PGlite' | 'PostgreSQL';
  /** The scratch database's URL on PostgreSQL; null on PGlite (the server's data directory holds it). */
  databaseUrl: string | null;
  /** What a server of this shape needs in its environment (DATABASE_URL on PostgreSQL). */
  serverEnv: Record<string, string>;
}

/**
 * Runs `fn` on PGlite, then on PostgreSQL when it is reachable (saying so on stdout when it is
 * not), and returns the figures by shape key.
 */
export async function forEachShape<F>(fn: (shape: DatabaseShape) => Promise<F>): Promise<Partial<Record<DatabaseShape['key'], F>>> {
  const figures: Partial<Record<DatabaseShape['key'], F>> = {};
  figures.pglite = await fn({ key: 'pglite', title: 'PGlite', databaseUrl: null, serverEnv: {} });
  const unavailable = await postgresUnavailableReason();
  if (unavailable !== null) {
    console.log(`PostgreSQL: not reachable at ${POSTGRES_SERVER} (${unavailable}); PGlite only`);
    return figures;
  }
  figures.postgres = await withScratchDatabase((url) => fn({ key: 'postgres', title: 'PostgreSQL', databaseUrl: url, serverEnv: { DATABASE_URL: url } }));
  return figures;
}
