/**
 * Webhook deliveries at the connection level, against real HTTPS receivers and TCP listeners on
 * the loopback, with DNS answered by an injected resolver: refusals make no connection, a name
 * is resolved once per delivery and the socket goes to the address that was checked, redirects
 * are not followed, certificates are verified.
 */
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { WebhookPolicy } from '../../src/webhooks/address-policy.ts';
import type { HostResolver, ResolvedAddress } from '../../src/webhooks/resolver.ts';
import { resolveAndCheck, safePost, type PostOutcome, type SafePostOptions } from '../../src/webhooks/safe-post.ts';
import { createTestCertificate, startConnectionCounter, startHttpsReceiver, type ConnectionCounter, type HttpsReceiver } from '../helpers/tls.ts';

/*
 * A test may not leave the machine, yet DNS rebinding needs a first answer the policy accepts.
 * In this file only, 127.0.0.2 stands in for a public address: the policy accepts it, and a
 * receiver listens on it. Every other address is judged by the real policy.
 */
const { STAND_IN_PUBLIC_ADDRESS } = vi.hoisted(() => ({ STAND_IN_PUBLIC_ADDRESS: '127.0.0.2' }));
vi.mock('../../src/webhooks/address-policy.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/webhooks/address-policy.ts')>();
  return { ...real, checkAddress: (ip: string) => (ip === STAND_IN_PUBLIC_ADDRESS ? { allowed: true } : real.checkAddress(ip)) };
});

const NO_EXCEPTIONS: WebhookPolicy = { allowedHosts: new Set() };
const LOCAL_RECEIVER: WebhookPolicy = { allowedHosts: new Set(['localhost', '127.0.0.1', 'receiver.test']) };
const A_PUBLIC_ADDRESS = '93.184.215.14';

