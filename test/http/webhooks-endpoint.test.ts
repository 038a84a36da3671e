/**
 * The workspace delivery webhook (seed 002, Delivery webhooks; DESIGN §7): saved over HTTPS only,
 * refused for private and metadata addresses when saved and again when it connects, its secret
 * stored encrypted and shown once, rotated with 24 hours of overlap, tested with a ping.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, errorCode, registerOrg, type Registered, type TestServer } from '../helpers/server.ts';
import { startConnectionCounter, startHttpsReceiver, type ConnectionCounter, type HttpsReceiver } from '../helpers/tls.ts';
import { startWebhookServer, verifiesBatchRouterSignature, verifiesStandardWebhook, type ResolverTable } from '../helpers/webhooks.ts';

type Endpoint = { url: string; secret: string; status: string; previous_secret_expires_at: string | null; disabled_reason: string | null };
type Delivery = {
  id: string;
  event_id: string;
  event_type: string;
  status: string;
  attempt_count: number;
  last_status_code: number | null;
  last_error: string | null;
  attempts: { attempt: number; outcome: string; status_code: number | null; error: string | null; address: string | null }[];
};

let server: TestServer;
let names: ResolverTable;
let receiver: HttpsReceiver;
let counter: ConnectionCounter;
beforeAll(async () => {
  receiver = await startHttpsReceiver();
  counter = await startConnectionCounter();
  ({ server, names } = await startWebhookServer());
});
afterAll(async () => {
  await server?.stop();
  await receiver?.stop();
  await counter?.stop();
});

const hookUrl = () => `https://localhost:${receiver.port}/hooks/batchrouter`;
const nowSeconds = () => Math.floor(server.clock.now().getTime() / 1000);

async function saveEndpoint(org: Registered, body: Record<string, unknown>) {
  return server.request<Endpoint>('PUT', '/v1/auth/account/delivery-webhook', { key: org.key, body });
}

async function ping(org: Registered) {
  return server.request<Delivery>('POST', '/v1/auth/account/delivery-webhook/test', { key: org.key });
}

describe('saving the workspace endpoint', () => {
  it('without a secret, generates a whsec_ secret shown in that answer only; reading shows it masked; the database holds it encrypted', async () => {
    const org = await registerOrg(server);
    const saved = await saveEndpoint(org, { url: hookUrl() });
    expect(saved.status).toBe(200);
    expect(saved.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(saved.body).toMatchObject({ url: hookUrl(), status: 'enabled' });

    const read = await server.request<Endpoint>('GET', '/v1/auth/account/delivery-webhook', { key: org.key });
    expect(read.status).toBe(200);
    expect(read.body.secret).toBe(`whsec_…${saved.body.secret.slice(-4)}`);
    expect(JSON.stringify(read.body)).not.toContain(saved.body.secret.slice(6, 20));

    const stored = await server.server.database.db.selectFrom('webhook_endpoints').selectAll().where('org_id', '=', org.orgId).executeTakeFirstOrThrow();
    expect(JSON.stringify(stored)).not.toContain(saved.body.secret.slice(6));
    expect(stored.secret_encrypted).toMatch(/^v1\./);
  });

  it('again without a secret keeps it; with one, uses that one (never echoed back)', async () => {
    const org = await registerOrg(server);
    const first = await saveEndpoint(org, { url: hookUrl() });
    const moved = await saveEndpoint(org, { url: `${hookUrl()}?v=2` });
    expect(moved.body.secret).toBe(`whsec_…${first.body.secret.slice(-4)}`);
    expect(moved.body.url).toBe(`${hookUrl()}?v=2`);

    const chosen = 'my-own-secret-0123456789';
    const replaced = await saveEndpoint(org, { url: hookUrl(), secret: chosen });
    expect(replaced.body.secret).toBe('…6789');
    receiver.requests.length = 0;
    const delivery = await ping(org);
    expect(delivery.body.status).toBe('delivered');
    const received = receiver.requests.at(-1);
    if (!received) throw new Error('the receiver got nothing');
    expect(verifiesBatchRouterSignature(chosen, received.headers, received.body)).toBe(true);
    expect(verifiesBatchRouterSignature(first.body.secret, received.headers, received.body)).toBe(false);
  });

  it('refuses a secret that is too short, and a whsec_ secret that is not base64 of 24 to 64 bytes', async () => {
    const org = await registerOrg(server);
    for (const secret of ['short', 'whsec_!!!!notbase64!!!!!!!!!!!!!', 'whsec_c2hvcnQ=padding', 'has a space in it 0123456789']) {
      const response = await saveEndpoint(org, { url: hookUrl(), secret });
      expect(response.status, secret).toBe(400);
      expect(errorCode(response)).toBe('invalid_request');
    }
    expect((await server.request('GET', '/v1/auth/account/delivery-webhook', { key: org.key })).status).toBe(404);
  });
});

/** URLs every form of which must be refused when saved: 40 and more. */
const REFUSED_URLS = [
  'http://localhost/hook',
  'http://hooks.example.com/hook',
  'ftp://hooks.example.com/hook',
  'https://user:pass@hooks.example.com/hook',
  'https://127.0.0.1/hook',
  'https://127.0.0.2:8443/hook',
  'https://2130706433/hook',
  'https://0x7f000001/hook',
  'https://017700000001/hook',
  'https://0177.0.0.1/hook',
  'https://0x7f.0.0.1/hook',
  'https://127.1/hook',
  'https://0/hook',
  'https://0.0.0.0/hook',
  'https://[::]/hook',
  'https://[::1]/hook',
  'https://[::ffff:127.0.0.1]/hook',
  'https://[::ffff:7f00:1]/hook',
  'https://[::ffff:a9fe:a9fe]/hook',
  'https://[64:ff9b::7f00:1]/hook',
  'https://[64:ff9b:1::a00:1]/hook',
  'https://[2002:7f00:1::1]/hook',
  'https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook',
  'https://[fe80::1]/hook',
  'https://[fc00::1]/hook',
  'https://[fd00:ec2::254]/hook',
  'https://[ff02::1]/hook',
  'https://[2001:db8::1]/hook',
  'https://169.254.169.254/latest/meta-data/',
  'https://169.254.170.2/v2/credentials',
  'https://100.64.0.1/hook',
  'https://100.100.100.200/latest/meta-data',
  'https://10.0.0.1/hook',
  'https://172.16.0.1/hook',
  'https://172.31.255.254/hook',
  'https://192.168.1.1/hook',
  'https://192.0.0.1/hook',
  'https://192.0.2.1/hook',
  'https://198.18.0.1/hook',
  'https://224.0.0.1/hook',
  'https://239.255.255.250/hook',
  'https://240.0.0.1/hook',
  'https://255.255.255.255/hook',
  'https://metadata.google.internal/computeMetadata/v1/',
  'https://metadata/computeMetadata/v1/',
  'https://instance-data/latest/',
  'https://hooks.localhost/hook',
  'https://printer.local/hook',
  'https://router.home.arpa/hook',
  'https://intranet/hook',
  // Names whose answers are private, found by resolving them when the URL is saved.
  'https://loopback.example.net/hook',
  'https://mixed.example.net/hook',
  'https://metadata-alias.example.net/hook',
  'https://mapped.example.net/hook',
];

