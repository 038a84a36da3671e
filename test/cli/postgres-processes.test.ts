/**
 * The scaled shape: several processes on one PostgreSQL. Nothing that another process needs lives
 * in memory: a revocation through one API process is refused by the other on its next request,
 * and rate limits are shared.
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
    BATCHROUTER_AGENT_REGISTER_PER_HOUR: '3',
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

  it('the agent-register limit is shared by every process', async () => {
    // Two registrations above used one address's allowance of 3; one more passes, then none, anywhere.
    expect((await call(b, 'POST', '/v1/auth/agent-register')).status).toBe(201);
    expect((await call(a, 'POST', '/v1/auth/agent-register')).status).toBe(429);
    expect((await call(b, 'POST', '/v1/auth/agent-register')).status).toBe(429);
  });

  it('a worker process starts beside them on the same database', async () => {
    worker = await startServerProcess(env, ['--role', 'worker']);
    expect(worker.child.exitCode).toBeNull();
  });
});