/** A resolver answering from a table, counting how often each name was asked. */
function tableResolver(table: Record<string, string[]>): HostResolver & { calls: string[] } {
  const calls: string[] = [];
  const resolver = async (hostname: string): Promise<ResolvedAddress[]> => {
    calls.push(hostname);
    const answers = table[hostname];
    if (answers === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return answers.map((address) => ({ address, family: net.isIP(address) === 6 ? 6 : 4 }));
  };
  return Object.assign(resolver, { calls });
}

function post(url: string, options: SafePostOptions, body = '{"event":"batch.completed"}', headers: Record<string, string> = {}): Promise<PostOutcome> {
  return safePost({ url: new URL(url), body, headers: { 'content-type': 'application/json', ...headers } }, options);
}

let receiver: HttpsReceiver;
let counter: ConnectionCounter;

beforeAll(async () => {
  receiver = await startHttpsReceiver();
  counter = await startConnectionCounter();
});

afterAll(async () => {
  await receiver.stop();
  await counter.stop();
});

afterEach(() => {
  receiver.setResponse({ status: 200 });
});

describe('resolveAndCheck, as run when a webhook is saved', () => {
  it('does not look up an IP-literal host', async () => {
    const resolver = tableResolver({});
    expect(await resolveAndCheck(new URL(`https://${A_PUBLIC_ADDRESS}/`), NO_EXCEPTIONS, resolver)).toEqual({ addresses: [{ address: A_PUBLIC_ADDRESS, family: 4 }] });
    expect(resolver.calls).toEqual([]);
  });

  it('returns every address of a public name', async () => {
    const resolver = tableResolver({ 'hooks.example.com': [A_PUBLIC_ADDRESS, '2606:4700:4700::1111'] });
    expect(await resolveAndCheck(new URL('https://hooks.example.com/'), NO_EXCEPTIONS, resolver)).toEqual({
      addresses: [{ address: A_PUBLIC_ADDRESS, family: 4 }, { address: '2606:4700:4700::1111', family: 6 }],
    });
  });

  it('refuses a name when any one of its addresses is forbidden', async () => {
    const resolver = tableResolver({ 'mixed.example.com': [A_PUBLIC_ADDRESS, '10.0.0.5'], 'mixed6.example.com': ['fd00::1', A_PUBLIC_ADDRESS] });
    expect(await resolveAndCheck(new URL('https://mixed.example.com/'), NO_EXCEPTIONS, resolver)).toEqual({
      problem: 'mixed.example.com resolves to a forbidden address: 10.0.0.5 is a private address',
    });
    expect(await resolveAndCheck(new URL('https://mixed6.example.com/'), NO_EXCEPTIONS, resolver)).toMatchObject({ problem: expect.stringMatching(/unique-local/) });
  });

  it('refuses a name that resolves to nothing or does not resolve', async () => {
    const resolver = tableResolver({ 'empty.example.com': [] });
    expect(await resolveAndCheck(new URL('https://empty.example.com/'), NO_EXCEPTIONS, resolver)).toEqual({ problem: 'empty.example.com resolves to no address' });
    expect(await resolveAndCheck(new URL('https://nowhere.example.com/'), NO_EXCEPTIONS, resolver)).toMatchObject({ problem: expect.stringMatching(/does not resolve: .*ENOTFOUND/) });
  });

  it('refuses an answer that is not a canonical IP address', async () => {
    const resolver = tableResolver({ 'odd.example.com': ['2130706433'] });
    expect(await resolveAndCheck(new URL('https://odd.example.com/'), NO_EXCEPTIONS, resolver)).toMatchObject({ problem: expect.stringMatching(/not an IP address/) });
  });

  it('does not judge the addresses of an allowed host', async () => {
    const resolver = tableResolver({ localhost: ['127.0.0.1', '::1'] });
    expect(await resolveAndCheck(new URL('https://localhost:8443/'), LOCAL_RECEIVER, resolver)).toEqual({
      addresses: [{ address: '127.0.0.1', family: 4 }, { address: '::1', family: 6 }],
    });
  });

  it('applies the URL rules too', async () => {
    expect(await resolveAndCheck(new URL('http://hooks.example.com/'), NO_EXCEPTIONS, tableResolver({}))).toMatchObject({ problem: expect.stringMatching(/https/) });
  });
});

describe('a refused delivery makes no connection', () => {
  it.each([
    ['loopback', (port: number) => `https://127.0.0.1:${port}/`],
    ['loopback as a decimal number', (port: number) => `https://2130706433:${port}/`],
    ['loopback in hex short form', (port: number) => `https://0x7f.1:${port}/`],
    ['IPv4-mapped loopback', (port: number) => `https://[::ffff:127.0.0.1]:${port}/`],
    ['the unspecified address', (port: number) => `https://0.0.0.0:${port}/`],
    ['localhost, not allowed here', (port: number) => `https://localhost:${port}/`],
  ])('refuses %s', async (_attempt, urlFor) => {
    const resolver = tableResolver({ localhost: ['127.0.0.1'] });
    const outcome = await post(urlFor(counter.port), { policy: NO_EXCEPTIONS, resolver, timeoutMs: 5000 });
    expect(outcome).toMatchObject({ kind: 'refused' });
    expect(resolver.calls).toEqual([]);
    expect(counter.connections()).toBe(0);
  });

  it('refuses plain http even to an allowed host', async () => {
    const outcome = await post(`http://127.0.0.1:${receiver.port}/`, { policy: LOCAL_RECEIVER, resolver: tableResolver({}), timeoutMs: 5000, ca: receiver.ca });
    expect(outcome).toEqual({ kind: 'refused', reason: 'webhook URLs must use https (this one uses http)' });
    expect(receiver.connections()).toBe(0);
  });

  it('refuses a public-looking name that resolves to 127.0.0.1', async () => {
    const resolver = tableResolver({ 'hooks.customer-app.com': ['127.0.0.1'] });
    const outcome = await post(`https://hooks.customer-app.com:${counter.port}/`, { policy: NO_EXCEPTIONS, resolver, timeoutMs: 5000 });
    expect(outcome).toEqual({ kind: 'refused', reason: 'hooks.customer-app.com resolves to a forbidden address: 127.0.0.1 is a loopback address' });
    expect(counter.connections()).toBe(0);
  });

  it('refuses a name with one public and one private address, in either order', async () => {
    const resolver = tableResolver({ 'split.example.com': [A_PUBLIC_ADDRESS, '127.0.0.1'], 'split2.example.com': ['127.0.0.1', A_PUBLIC_ADDRESS] });
    for (const name of ['split.example.com', 'split2.example.com']) {
      const outcome = await post(`https://${name}:${counter.port}/`, { policy: NO_EXCEPTIONS, resolver, timeoutMs: 5000 });
      expect(outcome).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/127\.0\.0\.1 is a loopback address/) });
    }
    expect(counter.connections()).toBe(0);
  });
});