describe('the address policy at save time', () => {
  it(`refuses ${REFUSED_URLS.length} SSRF attempts with webhook_url_refused, stores nothing, connects nowhere, and logs each in the audit log`, async () => {
    names.set('loopback.example.net', [{ address: '127.0.0.1', family: 4 }]);
    names.set('mixed.example.net', [
      { address: '93.184.215.14', family: 4 },
      { address: '10.1.2.3', family: 4 },
    ]);
    names.set('metadata-alias.example.net', [{ address: '169.254.169.254', family: 4 }]);
    names.set('mapped.example.net', [{ address: '::ffff:192.168.0.1', family: 6 }]);
    expect(REFUSED_URLS.length).toBeGreaterThanOrEqual(40);
    const org = await registerOrg(server);
    const connectionsBefore = receiver.connections() + counter.connections();
    for (const url of REFUSED_URLS) {
      const response = await saveEndpoint(org, { url });
      expect(response.status, url).toBe(400);
      expect(errorCode(response), url).toBe('webhook_url_refused');
    }
    expect((await server.request('GET', '/v1/auth/account/delivery-webhook', { key: org.key })).status).toBe(404);
    expect(receiver.connections() + counter.connections()).toBe(connectionsBefore);
    const audit = await server.server.database.db.selectFrom('audit_events').select(['action', 'details']).where('org_id', '=', org.orgId).where('action', '=', 'webhook.url_refused').execute();
    expect(audit).toHaveLength(REFUSED_URLS.length);
  });

  it('a name that turns private after it was saved is refused when the delivery connects: the attempt is logged, no connection is made', async () => {
    const org = await registerOrg(server);
    names.set('rebinding.example.net', [{ address: '93.184.215.14', family: 4 }]);
    const saved = await saveEndpoint(org, { url: `https://rebinding.example.net:${counter.port}/hook` });
    expect(saved.status).toBe(200);
    names.set('rebinding.example.net', [{ address: '127.0.0.1', family: 4 }]);
    const connectionsBefore = counter.connections();
    const delivery = await ping(org);
    expect(delivery.body.status).toBe('failed');
    expect(delivery.body.attempts).toHaveLength(1);
    expect(delivery.body.attempts[0]).toMatchObject({ outcome: 'refused', status_code: null, address: null });
    expect(delivery.body.attempts[0]?.error).toContain('127.0.0.1');
    expect(counter.connections()).toBe(connectionsBefore);
  });

  it('a redirect to a private address is not followed: the attempt is logged as the 302 it was', async () => {
    const org = await registerOrg(server);
    await saveEndpoint(org, { url: hookUrl() });
    receiver.setResponse({ status: 302, location: `https://127.0.0.1:${counter.port}/steal` });
    try {
      const connectionsBefore = counter.connections();
      const delivery = await ping(org);
      expect(delivery.body.status).toBe('failed');
      expect(delivery.body.attempts[0]).toMatchObject({ outcome: 'http_error', status_code: 302 });
      expect(delivery.body.attempts[0]?.error).toContain('redirects are not followed');
      expect(counter.connections()).toBe(connectionsBefore);
    } finally {
      receiver.setResponse({ status: 200 });
    }
  });
});

