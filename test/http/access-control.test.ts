/** Scopes, roles and tenant isolation: who may call what, and what a key may grant. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLE_SCOPES, ROLES, SCOPES, type Scope } from '../../src/domain/access.ts';
import { createKey, errorCode, registerOrg, startTestServer, type Registered, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let owner: Registered;
beforeAll(async () => {
  server = await startTestServer();
  owner = await registerOrg(server, { org_name: 'Matrix' });
});
afterAll(async () => server?.stop());

/**
 * Every scope-protected account, webhook and usage endpoint, with a call that succeeds (or 404s
 * with `notFound` on a made-up id or a missing endpoint) once authorised.
 */
const ENDPOINTS: { scope: Scope; method: string; route: string; body?: unknown; notFound?: string }[] = [
  { scope: 'account:read', method: 'GET', route: '/v1/auth/account' },
  { scope: 'account:read', method: 'GET', route: '/v1/auth/account/api-keys' },
  { scope: 'account:read', method: 'GET', route: '/v1/auth/account/members' },
  { scope: 'keys:write', method: 'POST', route: '/v1/auth/account/api-keys', body: { name: 'made-by-matrix' } },
  { scope: 'keys:write', method: 'POST', route: '/v1/auth/account/api-keys/key_doesnotexist000000000/revoke', notFound: 'api_key_not_found' },
  { scope: 'webhooks:read', method: 'GET', route: '/v1/auth/account/delivery-webhook', notFound: 'webhook_not_found' },
  { scope: 'webhooks:read', method: 'GET', route: '/v1/webhooks/deliveries' },
  { scope: 'webhooks:read', method: 'GET', route: '/v1/webhooks/deliveries/whdel_doesnotexist0000000', notFound: 'webhook_delivery_not_found' },
  { scope: 'webhooks:write', method: 'POST', route: '/v1/auth/account/delivery-webhook/rotate-secret', notFound: 'webhook_not_found' },
  { scope: 'webhooks:write', method: 'POST', route: '/v1/auth/account/delivery-webhook/test', notFound: 'webhook_not_found' },
  { scope: 'webhooks:write', method: 'DELETE', route: '/v1/auth/account/delivery-webhook', notFound: 'webhook_not_found' },
  { scope: 'webhooks:write', method: 'POST', route: '/v1/webhooks/deliveries/whdel_doesnotexist0000000/redeliver', notFound: 'webhook_delivery_not_found' },
  { scope: 'usage:read', method: 'GET', route: '/v1/usage' },
  { scope: 'account:read', method: 'GET', route: '/v1/billing' },
  { scope: 'account:read', method: 'GET', route: '/v1/billing/ledger' },
  { scope: 'account:read', method: 'GET', route: '/v1/billing/reservations' },
  { scope: 'account:read', method: 'GET', route: '/v1/auth/account/activity?mine=true' },
];

describe('the scope × role matrix', () => {
  for (const role of ROLES) {
    for (const held of ROLE_SCOPES[role]) {
      it(`a ${role} key holding only ${held} reaches exactly the endpoints that need ${held}`, async () => {
        const key = await createKey(server, owner.key, { role, scopes: [held], name: `${role}-${held}` });
        for (const endpoint of ENDPOINTS) {
          const response = await server.request(endpoint.method, endpoint.route, { key: key.key, body: endpoint.body });
          if (endpoint.scope === held) {
            expect([200, 201, 404], `${endpoint.method} ${endpoint.route}`).toContain(response.status);
            if (response.status === 404) expect(errorCode(response), `${endpoint.method} ${endpoint.route}`).toBe(endpoint.notFound);
          } else {
            expect(response.status, `${endpoint.method} ${endpoint.route}`).toBe(403);
            const expected = ROLE_SCOPES[role].includes(endpoint.scope) ? 'insufficient_scope' : 'role_not_allowed';
            expect(errorCode(response)).toBe(expected);
          }
        }
      });
    }
  }

  it('members can never hold keys:write or webhooks:write', () => {
    expect(ROLE_SCOPES.member).not.toContain('keys:write');
    expect(ROLE_SCOPES.member).not.toContain('webhooks:write');
    expect([...ROLE_SCOPES.owner].sort()).toEqual([...SCOPES].sort());
  });

  it('a member key cannot create or revoke keys: 403 role_not_allowed (seed 002)', async () => {
    const member = await createKey(server, owner.key, { role: 'member' });
    const create = await server.request('POST', '/v1/auth/account/api-keys', { key: member.key, body: {} });
    expect(create.status).toBe(403);
    expect(errorCode(create)).toBe('role_not_allowed');
    const revoke = await server.request('POST', `/v1/auth/account/api-keys/${owner.keyId}/revoke`, { key: member.key });
    expect(revoke.status).toBe(403);
    expect(errorCode(revoke)).toBe('role_not_allowed');
  });
});

