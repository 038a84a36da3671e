/** Logs are JSON lines carrying the request id, and never a secret, even at the most verbose level. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeSecret, hashSecret } from '../../src/domain/api-key-secrets.ts';
import { captureLogs } from '../helpers/logs.ts';
import { ADMIN_TOKEN, createKey, registerOrg, startTestServer, type TestServer } from '../helpers/server.ts';

const { logger, lines } = captureLogs();
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({}, { logger });
});
afterAll(async () => server?.stop());

describe('logs', () => {
  it('never contain an API key, the admin token or a legacy key', async () => {
    const org = await registerOrg(server, { org_name: 'Logged' });
    const created = await createKey(server, org.key, { name: 'logged' });
    await server.request('GET', '/v1/auth/account', { key: created.key });
    await server.request('GET', '/v1/auth/account', { key: `${created.key}x` });
    await server.request('POST', `/v1/auth/account/api-keys/${created.keyId}/revoke`, { key: org.key });
    await server.request('GET', '/v1/auth/account', { key: created.key });
    const legacy = 'ob_live_LoggedLegacy0123456789ab';
    const { prefix, display } = describeSecret(legacy);
    await server.request('POST', `/operator/v1/orgs/${org.orgId}/legacy-keys`, { key: ADMIN_TOKEN, body: { secret_sha256: hashSecret(legacy), prefix, display } });
    await server.request('GET', '/v1/auth/account', { key: legacy });

    expect(lines.length).toBeGreaterThan(10);
    const everything = lines.join('\n');
    for (const secret of [org.key, created.key, ADMIN_TOKEN, legacy]) expect(everything).not.toContain(secret);
  });

  it('are JSON lines that carry the request id the client saw', async () => {
    const response = await server.request('GET', '/v1/auth/account');
    const requestId = response.headers.get('x-request-id');
    const entries = lines.map((line) => JSON.parse(line) as { request_id?: string });
    expect(entries.some((entry) => entry.request_id === requestId)).toBe(true);
  });
});
