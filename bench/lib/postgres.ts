/**
 * Scratch databases on the local PostgreSQL (127.0.0.1:5432, user postgres, trust auth), for
 * benchmarking the PostgreSQL shape: one fresh database per run, dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const POSTGRES_SERVER = 'postgres://postgres@127.0.0.1:5432';
const CONNECT_TIMEOUT_MS = 3_000;

async function withMaintenanceClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: `${POSTGRES_SERVER}/postgres`, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Null when PostgreSQL answers; otherwise why it does not. */
export async function postgresUnavailableReason(): Promise<string | null> {
  try {
    await withMaintenanceClient((client) => client.query('select 1'));
    return null;
  } catch (error) {
    // A refused connection is an AggregateError with an empty message; its code says more.
    const code = (error as NodeJS.ErrnoException).code;
    return error instanceof Error && error.message !== '' ? error.message : (code ?? String(error));
  }
}

/** Runs `fn` with the URL of a fresh database, which is dropped afterwards whatever happens. */
export async function withScratchDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const name = `br_bench_${randomBytes(6).toString('hex')}`;
  await withMaintenanceClient((client) => client.query(`create database ${name}`));
  try {
    return await fn(`${POSTGRES_SERVER}/${name}`);
  } finally {
    // `with (force)` ends the connections a crashed or slow-to-stop server may have left behind.
    await withMaintenanceClient((client) => client.query(`drop database if exists ${name} with (force)`));
  }
}