describe('a key never grants more than its creator holds', () => {
  it('an admin key cannot create an owner key', async () => {
    const admin = await createKey(server, owner.key, { role: 'admin' });
    const response = await server.request('POST', '/v1/auth/account/api-keys', { key: admin.key, body: { role: 'owner' } });
    expect(response.status).toBe(403);
    expect(errorCode(response)).toBe('grant_exceeds_creator');
  });

  it('a key cannot grant a scope it lacks', async () => {
    const narrow = await createKey(server, owner.key, { scopes: ['keys:write', 'account:read'] });
    const response = await server.request('POST', '/v1/auth/account/api-keys', { key: narrow.key, body: { scopes: ['batches:write'] } });
    expect(response.status).toBe(403);
    expect(errorCode(response)).toBe('grant_exceeds_creator');
  });

  it("a new key defaults to the creator's scopes that its role may hold", async () => {
    const narrow = await createKey(server, owner.key, { scopes: ['keys:write', 'account:read', 'batches:read'] });
    const same = await server.request<{ scopes: string[]; role: string }>('POST', '/v1/auth/account/api-keys', { key: narrow.key, body: {} });
    expect(same.body).toMatchObject({ role: 'owner', scopes: ['batches:read', 'keys:write', 'account:read'] });
    const member = await server.request<{ scopes: string[] }>('POST', '/v1/auth/account/api-keys', { key: narrow.key, body: { role: 'member' } });
    expect(member.body.scopes).toEqual(['batches:read', 'account:read']);
  });

  it('a member key cannot be given a scope members may not hold', async () => {
    const response = await server.request('POST', '/v1/auth/account/api-keys', { key: owner.key, body: { role: 'member', scopes: ['keys:write'] } });
    expect(response.status).toBe(403);
    expect(errorCode(response)).toBe('grant_exceeds_creator');
  });

  it('a key that expires cannot create a key that outlives it', async () => {
    const expiresAt = new Date(server.clock.now().getTime() + 24 * 3600_000).toISOString();
    const shortLived = await createKey(server, owner.key, { expires_at: expiresAt });
    const forever = await server.request('POST', '/v1/auth/account/api-keys', { key: shortLived.key, body: {} });
    expect(forever.status).toBe(403);
    expect(errorCode(forever)).toBe('grant_exceeds_creator');
    const later = new Date(server.clock.now().getTime() + 48 * 3600_000).toISOString();
    expect((await server.request('POST', '/v1/auth/account/api-keys', { key: shortLived.key, body: { expires_at: later } })).status).toBe(403);
    const sooner = new Date(server.clock.now().getTime() + 3600_000).toISOString();
    expect((await server.request('POST', '/v1/auth/account/api-keys', { key: shortLived.key, body: { expires_at: sooner } })).status).toBe(201);
  });

  it('an admin key cannot revoke an owner key, but can revoke admin and member keys', async () => {
    const admin = await createKey(server, owner.key, { role: 'admin' });
    const denied = await server.request('POST', `/v1/auth/account/api-keys/${owner.keyId}/revoke`, { key: admin.key });
    expect(denied.status).toBe(403);
    expect(errorCode(denied)).toBe('role_not_allowed');
    const member = await createKey(server, owner.key, { role: 'member' });
    expect((await server.request('POST', `/v1/auth/account/api-keys/${member.keyId}/revoke`, { key: admin.key })).status).toBe(200);
  });
});

describe('tenant isolation', () => {
  it("org A's key never lists org B's keys", async () => {
    const a = await registerOrg(server, { org_name: 'A' });
    const b = await registerOrg(server, { org_name: 'B' });
    const list = await server.request<{ data: { api_key_id: string }[] }>('GET', '/v1/auth/account/api-keys', { key: a.key });
    const ids = list.body.data.map((k) => k.api_key_id);
    expect(ids).toContain(a.keyId);
    expect(ids).not.toContain(b.keyId);
  });

  it("org A's key gets 404 revoking org B's key, and B's key keeps working", async () => {
    const a = await registerOrg(server);
    const b = await registerOrg(server);
    const response = await server.request('POST', `/v1/auth/account/api-keys/${b.keyId}/revoke`, { key: a.key });
    expect(response.status).toBe(404);
    expect(errorCode(response)).toBe('api_key_not_found');
    expect((await server.request('GET', '/v1/auth/account', { key: b.key })).status).toBe(200);
  });

  it('the account endpoint shows the key’s own org only', async () => {
    const a = await registerOrg(server, { org_name: 'Only A' });
    await registerOrg(server, { org_name: 'Only B' });
    const account = await server.request('GET', '/v1/auth/account', { key: a.key });
    expect(account.body).toMatchObject({ org_id: a.orgId, display_name: 'Only A' });
  });
});
