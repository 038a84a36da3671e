/**
 * The scaled shape: several processes on one PostgreSQL. Nothing that another process needs lives
 * only in memory: each process caches keys and accounts, and a change through one process is seen
 * by every other on its next request (revocations, credits); rate limits are shared.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropSchemas, freshSchemaName, TEST_DATABASE_URL } from '../helpers/server.ts';
import { startServerProcess, type ServerProcess } from '../helpers/process.ts';

describe.skipIf(TEST_DATABASE_URL === null)('two API processes and a worker on one PostgreSQL', () => {
  const schema = freshSchemaName();
  const env = {
    DATABASE_URL: TEST_DATABASE_URL ?? '',
    BATCHROUTER_DATABASE_SCHEMA: schema,
    BATCHROUTER_ADMIN_TOKEN: 'processes-admin-token-0123456789',
    BATCHROUTER_AGENT_REGISTER_PER_HOUR: '6',
    BATCHROUTER_STARTER_CREDITS_USD: '0',
  };
  let a: ServerProcess;
  let b: ServerProcess;
  let worker: ServerProcess | null = null;

  beforeAll(async () => {
    // Started together, so both race to migrate the empty schema: each migration must apply once.
    [a, b] = await Promise.all([startServerProcess(env, ['--role', 'api']), startServerProcess(env, ['--role', 'api'])]);
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), worker?.stop()]);
    if (TEST_DATABASE_URL !== null) await dropSchemas(TEST_DATABASE_URL, schema);
  });

  async function call(server: ServerProcess, method: string, route: string, key?: string) {
    const response = await fetch(`${server.url}${route}`, { method, headers: key ? { authorization: `Bearer ${key}` } : {} });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> & { error?: { code: string } } };
  }

  it('a key made through one process works on the other', async () => {
    const registered = await call(a, 'POST', '/v1/auth/agent-register');
    expect(registered.status).toBe(201);
    expect((await call(b, 'GET', '/v1/auth/account', String(registered.body['api_key']))).status).toBe(200);
  });

  it('a key revoked through one process gets 401 from the other on the very next request', async () => {
    const registered = await call(a, 'POST', '/v1/auth/agent-register');
    const key = String(registered.body['api_key']);
    expect((await call(b, 'GET', '/v1/auth/account', key)).status).toBe(200);
    const revoke = await call(a, 'POST', `/v1/auth/account/api-keys/${String(registered.body['api_key_id'])}/revoke`, key);
    expect(revoke.status).toBe(200);
    const after = await call(b, 'GET', '/v1/auth/account', key);
    expect(after.status).toBe(401);
    expect(after.body.error?.code).toBe('api_key_revoked');
  });

  it('a key cached by both processes is refused by both, every time, once revoked through one', async () => {
    const registered = await call(a, 'POST', '/v1/auth/agent-register');
    const key = String(registered.body['api_key']);
    for (let i = 0; i < 5; i++) {
      expect((await call(a, 'GET', '/v1/auth/account', key)).status).toBe(200);
      expect((await call(b, 'GET', '/v1/auth/account', key)).status).toBe(200);
    }
    await call(b, 'POST', `/v1/auth/account/api-keys/${String(registered.body['api_key_id'])}/revoke`, key);
    for (let i = 0; i < 5; i++) {
      expect((await call(a, 'GET', '/v1/auth/account', key)).status).toBe(401);
      expect((await call(b, 'GET', '/v1/auth/account', key)).status).toBe(401);
    }
  });

  it('credits granted through one process show on the other at once', async () => {
    const registered = await call(a, 'POST', '/v1/auth/agent-register');
    const key = String(registered.body['api_key']);
    expect((await call(b, 'GET', '/v1/auth/account', key)).body['credit_balance']).toEqual({ currency: 'usd', amount: '0.00' });
    const grant = await fetch(`${a.url}/operator/v1/orgs/${String(registered.body['org_id'])}/credits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.BATCHROUTER_ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ amount: '12.50', reason: 'cross-process' }),
    });
    expect(grant.status).toBe(201);
    expect((await call(b, 'GET', '/v1/auth/account', key)).body['credit_balance']).toEqual({ currency: 'usd', amount: '12.50' });
  });

  it('a process that died without a word does not hold up revocations for good', async () => {
    const doomed = await startServerProcess(env, ['--role', 'api']);
    await doomed.kill();
    const registered = await call(a, 'POST', '/v1/auth/agent-register');
    const revoke = await call(a, 'POST', `/v1/auth/account/api-keys/${String(registered.body['api_key_id'])}/revoke`, String(registered.body['api_key']));
    expect(revoke.status).toBe(200);
    expect((await call(b, 'GET', '/v1/auth/account', String(registered.body['api_key']))).status).toBe(401);
  });

  it('the agent-register limit is shared by every process', async () => {
    // The registrations above used 5 of one address's allowance of 6; one more passes, then none, anywhere.
    expect((await call(b, 'POST', '/v1/auth/agent-register')).status).toBe(201);
    expect((await call(a, 'POST', '/v1/auth/agent-register')).status).toBe(429);
    expect((await call(b, 'POST', '/v1/auth/agent-register')).status).toBe(429);
  });

  it('a worker process starts beside them on the same database', async () => {
    worker = await startServerProcess(env, ['--role', 'worker']);
    expect(worker.child.exitCode).toBeNull();
  });
});