describe('the test ping', () => {
  it('sends a webhook.test event signed both ways and returns the logged attempt', async () => {
    const org = await registerOrg(server);
    const saved = await saveEndpoint(org, { url: hookUrl() });
    receiver.requests.length = 0;
    const delivery = await ping(org);
    expect(delivery.status).toBe(200);
    expect(delivery.body).toMatchObject({ event_type: 'webhook.test', status: 'delivered', attempt_count: 1, last_status_code: 200 });
    expect(delivery.body.attempts[0]).toMatchObject({ outcome: 'delivered', status_code: 200, address: '127.0.0.1' });
    const [received] = receiver.requests;
    if (!received) throw new Error('the receiver got nothing');
    expect(received.method).toBe('POST');
    expect(received.url).toBe('/hooks/batchrouter');
    expect(received.servername).toBe('localhost');
    expect(received.headers['content-type']).toBe('application/json');
    expect(received.headers['webhook-id']).toBe(delivery.body.event_id);
    expect(JSON.parse(received.body)).toMatchObject({ id: delivery.body.event_id, type: 'webhook.test', data: { org_id: org.orgId } });
    expect(verifiesStandardWebhook(saved.body.secret, received.headers, received.body, nowSeconds())).toBe(true);
    expect(verifiesBatchRouterSignature(saved.body.secret, received.headers, received.body)).toBe(true);
  });

  it('without an endpoint: 404 webhook_not_found', async () => {
    const org = await registerOrg(server);
    const response = await ping(org);
    expect(response.status).toBe(404);
    expect(errorCode(response)).toBe('webhook_not_found');
  });
});

