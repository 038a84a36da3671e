/**
 * Batch events through delivery webhooks (DESIGN §7): what a batch announces and when, signed both
 * ways, retried through a receiver that is down until it answers 2xx (and never sent again
 * after), 410 Gone, per-batch endpoints, redelivery, and progress at most every 30 seconds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emitProgressEvent } from '../../src/domain/webhook-events.ts';
import { expireOverdueBatches } from '../../src/worker/expire-batches.ts';
import { pruneExpiredRowsTask } from '../../src/worker/prune-expired-rows.ts';
import { manifestOf } from '../helpers/batches.ts';
import { submit, waitForStatus } from '../helpers/batch-requests.ts';
import { grantMicros } from '../helpers/money.ts';
import { errorCode, registerOrg, type Registered, type TestServer } from '../helpers/server.ts';
import { startHttpsReceiver, type HttpsReceiver, type ReceivedRequest } from '../helpers/tls.ts';
import { eventually, startWebhookServer, verifiesBatchRouterSignature, verifiesStandardWebhook, type ReceivedEvent } from '../helpers/webhooks.ts';

type Delivery = { id: string; event_id: string; event_type: string; batch_id: string | null; status: string; attempt_count: number; target: string; attempts: { outcome: string; status_code: number | null }[] };

let server: TestServer;
let receiver: HttpsReceiver;
beforeAll(async () => {
  receiver = await startHttpsReceiver();
  ({ server } = await startWebhookServer());
});
afterAll(async () => {
  await server?.stop();
  await receiver?.stop();
});

const nowSeconds = () => Math.floor(server.clock.now().getTime() / 1000);

async function orgWithEndpoint(path: string): Promise<Registered & { secret: string; path: string }> {
  const org = await registerOrg(server);
  await grantMicros(server, org.orgId, 10_000_000);
  const saved = await server.request<{ secret: string }>('PUT', '/v1/auth/account/delivery-webhook', { key: org.key, body: { url: `https://localhost:${receiver.port}${path}` } });
  expect(saved.status).toBe(200);
  return { ...org, secret: saved.body.secret, path };
}

function eventsAt(target: HttpsReceiver, path: string): { request: ReceivedRequest; event: ReceivedEvent }[] {
  return target.requests.filter((request) => request.url === path).map((request) => ({ request, event: JSON.parse(request.body) as ReceivedEvent }));
}

async function deliveriesOf(org: Registered, query = ''): Promise<Delivery[]> {
  return (await server.request<{ data: Delivery[] }>('GET', `/v1/webhooks/deliveries?limit=100${query}`, { key: org.key })).body.data;
}

describe('a batch with a workspace endpoint', () => {
  it('announces batch.submitted, batch.progress and batch.completed, each an evt_ signed both ways, and logs each delivery', async () => {
    const org = await orgWithEndpoint('/completed');
    const submitted = await submit(server, org.key, manifestOf(3));
    expect(submitted.status).toBe(201);
    await waitForStatus(server, org.key, submitted.body.id, ['completed']);
    const received = await eventually(() => {
      const events = eventsAt(receiver, org.path);
      return events.some(({ event }) => event.type === 'batch.completed') ? events : undefined;
    }, 'batch.completed');
    // Deliveries run side by side: receivers get no order guarantee, so the test assumes none.
    expect(received.map(({ event }) => event.type).sort()).toEqual(['batch.completed', 'batch.progress', 'batch.submitted']);
    for (const { request, event } of received) {
      expect(event.id).toMatch(/^evt_/);
      expect(request.headers['webhook-id']).toBe(event.id);
      expect(event.data.batch?.id).toBe(submitted.body.id);
      expect(verifiesStandardWebhook(org.secret, request.headers, request.body, nowSeconds())).toBe(true);
      expect(verifiesBatchRouterSignature(org.secret, request.headers, request.body)).toBe(true);
    }
    const ofType = (type: string) => received.find(({ event }) => event.type === type)?.event.data.batch;
    expect(ofType('batch.submitted')).toMatchObject({ status: 'dispatched', counts: { queued: 0, dispatched: 3 } });
    expect(ofType('batch.completed')).toMatchObject({ status: 'completed', counts: { succeeded: 3, queued: 0 } });

    const deliveries = await eventually(async () => {
      const all = await deliveriesOf(org, `&batch_id=${submitted.body.id}`);
      return all.length === 3 && all.every((delivery) => delivery.status === 'delivered') ? all : undefined;
    }, 'three delivered deliveries');
    expect(deliveries.map((delivery) => delivery.event_type).sort()).toEqual(['batch.completed', 'batch.progress', 'batch.submitted']);
    for (const delivery of deliveries) expect(delivery.attempts).toEqual([expect.objectContaining({ outcome: 'delivered', status_code: 200 })]);
    const completedOnly = await deliveriesOf(org, '&event_type=batch.completed');
    expect(completedOnly.map((delivery) => delivery.event_type)).toEqual(['batch.completed']);
  });

  it('announces batch.cancelled when cancelled, and batch.expired when it misses its deadline', async () => {
    const slow = await startWebhookServer({ sandboxBatchSeconds: 172_800 });
    try {
      const org = await registerOrg(slow.server);
      await grantMicros(slow.server, org.orgId, 10_000_000);
      await slow.server.request('PUT', '/v1/auth/account/delivery-webhook', { key: org.key, body: { url: `https://localhost:${receiver.port}/slow` } });
      const cancelled = await submit(slow.server, org.key, manifestOf(2));
      const expiring = await submit(slow.server, org.key, manifestOf(2, { sla_tier: 'priority' }));
      await waitForStatus(slow.server, org.key, cancelled.body.id, ['processing']);
      await waitForStatus(slow.server, org.key, expiring.body.id, ['processing']);
      expect((await slow.server.request('POST', `/v1/batches/${cancelled.body.id}/cancel`, { key: org.key })).status).toBe(200);
      slow.server.clock.advance(2 * 3600_000);
      expect(await expireOverdueBatches(slow.server.server.ctx)).toEqual([expiring.body.id]);
      const received = await eventually(() => {
        const events = eventsAt(receiver, '/slow').map(({ event }) => event);
        return events.some((event) => event.type === 'batch.expired') && events.some((event) => event.type === 'batch.cancelled') ? events : undefined;
      }, 'batch.cancelled and batch.expired');
      expect(received.find((event) => event.type === 'batch.cancelled')?.data.batch).toMatchObject({ id: cancelled.body.id, status: 'cancelled' });
      expect(received.find((event) => event.type === 'batch.expired')?.data.batch).toMatchObject({ id: expiring.body.id, status: 'expired' });
    } finally {
      await slow.server.stop();
    }
  });

  it('a batch with its own webhook sends its events there, signed with its secret, and none to the workspace endpoint', async () => {
    const org = await orgWithEndpoint('/workspace-own');
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const body = { ...manifestOf(2), webhook: { url: `https://localhost:${receiver.port}/batch-own`, secret } };
    const submitted = await submit(server, org.key, body);
    expect(submitted.status).toBe(201);
    expect(submitted.body).toMatchObject({ webhook: { url: `https://localhost:${receiver.port}/batch-own`, status: 'enabled' } });
    expect(JSON.stringify(submitted.body)).not.toContain(secret);
    await waitForStatus(server, org.key, submitted.body.id, ['completed']);
    const received = await eventually(() => {
      const events = eventsAt(receiver, '/batch-own');
      return events.some(({ event }) => event.type === 'batch.completed') ? events : undefined;
    }, 'the batch webhook');
    for (const { request } of received) {
      expect(verifiesStandardWebhook(secret, request.headers, request.body, nowSeconds())).toBe(true);
      expect(verifiesBatchRouterSignature(secret, request.headers, request.body)).toBe(true);
      expect(verifiesBatchRouterSignature(org.secret, request.headers, request.body)).toBe(false);
    }
    expect(eventsAt(receiver, '/workspace-own')).toEqual([]);
    expect((await deliveriesOf(org)).every((delivery) => delivery.target === 'batch')).toBe(true);
  });

  it('a batch webhook URL that is refused fails the submit with 400 webhook_url_refused, and nothing is stored', async () => {
    const org = await orgWithEndpoint('/refused-batch');
    const response = await submit(server, org.key, { ...manifestOf(1), webhook: { url: 'https://169.254.169.254/latest', secret: 'a-secret-of-16-chars' } });
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe('webhook_url_refused');
    expect((await server.request<{ data: unknown[] }>('GET', '/v1/batches', { key: org.key })).body.data).toEqual([]);
  });
});

describe('a receiver that is down', () => {
  it('loses nothing: every event arrives once it is back, and none is sent again after its 2xx', async () => {
    const down = await startHttpsReceiver();
    const port = down.port;
    const org = await registerOrg(server);
    await grantMicros(server, org.orgId, 10_000_000);
    await server.request('PUT', '/v1/auth/account/delivery-webhook', { key: org.key, body: { url: `https://localhost:${port}/down` } });
    await down.stop();
    const submitted = await submit(server, org.key, manifestOf(2));
    await waitForStatus(server, org.key, submitted.body.id, ['completed']);
    // Every event has failed at least twice (connection refused) before the receiver comes back.
    await eventually(async () => {
      const deliveries = await deliveriesOf(org);
      return deliveries.length === 3 && deliveries.every((delivery) => delivery.attempt_count >= 2) ? deliveries : undefined;
    }, 'two failed attempts of every event');

    const back = await startHttpsReceiver({ port });
    try {
      const delivered = await eventually(async () => {
        const deliveries = await deliveriesOf(org);
        return deliveries.every((delivery) => delivery.status === 'delivered') ? deliveries : undefined;
      }, 'every delivery delivered', 60_000);
      for (const delivery of delivered) {
        expect(delivery.attempts.at(-1)).toMatchObject({ outcome: 'delivered', status_code: 200 });
        expect(delivery.attempts.slice(0, -1).every((attempt) => attempt.outcome === 'failed')).toBe(true);
      }
      const ids = () => eventsAt(back, '/down').map(({ event }) => event.id);
      expect(new Set(ids()).size).toBe(3);
      // Long enough for any retry that was wrongly still queued to have been sent.
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      expect(ids()).toHaveLength(3);
    } finally {
      await back.stop();
    }
  });

  it('answering 410 Gone disables the endpoint: later events make no delivery until it is saved again', async () => {
    const gone = await startHttpsReceiver({ response: { status: 410 } });
    try {
      const org = await registerOrg(server);
      await grantMicros(server, org.orgId, 10_000_000);
      const url = `https://localhost:${gone.port}/gone`;
      await server.request('PUT', '/v1/auth/account/delivery-webhook', { key: org.key, body: { url } });
      const first = await submit(server, org.key, manifestOf(1));
      await waitForStatus(server, org.key, first.body.id, ['completed']);
      const endpoint = await eventually(async () => {
        const read = await server.request<{ status: string; disabled_reason: string | null }>('GET', '/v1/auth/account/delivery-webhook', { key: org.key });
        return read.body.status === 'disabled' ? read.body : undefined;
      }, 'the endpoint disabled');
      expect(endpoint.disabled_reason).toContain('410');
      const deliveries = await eventually(async () => {
        const all = await deliveriesOf(org);
        return all.every((delivery) => delivery.status !== 'pending') ? all : undefined;
      }, 'no pending delivery');
      expect(deliveries.filter((delivery) => delivery.status === 'failed')).toHaveLength(1);
      expect(deliveries.filter((delivery) => delivery.status === 'failed')[0]?.attempts).toEqual([expect.objectContaining({ status_code: 410 })]);

      const requestsBefore = gone.requests.length;
      const second = await submit(server, org.key, manifestOf(1));
      await waitForStatus(server, org.key, second.body.id, ['completed']);
      expect(await deliveriesOf(org, `&batch_id=${second.body.id}`)).toEqual([]);
      const redeliver = await server.request('POST', `/v1/webhooks/deliveries/${deliveries[0]?.id}/redeliver`, { key: org.key });
      expect(redeliver.status).toBe(409);
      expect(errorCode(redeliver)).toBe('webhook_disabled');
      expect(gone.requests.length).toBe(requestsBefore);

      gone.setResponse({ status: 204 });
      const saved = await server.request<{ status: string }>('PUT', '/v1/auth/account/delivery-webhook', { key: org.key, body: { url } });
      expect(saved.body.status).toBe('enabled');
      const third = await submit(server, org.key, manifestOf(1));
      await waitForStatus(server, org.key, third.body.id, ['completed']);
      await eventually(async () => {
        const all = await deliveriesOf(org, `&batch_id=${third.body.id}`);
        return all.length > 0 && all.every((delivery) => delivery.status === 'delivered') ? all : undefined;
      }, 'deliveries after saving again');
    } finally {
      await gone.stop();
    }
  });
});

describe('redelivery', () => {
  it('sends the same event (same webhook-id and body) again as a new delivery', async () => {
    const org = await orgWithEndpoint('/redeliver');
    const submitted = await submit(server, org.key, manifestOf(1));
    await waitForStatus(server, org.key, submitted.body.id, ['completed']);
    const completed = await eventually(async () => (await deliveriesOf(org, '&event_type=batch.completed&status=delivered'))[0], 'the completed delivery');
    const response = await server.request<Delivery>('POST', `/v1/webhooks/deliveries/${completed.id}/redeliver`, { key: org.key });
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ event_id: completed.event_id, status: 'pending', attempt_count: 0, redelivery_of: completed.id });
    await eventually(async () => {
      const again = (await server.request<Delivery>('GET', `/v1/webhooks/deliveries/${response.body.id}`, { key: org.key })).body;
      return again.status === 'delivered' ? again : undefined;
    }, 'the redelivery delivered');
    const copies = eventsAt(receiver, '/redeliver').filter(({ event }) => event.id === completed.event_id);
    expect(copies).toHaveLength(2);
    expect(copies[0]?.request.body).toBe(copies[1]?.request.body);
    expect(copies[1]?.request.headers['webhook-id']).toBe(completed.event_id);
  });
});

describe('batch.progress', () => {
  it('goes out at most once every 30 seconds per batch, however often items finish', async () => {
    const org = await orgWithEndpoint('/progress');
    const submitted = await submit(server, org.key, manifestOf(1));
    await waitForStatus(server, org.key, submitted.body.id, ['completed']);
    const ctx = server.server.ctx;
    const progressCount = async () => (await deliveriesOf(org, `&batch_id=${submitted.body.id}&event_type=batch.progress`)).length;
    const before = await progressCount();
    const emit = () => ctx.db.transaction().execute((trx) => emitProgressEvent(ctx, trx, submitted.body.id, ctx.clock.now()));
    server.clock.advance(30_000);
    await emit();
    await emit();
    server.clock.advance(29_000);
    await emit();
    expect(await progressCount()).toBe(before + 1);
    server.clock.advance(1_000);
    await emit();
    expect(await progressCount()).toBe(before + 2);
  });
});

describe('the delivery log', () => {
  it('forgets finished deliveries after 30 days, with their attempts and events', async () => {
    const org = await orgWithEndpoint('/forgotten');
    const submitted = await submit(server, org.key, manifestOf(1));
    await waitForStatus(server, org.key, submitted.body.id, ['completed']);
    await eventually(async () => {
      const all = await deliveriesOf(org, `&batch_id=${submitted.body.id}`);
      return all.length > 0 && all.every((delivery) => delivery.status === 'delivered') ? all : undefined;
    }, 'every delivery delivered');
    server.clock.advance(29 * 24 * 3600_000);
    await pruneExpiredRowsTask.run(server.server.ctx, {});
    expect(await deliveriesOf(org, `&batch_id=${submitted.body.id}`)).not.toEqual([]);
    server.clock.advance(2 * 24 * 3600_000);
    await pruneExpiredRowsTask.run(server.server.ctx, {});
    expect(await deliveriesOf(org, `&batch_id=${submitted.body.id}`)).toEqual([]);
    const events = await server.server.database.db.selectFrom('webhook_events').select('id').where('batch_id', '=', submitted.body.id).execute();
    expect(events).toEqual([]);
  });
});
