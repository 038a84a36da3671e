/** Revocation, expiry (with an injected clock), legacy keys, last use. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeSecret, hashSecret } from '../../src/domain/api-key-secrets.ts';
import { ADMIN_TOKEN, createKey, errorCode, registerOrg, startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.stop());

const HOUR = 3600_000;

describe('revocation', () => {
  it('a revoked key gets 401 api_key_revoked on the very next request', async () => {
    const org = await registerOrg(server);
    const worker = await createKey(server, org.key, { name: 'worker' });
    expect((await server.request('GET', '/v1/auth/account', { key: worker.key })).status).toBe(200);
    expect((await server.request('POST', `/v1/auth/account/api-keys/${worker.keyId}/revoke`, { key: org.key })).status).toBe(200);
    const after = await server.request('GET', '/v1/auth/account', { key: worker.key });
    expect(after.status).toBe(401);
    expect(errorCode(after)).toBe('api_key_revoked');
  });

  it('revoking twice changes nothing and answers the same revoked_at', async () => {
    const org = await registerOrg(server);
    const worker = await createKey(server, org.key);
    const first = await server.request('POST', `/v1/auth/account/api-keys/${worker.keyId}/revoke`, { key: org.key });
    server.clock.advance(5000);
    const second = await server.request('POST', `/v1/auth/account/api-keys/${worker.keyId}/revoke`, { key: org.key });
    expect(second.status).toBe(200);
    expect(second.body['revoked_at']).toBe(first.body['revoked_at']);
  });

  it('a key can revoke itself, and then is refused', async () => {
    const org = await registerOrg(server);
    expect((await server.request('POST', `/v1/auth/account/api-keys/${org.keyId}/revoke`, { key: org.key })).status).toBe(200);
    expect(errorCode(await server.request('GET', '/v1/auth/account', { key: org.key }))).toBe('api_key_revoked');
  });

  it('revocation is written to the audit log with the acting key and address', async () => {
    const org = await registerOrg(server);
    const worker = await createKey(server, org.key);
    await server.request('POST', `/v1/auth/account/api-keys/${worker.keyId}/revoke`, { key: org.key, headers: { 'user-agent': 'audit-test' } });
    const events = await server.server.database.db.selectFrom('audit_events').selectAll().where('target_id', '=', worker.keyId).execute();
    expect(events.map((e) => e.action).sort()).toEqual(['api_key.created', 'api_key.revoked']);
    const revoked = events.find((e) => e.action === 'api_key.revoked');
    expect(revoked).toMatchObject({ actor_type: 'api_key', actor_id: org.keyId, org_id: org.orgId, user_agent: 'audit-test', ip: '127.0.0.1' });
  });
});

describe('expiry', () => {
  it('a key works until expires_at and gets 401 api_key_expired from that instant on', async () => {
    const org = await registerOrg(server);
    const expiresAt = new Date(server.clock.now().getTime() + 2 * HOUR);
    const temporary = await createKey(server, org.key, { expires_at: expiresAt.toISOString() });
    server.clock.set(new Date(expiresAt.getTime() - 1));
    expect((await server.request('GET', '/v1/auth/account', { key: temporary.key })).status).toBe(200);
    server.clock.set(expiresAt);
    const expired = await server.request('GET', '/v1/auth/account', { key: temporary.key });
    expect(expired.status).toBe(401);
    expect(errorCode(expired)).toBe('api_key_expired');
    expect((await server.request('GET', '/v1/auth/account', { key: org.key })).status).toBe(200);
  });
});

describe('last use', () => {
  it('records when a key was last used, at most once a minute', async () => {
    const org = await registerOrg(server);
    const lastUsed = async () => {
      const list = await server.request<{ data: { api_key_id: string; last_used_at: string | null }[] }>('GET', '/v1/auth/account/api-keys', { key: org.key });
      return list.body.data.find((k) => k.api_key_id === org.keyId)?.last_used_at;
    };
    const first = await lastUsed();
    expect(first).toEqual(expect.any(String));
    server.clock.advance(30_000);
    expect(await lastUsed()).toBe(first);
    server.clock.advance(31_000);
    expect(await lastUsed()).not.toBe(first);
  });
});

describe('legacy ob_live_ keys', () => {
  const legacySecret = 'ob_live_Legacy0123456789abcdefXYZ';

  async function importLegacy(orgId: string, secret: string) {
    const { prefix, display } = describeSecret(secret);
    return server.request('POST', `/operator/v1/orgs/${orgId}/legacy-keys`, {
      key: ADMIN_TOKEN,
      body: { secret_sha256: hashSecret(secret), prefix, display, name: 'from the old platform' },
    });
  }

  it('an imported legacy key authenticates as an owner key until revoked', async () => {
    const org = await registerOrg(server, { org_name: 'Legacy Co' });
    const imported = await importLegacy(org.orgId, legacySecret);
    expect(imported.status).toBe(201);
    expect(imported.body).toMatchObject({ legacy: true, display: `ob_live_…${legacySecret.slice(-4)}` });
    const account = await server.request('GET', '/v1/auth/account', { key: legacySecret });
    expect(account.status).toBe(200);
    expect(account.body['org_id']).toBe(org.orgId);

    const revoke = await server.request('POST', `/v1/auth/account/api-keys/${String(imported.body['api_key_id'])}/revoke`, { key: org.key });
    expect(revoke.status).toBe(200);
    expect(errorCode(await server.request('GET', '/v1/auth/account', { key: legacySecret }))).toBe('api_key_revoked');
  });

  it('importing the same legacy key twice is a 409', async () => {
    const org = await registerOrg(server);
    const secret = 'ob_live_Twice0123456789abcdefghij';
    expect((await importLegacy(org.orgId, secret)).status).toBe(201);
    const again = await importLegacy(org.orgId, secret);
    expect(again.status).toBe(409);
    expect(errorCode(again)).toBe('legacy_key_exists');
  });

  it('an ob_live_ key that was never imported gets 401 api_key_invalid', async () => {
    const response = await server.request('GET', '/v1/auth/account', { key: 'ob_live_NeverImported0123456789' });
    expect(response.status).toBe(401);
    expect(errorCode(response)).toBe('api_key_invalid');
  });

  it('new keys never get the legacy prefix', async () => {
    const org = await registerOrg(server);
    for (let i = 0; i < 5; i++) expect((await createKey(server, org.key)).key.startsWith('br_live_')).toBe(true);
  });
});

describe('the operator API', () => {
  it('refuses requests without the admin token, or with an API key instead', async () => {
    const org = await registerOrg(server);
    const missing = await server.request('POST', `/operator/v1/orgs/${org.orgId}/credits`, { body: { amount: '1', reason: 'x' } });
    expect(missing.status).toBe(401);
    expect(errorCode(missing)).toBe('admin_token_required');
    const wrong = await server.request('POST', `/operator/v1/orgs/${org.orgId}/credits`, { key: org.key, body: { amount: '1', reason: 'x' } });
    expect(wrong.status).toBe(401);
    expect(errorCode(wrong)).toBe('admin_token_invalid');
  });
});