describe('a name is resolved once per delivery and the socket goes where the check looked', () => {
  it('is not fooled when the second lookup of a name turns private (DNS rebinding)', async () => {
    const certificate = await createTestCertificate({ dnsNames: ['rebind.example.com'] });
    const standIn = await startHttpsReceiver({ host: STAND_IN_PUBLIC_ADDRESS, certificate });
    // Same port on 127.0.0.1: any second lookup, by us or by Node, would land here.
    const trap = await startConnectionCounter({ host: '127.0.0.1', port: standIn.port });
    try {
      let lookups = 0;
      const rebinding: HostResolver = async () => {
        lookups += 1;
        return [{ address: lookups === 1 ? STAND_IN_PUBLIC_ADDRESS : '127.0.0.1', family: 4 }];
      };
      const options: SafePostOptions = { policy: NO_EXCEPTIONS, resolver: rebinding, timeoutMs: 5000, ca: standIn.ca };
      const first = await post(`https://rebind.example.com:${standIn.port}/hook`, options);
      expect(trap.connections()).toBe(0);
      expect(lookups).toBe(1);
      expect(first).toMatchObject({ kind: 'response', status: 200, address: STAND_IN_PUBLIC_ADDRESS });
      expect(standIn.requests).toHaveLength(1);
      expect(standIn.requests[0]?.servername).toBe('rebind.example.com');
      expect(trap.connections()).toBe(0);

      // The next delivery resolves again, sees the private answer, and stays home.
      const second = await post(`https://rebind.example.com:${standIn.port}/hook`, options);
      expect(second).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/loopback/) });
      expect(lookups).toBe(2);
      expect(trap.connections()).toBe(0);
    } finally {
      await standIn.stop();
      await trap.stop();
    }
  });

  it('hands Node the checked addresses when it asks for one address instead of all', async () => {
    const resolver = tableResolver({ localhost: ['127.0.0.1'] });
    net.setDefaultAutoSelectFamily(false);
    try {
      const outcome = await post(`https://localhost:${receiver.port}/`, { policy: LOCAL_RECEIVER, resolver, timeoutMs: 5000, ca: receiver.ca });
      expect(outcome).toMatchObject({ kind: 'response', status: 200, address: '127.0.0.1' });
    } finally {
      net.setDefaultAutoSelectFamily(true);
    }
    expect(resolver.calls).toEqual(['localhost']);
  });

  it('tries the checked addresses in turn when the first one refuses the connection', async () => {
    const resolver = tableResolver({ localhost: ['127.0.0.3', '127.0.0.1'] });
    const outcome = await post(`https://localhost:${receiver.port}/`, { policy: LOCAL_RECEIVER, resolver, timeoutMs: 5000, ca: receiver.ca });
    expect(outcome).toMatchObject({ kind: 'response', status: 200, address: '127.0.0.1' });
  });
});

describe('a delivery to an allowed host', () => {
  it('reaches the receiver by name, with SNI and the Host header of the URL', async () => {
    const resolver = tableResolver({ localhost: ['127.0.0.1'] });
    const before = receiver.requests.length;
    const outcome = await post(`https://localhost:${receiver.port}/hooks/batchrouter?team=7`, { policy: LOCAL_RECEIVER, resolver, timeoutMs: 5000, ca: receiver.ca }, '{"a":1}', {
      'x-batchrouter-signature': 'abc',
      Host: 'attacker.example.com',
    });
    expect(outcome).toMatchObject({ kind: 'response', status: 200, bodyExcerpt: '', address: '127.0.0.1' });
    expect(resolver.calls).toEqual(['localhost']);
    const received = receiver.requests[before];
    expect(received).toMatchObject({ method: 'POST', url: '/hooks/batchrouter?team=7', body: '{"a":1}', servername: 'localhost' });
    expect(received?.headers).toMatchObject({ host: `localhost:${receiver.port}`, 'content-type': 'application/json', 'x-batchrouter-signature': 'abc', 'content-length': '7' });
  });

  it('reaches the receiver by IP literal, without a lookup or SNI', async () => {
    const resolver = tableResolver({});
    const before = receiver.requests.length;
    const outcome = await post(`https://127.0.0.1:${receiver.port}/`, { policy: LOCAL_RECEIVER, resolver, timeoutMs: 5000, ca: receiver.ca });
    expect(outcome).toMatchObject({ kind: 'response', status: 200, address: '127.0.0.1' });
    expect(resolver.calls).toEqual([]);
    expect(receiver.requests[before]).toMatchObject({ servername: null, headers: { host: `127.0.0.1:${receiver.port}` } });
  });

  it('returns a redirect as a response and does not follow it', async () => {
    receiver.setResponse({ status: 302, location: `https://127.0.0.1:${counter.port}/` });
    const outcome = await post(`https://localhost:${receiver.port}/`, { policy: LOCAL_RECEIVER, resolver: tableResolver({ localhost: ['127.0.0.1'] }), timeoutMs: 5000, ca: receiver.ca });
    expect(outcome).toMatchObject({ kind: 'response', status: 302 });
    expect(counter.connections()).toBe(0);
  });

  it('keeps the receiver status and at most 4 KB of its body', async () => {
    receiver.setResponse({ status: 503, body: 'x'.repeat(1_000_000) });
    const outcome = await post(`https://127.0.0.1:${receiver.port}/`, { policy: LOCAL_RECEIVER, resolver: tableResolver({}), timeoutMs: 5000, ca: receiver.ca });
    expect(outcome.kind).toBe('response');
    if (outcome.kind === 'response') {
      expect(outcome.status).toBe(503);
      expect(outcome.bodyExcerpt).toBe('x'.repeat(4096));
    }
  });
});

