/** Agent registration: open by default, limited per client address, and closable by the operator. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, startTestServer, type TestServer } from '../helpers/server.ts';

describe('the per-address limit', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ agentRegisterPerHour: 3, trustProxy: true });
  });
  afterAll(async () => server?.stop());

  const from = (address: string) => ({ headers: { 'x-forwarded-for': address } });

  it('answers 429 rate_limited with Retry-After once an address passes the hourly limit', async () => {
    for (let i = 0; i < 3; i++) expect((await server.request('POST', '/v1/auth/agent-register', from('203.0.113.7'))).status).toBe(201);
    const limited = await server.request('POST', '/v1/auth/agent-register', from('203.0.113.7'));
    expect(limited.status).toBe(429);
    expect(errorCode(limited)).toBe('rate_limited');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
  });

  it('counts each address on its own', async () => {
    expect((await server.request('POST', '/v1/auth/agent-register', from('198.51.100.1'))).status).toBe(201);
  });

  it('opens again when the window has passed', async () => {
    for (let i = 0; i < 3; i++) await server.request('POST', '/v1/auth/agent-register', from('192.0.2.50'));
    expect((await server.request('POST', '/v1/auth/agent-register', from('192.0.2.50'))).status).toBe(429);
    server.clock.advance(3600_000);
    expect((await server.request('POST', '/v1/auth/agent-register', from('192.0.2.50'))).status).toBe(201);
  });

  it('keeps its counts in the database, where every server process sees them', async () => {
    const rows = await server.server.database.db.selectFrom('rate_limit_windows').selectAll().where('bucket', '=', 'agent-register:203.0.113.7').execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.hits).toBeGreaterThanOrEqual(4);
  });
});

describe('when the operator turns it off', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ agentRegisterEnabled: false });
  });
  afterAll(async () => server?.stop());

  it('answers 403 agent_register_disabled and creates nothing', async () => {
    const response = await server.request('POST', '/v1/auth/agent-register', { body: { org_name: 'Nope' } });
    expect(response.status).toBe(403);
    expect(errorCode(response)).toBe('agent_register_disabled');
    const orgs = await server.server.database.db.selectFrom('orgs').select('id').execute();
    expect(orgs).toHaveLength(0);
  });
});