describe('rotating the secret', () => {
  it('shows the new secret once; for 24 hours deliveries verify with either secret, then with the new one only', async () => {
    const org = await registerOrg(server);
    const old = (await saveEndpoint(org, { url: hookUrl() })).body.secret;
    const rotated = await server.request<Endpoint>('POST', '/v1/auth/account/delivery-webhook/rotate-secret', { key: org.key });
    expect(rotated.status).toBe(200);
    const fresh = rotated.body.secret;
    expect(fresh).toMatch(/^whsec_/);
    expect(fresh).not.toBe(old);
    expect(rotated.body.previous_secret_expires_at).toBe(new Date(server.clock.now().getTime() + 24 * 3600_000).toISOString());
    const read = await server.request<Endpoint>('GET', '/v1/auth/account/delivery-webhook', { key: org.key });
    expect(read.body.secret).toBe(`whsec_…${fresh.slice(-4)}`);

    await ping(org);
    const during = receiver.requests.at(-1);
    if (!during) throw new Error('the receiver got nothing');
    for (const secret of [old, fresh]) {
      expect(verifiesStandardWebhook(secret, during.headers, during.body, nowSeconds())).toBe(true);
      expect(verifiesBatchRouterSignature(secret, during.headers, during.body)).toBe(true);
    }

    server.clock.advance(24 * 3600_000 + 1_000);
    await ping(org);
    const after = receiver.requests.at(-1);
    if (!after) throw new Error('the receiver got nothing');
    expect(verifiesStandardWebhook(fresh, after.headers, after.body, nowSeconds())).toBe(true);
    expect(verifiesBatchRouterSignature(fresh, after.headers, after.body)).toBe(true);
    expect(verifiesStandardWebhook(old, after.headers, after.body, nowSeconds())).toBe(false);
    expect(verifiesBatchRouterSignature(old, after.headers, after.body)).toBe(false);
  });
});

describe('who may manage the endpoint', () => {
  it('members may read it but not save, rotate, test or remove it: 403 role_not_allowed', async () => {
    const org = await registerOrg(server);
    await saveEndpoint(org, { url: hookUrl() });
    const member = await createKey(server, org.key, { role: 'member' });
    expect((await server.request('GET', '/v1/auth/account/delivery-webhook', { key: member.key })).status).toBe(200);
    const attempts = [
      server.request('PUT', '/v1/auth/account/delivery-webhook', { key: member.key, body: { url: hookUrl() } }),
      server.request('POST', '/v1/auth/account/delivery-webhook/rotate-secret', { key: member.key }),
      server.request('POST', '/v1/auth/account/delivery-webhook/test', { key: member.key }),
      server.request('DELETE', '/v1/auth/account/delivery-webhook', { key: member.key }),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(response.status).toBe(403);
      expect(errorCode(response)).toBe('role_not_allowed');
    }
  });

  it('without a key: 401; with a key lacking webhooks:write: 403 insufficient_scope', async () => {
    const org = await registerOrg(server);
    const noKey = await server.request('PUT', '/v1/auth/account/delivery-webhook', { body: { url: hookUrl() } });
    expect(noKey.status).toBe(401);
    const readOnly = await createKey(server, org.key, { scopes: ['webhooks:read'] });
    const denied = await server.request('PUT', '/v1/auth/account/delivery-webhook', { key: readOnly.key, body: { url: hookUrl() } });
    expect(denied.status).toBe(403);
    expect(errorCode(denied)).toBe('insufficient_scope');
  });

  it("another org sees neither the endpoint nor its deliveries, and cannot redeliver them", async () => {
    const a = await registerOrg(server);
    const b = await registerOrg(server);
    await saveEndpoint(a, { url: hookUrl() });
    const delivery = (await ping(a)).body;
    expect((await server.request('GET', '/v1/auth/account/delivery-webhook', { key: b.key })).status).toBe(404);
    const list = await server.request<{ data: Delivery[] }>('GET', '/v1/webhooks/deliveries', { key: b.key });
    expect(list.body.data.map((d) => d.id)).not.toContain(delivery.id);
    for (const [method, route] of [
      ['GET', `/v1/webhooks/deliveries/${delivery.id}`],
      ['POST', `/v1/webhooks/deliveries/${delivery.id}/redeliver`],
    ] as const) {
      const response = await server.request(method, route, { key: b.key });
      expect(response.status).toBe(404);
      expect(errorCode(response)).toBe('webhook_delivery_not_found');
    }
  });

  it('removing the endpoint: 204, then 404 on reading it', async () => {
    const org = await registerOrg(server);
    await saveEndpoint(org, { url: hookUrl() });
    expect((await server.request('DELETE', '/v1/auth/account/delivery-webhook', { key: org.key })).status).toBe(204);
    expect((await server.request('GET', '/v1/auth/account/delivery-webhook', { key: org.key })).status).toBe(404);
  });
});