describe('a delivery that cannot complete fails without throwing', () => {
  it('fails after the timeout when the receiver never answers', async () => {
    receiver.setResponse({ status: 200, hang: true });
    const outcome = await post(`https://127.0.0.1:${receiver.port}/`, { policy: LOCAL_RECEIVER, resolver: tableResolver({}), timeoutMs: 300, ca: receiver.ca });
    expect(outcome).toMatchObject({ kind: 'failed', error: 'timed out after 0.3 s' });
  });

  it('fails after the timeout when the name never resolves', async () => {
    const outcome = await post('https://slow.example.com/', { policy: NO_EXCEPTIONS, resolver: () => new Promise(() => {}), timeoutMs: 300 });
    expect(outcome).toMatchObject({ kind: 'failed', error: 'timed out after 0.3 s' });
  });

  it('fails when the certificate is not trusted', async () => {
    const before = receiver.requests.length;
    const outcome = await post(`https://127.0.0.1:${receiver.port}/`, { policy: LOCAL_RECEIVER, resolver: tableResolver({}), timeoutMs: 5000 });
    expect(outcome).toMatchObject({ kind: 'failed', error: expect.stringMatching(/self-signed certificate/) });
    expect(receiver.requests.length).toBe(before);
  });

  it('fails when the certificate names another host', async () => {
    const outcome = await post(`https://receiver.test:${receiver.port}/`, { policy: LOCAL_RECEIVER, resolver: tableResolver({ 'receiver.test': ['127.0.0.1'] }), timeoutMs: 5000, ca: receiver.ca });
    expect(outcome).toMatchObject({ kind: 'failed', error: expect.stringMatching(/receiver\.test/) });
  });

  it('fails when nothing listens', async () => {
    const closed = await startConnectionCounter();
    await closed.stop();
    const outcome = await post(`https://127.0.0.1:${closed.port}/`, { policy: LOCAL_RECEIVER, resolver: tableResolver({}), timeoutMs: 5000 });
    expect(outcome).toMatchObject({ kind: 'failed', error: expect.stringMatching(/ECONNREFUSED/) });
  });

  it('fails when the name does not resolve or resolves to nothing', async () => {
    const resolver = tableResolver({ 'empty.example.com': [] });
    expect(await post('https://nowhere.example.com/', { policy: NO_EXCEPTIONS, resolver, timeoutMs: 5000 })).toMatchObject({ kind: 'failed', error: expect.stringMatching(/ENOTFOUND/) });
    expect(await post('https://empty.example.com/', { policy: NO_EXCEPTIONS, resolver, timeoutMs: 5000 })).toMatchObject({ kind: 'failed', error: 'empty.example.com resolves to no address' });
  });

  it('fails on a header value Node refuses to send', async () => {
    const outcome = await post(`https://127.0.0.1:${receiver.port}/`, { policy: LOCAL_RECEIVER, resolver: tableResolver({}), timeoutMs: 5000, ca: receiver.ca }, '{}', { 'x-evil': 'a\r\nInjected: yes' });
    expect(outcome).toMatchObject({ kind: 'failed', error: expect.stringMatching(/Invalid character/) });
  });
});
