/**
 * Crash safety on PostgreSQL: a worker killed with -9 in the middle of a batch loses nothing. The
 * job it held is retried by another worker once its heartbeats stop; every item ends with exactly
 * one result and the org is charged once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { dropSchemas, freshSchemaName, TEST_DATABASE_URL } from '../helpers/server.ts';
import { startServerProcess, type ServerProcess } from '../helpers/process.ts';

const ITEMS = 1_500;

describe.skipIf(TEST_DATABASE_URL === null)('a worker killed mid-batch', () => {
  const schema = freshSchemaName();
  const env = {
    DATABASE_URL: TEST_DATABASE_URL ?? '',
    BATCHROUTER_DATABASE_SCHEMA: schema,
    BATCHROUTER_ADMIN_TOKEN: 'crash-admin-token-0123456789abcdef',
    BATCHROUTER_STARTER_CREDITS_USD: '100',
    // Sync sandbox calls of ~40 ms, 32 at a time: the batch runs for a few seconds.
    BATCHROUTER_SANDBOX_LATENCY_MS: '40',
    BATCHROUTER_SANDBOX_LATENCY_P99_MS: '80',
  };
  let api: ServerProcess;
  let firstWorker: ServerProcess;
  let secondWorker: ServerProcess | null = null;
  let database: Database;

  beforeAll(async () => {
    api = await startServerProcess(env, ['--role', 'api']);
    firstWorker = await startServerProcess(env, ['--role', 'worker']);
    database = await openDatabase({ kind: 'postgres', url: TEST_DATABASE_URL ?? '', schema, poolSize: 2 });
  });

  afterAll(async () => {
    await Promise.all([api?.stop(), firstWorker?.stop(), secondWorker?.stop()]);
    await database?.close();
    if (TEST_DATABASE_URL !== null) await dropSchemas(TEST_DATABASE_URL, schema);
  });

  async function call(method: string, route: string, key: string, body?: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(`${api.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('completes on the next worker with one result per item, charged once', async () => {
    const registered = await fetch(`${api.url}/v1/auth/agent-register`, { method: 'POST' });
    const { api_key: key, org_id: orgId } = (await registered.json()) as { api_key: string; org_id: string };
    const manifest = {
      // zero_retention keeps the items off batch lanes: they run as sync calls on the worker.
      privacy_tier: 'zero_retention',
      routing_mode: 'cheapest',
      items: Array.from({ length: ITEMS }, (_, i) => ({ customer_item_id: `c-${i}`, operation: 'responses', model: 'gpt-5.4-mini', input: { input: `item ${i}` } })),
    };
    const submitted = await call('POST', '/v1/batches', key, manifest, { 'idempotency-key': 'crash-safety-0001' });
    expect(submitted.status).toBe(201);
    const batchId = String(submitted.body['id']);

    const finished = async () =>
      Number((await sql<{ n: number }>`select count(*)::int as n from batch_items where batch_id = ${batchId} and result_sequence is not null`.execute(database.db)).rows[0]?.n);
    for (let done = await finished(); done < ITEMS / 10; done = await finished()) await new Promise((resolve) => setTimeout(resolve, 50));
    await firstWorker.kill();
    const atKill = await finished();
    expect(atKill).toBeLessThan(ITEMS);

    secondWorker = await startServerProcess(env, ['--role', 'worker']);
    const deadline = Date.now() + 120_000;
    let status = '';
    while (Date.now() < deadline) {
      status = String((await call('GET', `/v1/batches/${batchId}`, key)).body['status']);
      if (status === 'completed') break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(status).toBe('completed');

    const rows = await sql<{ results: number; distinct_items: number; succeeded: number }>`
      select count(*)::int as results, count(distinct item_index)::int as distinct_items,
             count(*) filter (where status = 'succeeded')::int as succeeded
      from batch_items where batch_id = ${batchId} and result_sequence is not null`.execute(database.db);
    expect(rows.rows[0]).toEqual({ results: ITEMS, distinct_items: ITEMS, succeeded: ITEMS });

    const ledger = await sql<{ entry_type: string; n: number }>`
      select entry_type, count(*)::int as n from credit_ledger where org_id = ${orgId} group by entry_type order by entry_type`.execute(database.db);
    expect(ledger.rows).toEqual([
      { entry_type: 'capture', n: 1 },
      { entry_type: 'grant', n: 1 },
      { entry_type: 'release', n: 1 },
      { entry_type: 'reservation', n: 1 },
    ]);
    const money = await sql<{ balance: number; ledger: string }>`
      select o.credit_balance_micros as balance, (select sum(amount_micros)::text from credit_ledger where org_id = o.id) as ledger
      from orgs o where o.id = ${orgId}`.execute(database.db);
    expect(String(money.rows[0]?.balance)).toBe(money.rows[0]?.ledger);
  }, 180_000);
});
