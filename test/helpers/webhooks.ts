/**
 * Webhook tests: a server that may deliver to `localhost` (allowed explicitly, trusting the test
 * receiver's self-signed certificate), a resolver the test controls, and receivers' own checks of
 * both signatures, written from the specifications rather than from BatchRouter's code.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Config } from '../../src/config.ts';
import type { ResolvedAddress } from '../../src/webhooks/resolver.ts';
import { startTestServer, type TestServer } from './server.ts';
import { loopbackTestCertificate } from './tls.ts';

/** Host names the test resolver answers, changeable while the server runs. */
export type ResolverTable = Map<string, ResolvedAddress[]>;

/** A test server delivering webhooks: `localhost` allowed, resolving to 127.0.0.1, the receivers' CA trusted, retries a second apart. */
export async function startWebhookServer(overrides: Partial<Config> = {}): Promise<{ server: TestServer; names: ResolverTable; lookups: string[] }> {
  const directory = await mkdtemp(path.join(tmpdir(), 'br-webhook-ca-'));
  const caFile = path.join(directory, 'ca.pem');
  await writeFile(caFile, (await loopbackTestCertificate()).cert);
  const names: ResolverTable = new Map([['localhost', [{ address: '127.0.0.1', family: 4 }]]]);
  const lookups: string[] = [];
  const server = await startTestServer(
    { webhookAllowedHosts: new Set(['localhost']), webhookCaFile: caFile, webhookRetryBaseSeconds: 1, ...overrides },
    {
      resolveHost: async (hostname) => {
        lookups.push(hostname);
        const found = names.get(hostname);
        if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
        return found;
      },
    },
  );
  return { server, names, lookups };
}

function header(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  if (typeof value !== 'string') throw new Error(`no ${name} header`);
  return value;
}

/**
 * Standard Webhooks verification as a receiver does it: the key is the base64 after `whsec_`,
 * the signed content `<webhook-id>.<webhook-timestamp>.<body>`, any `v1,` signature may match,
 * and the timestamp must be within five minutes of `nowSeconds`.
 */
export function verifiesStandardWebhook(secret: string, headers: IncomingHttpHeaders, body: string, nowSeconds: number): boolean {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  if (Math.abs(nowSeconds - Number(timestamp)) > 300) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  return header(headers, 'webhook-signature')
    .split(' ')
    .some((part) => {
      const [version, signature] = part.split(',');
      if (version !== 'v1' || signature === undefined) return false;
      const given = Buffer.from(signature, 'base64');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
}

/** `X-BatchRouter-Signature`: hex HMAC-SHA256 of the raw body keyed with the secret as written; any listed one may match. */
export function verifiesBatchRouterSignature(secret: string, headers: IncomingHttpHeaders, body: string): boolean {
  const expected = createHmac('sha256', secret).update(body).digest('hex');
  return header(headers, 'x-batchrouter-signature')
    .split(',')
    .some((given) => given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected)));
}

/** Waits until `check` returns a value other than undefined, polling, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The parsed body of a received event. */
export interface ReceivedEvent {
  id: string;
  type: string;
  created_at: string;
  data: { batch?: { id: string; status: string; counts: Record<string, number> } } & Record<string, unknown>;
}
