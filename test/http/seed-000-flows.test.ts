/** Seed 000, "Authentication & API keys", example by example. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, errorCode, registerOrg, startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.stop());

describe('agent-register (seed 000)', () => {
  it('creates an org and a br_live_ key in one unauthenticated call, shown once', async () => {
    const response = await server.request('POST', '/v1/auth/agent-register', { body: { org_name: 'Acme Batch Jobs', agent_name: 'ingest-pipeline' } });
    expect(response.status).toBe(201);
    expect(Object.keys(response.body).sort()).toEqual(['api_key', 'api_key_id', 'org_id']);
    expect(response.body['org_id']).toMatch(/^org_[0-9A-Za-z]{22}$/);
    expect(response.body['api_key']).toMatch(/^br_live_[0-9A-Za-z]{38}$/);
    expect(response.body['api_key_id']).toMatch(/^key_[0-9A-Za-z]{22}$/);
  });

  it('needs no body at all: every field is optional', async () => {
    const response = await server.request('POST', '/v1/auth/agent-register');
    expect(response.status).toBe(201);
    const account = await server.request('GET', '/v1/auth/account', { key: String(response.body['api_key']) });
    expect(account.body['display_name']).toBe('Agent workspace');
  });
});

describe('GET /v1/auth/account (seed 000)', () => {
  it('returns the org, the free plan, the balance as usd decimal string and members', async () => {
    const org = await registerOrg(server, { org_name: 'Acme Batch Jobs' });
    const response = await server.request('GET', '/v1/auth/account', { key: org.key });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      org_id: org.orgId,
      display_name: 'Acme Batch Jobs',
      plan: 'free',
      credit_balance: { currency: 'usd', amount: '0.00' },
      members: [],
    });
  });

  it('lists members with their roles', async () => {
    const org = await registerOrg(server);
    const db = server.server.database.db;
    const at = server.clock.now();
    await db.insertInto('users').values([
      { id: 'usr_owner1', email: 'owner@example.com', created_at: at },
      { id: 'usr_member1', email: 'member@example.com', created_at: new Date(at.getTime() + 1000) },
    ]).execute();
    await db.insertInto('memberships').values([
      { org_id: org.orgId, user_id: 'usr_owner1', role: 'owner', created_at: at },
      { org_id: org.orgId, user_id: 'usr_member1', role: 'member', created_at: new Date(at.getTime() + 1000) },
    ]).execute();
    const response = await server.request<{ members: { user_id: string; email: string; role: string }[] }>('GET', '/v1/auth/account', { key: org.key });
    expect(response.body.members.map(({ user_id, email, role }) => ({ user_id, email, role }))).toEqual([
      { user_id: 'usr_owner1', email: 'owner@example.com', role: 'owner' },
      { user_id: 'usr_member1', email: 'member@example.com', role: 'member' },
    ]);
  });
});

describe('creating keys (seed 000)', () => {
  it('returns the secret once with the seed fields, and lists only masked metadata', async () => {
    const org = await registerOrg(server);
    const response = await server.request('POST', '/v1/auth/account/api-keys', {
      key: org.key,
      body: { name: 'production-worker', expires_at: '2099-01-01T00:00:00Z' },
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ name: 'production-worker', expires_at: '2099-01-01T00:00:00Z' });
    const secret = String(response.body['api_key']);
    expect(secret).toMatch(/^br_live_/);
    expect(response.body['api_key_id']).toMatch(/^key_/);

    const list = await server.request<{ data: Record<string, unknown>[] }>('GET', '/v1/auth/account/api-keys', { key: org.key });
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain(secret);
    const listed = list.body.data.find((k) => k['api_key_id'] === response.body['api_key_id']);
    expect(listed).toMatchObject({ name: 'production-worker', display: `br_live_…${secret.slice(-4)}`, prefix: secret.slice(0, 12), revoked_at: null });
  });

  it('accepts label as another name for name, and no body at all', async () => {
    const org = await registerOrg(server);
    const labelled = await server.request('POST', '/v1/auth/account/api-keys', { key: org.key, body: { label: 'nightly' } });
    expect(labelled.body['name']).toBe('nightly');
    const bare = await server.request('POST', '/v1/auth/account/api-keys', { key: org.key });
    expect(bare.status).toBe(201);
    expect(bare.body['expires_at']).toBeNull();
  });

  it('stores the secret only as a SHA-256 hash, a prefix and a masked display', async () => {
    const org = await registerOrg(server);
    const created = await createKey(server, org.key, { name: 'stored' });
    const row = await server.server.database.db.selectFrom('api_keys').selectAll().where('id', '=', created.keyId).executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(created.key);
    expect(row.secret_hash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('rotation (seed 000)', () => {
  it('create the replacement, switch, revoke the old key: the old key gets 401 at once, the new one keeps working', async () => {
    const org = await registerOrg(server);
    const replacement = await createKey(server, org.key, { name: 'replacement' });
    expect((await server.request('GET', '/v1/auth/account', { key: replacement.key })).status).toBe(200);
    const revoke = await server.request('POST', `/v1/auth/account/api-keys/${org.keyId}/revoke`, { key: replacement.key });
    expect(revoke.status).toBe(200);
    expect(revoke.body['revoked_at']).toEqual(expect.any(String));
    const old = await server.request('GET', '/v1/auth/account', { key: org.key });
    expect(old.status).toBe(401);
    expect(errorCode(old)).toBe('api_key_revoked');
    expect((await server.request('GET', '/v1/auth/account', { key: replacement.key })).status).toBe(200);
  });
});

describe('missing key (seed 001)', () => {
  it('answers 401 api_key_required with the structured body and a request id', async () => {
    const response = await server.request('GET', '/v1/auth/account');
    expect(response.status).toBe(401);
    expect(errorCode(response)).toBe('api_key_required');
    expect(response.body['error']).toMatchObject({ message: 'Supply a BatchRouter API key using Authorization: Bearer <key>.' });
  });
});
