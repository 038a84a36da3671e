/**
 * A real BatchRouter server for a test file: real HTTP on 127.0.0.1, on the embedded database
 * (in memory) or, when TEST_DATABASE_URL is set, on PostgreSQL in a schema of its own that is
 * dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';
import { ManualClock, type Clock } from '../../src/clock.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import type { DatabaseTarget } from '../../src/db/database.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import type { HostResolver } from '../../src/webhooks/resolver.ts';

export const TEST_DATABASE_URL = process.env['TEST_DATABASE_URL'] ?? null;
export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RequestOptions {
  key?: string;
  body?: unknown;
  /** Sent as is instead of JSON-encoding `body`. */
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface TestServer {
  url: string;
  server: RunningServer;
  clock: ManualClock;
  config: Config;
  request<T = Record<string, unknown>>(method: string, route: string, options?: RequestOptions): Promise<ApiResponse<T>>;
  stop(): Promise<void>;
}

/** A fresh PostgreSQL schema name, unique to this test run and file. */
export function freshSchemaName(): string {
  return `t_${randomBytes(6).toString('hex')}`;
}

/** Drops a schema and its job-queue schema from the test PostgreSQL. */
export async function dropSchemas(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade; drop schema if exists "${schema}_jobs" cascade`);
  } finally {
    await client.end();
  }
}

export async function startTestServer(overrides: Partial<Config> = {}, options: { clock?: Clock; logger?: Logger; resolveHost?: HostResolver } = {}): Promise<TestServer> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'br-test-'));
  const config: Config = {
    ...loadConfig({}),
    port: 0,
    host: '127.0.0.1',
    dataDir,
    adminToken: ADMIN_TOKEN,
    logLevel: 'silent',
    databaseUrl: TEST_DATABASE_URL,
    databaseSchema: freshSchemaName(),
    // Tests count money exactly: orgs start empty unless a test says otherwise.
    starterCreditsMicros: 0,
    // The sandbox answers at once unless a test wants it slow.
    sandboxLatencyMedianMs: 0,
    sandboxLatencyP99Ms: 0,
    sandboxBatchSeconds: 0,
    ...overrides,
  };
  const clock = options.clock instanceof ManualClock ? options.clock : new ManualClock();
  const databaseTarget: DatabaseTarget =
    config.databaseUrl !== null
      ? { kind: 'postgres', url: config.databaseUrl, schema: config.databaseSchema }
      : { kind: 'pglite', directory: null, schema: config.databaseSchema };
  const server = await startServer(config, { clock, databaseTarget, ...(options.logger ? { logger: options.logger } : {}), ...(options.resolveHost ? { resolveHost: options.resolveHost } : {}) });
  const request = async <T,>(method: string, route: string, opts: RequestOptions = {}): Promise<ApiResponse<T>> => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.key !== undefined) headers['authorization'] = `Bearer ${opts.key}`;
    let body: string | undefined = opts.rawBody;
    if (body === undefined && opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${server.url}${route}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    return { status: response.status, headers: response.headers, body: (type.includes('json') ? JSON.parse(text) : text) as T };
  };
  return {
    url: server.url,
    server,
    clock,
    config,
    request,
    stop: async () => {
      await server.stop();
      if (config.databaseUrl !== null) await dropSchemas(config.databaseUrl, config.databaseSchema);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Registered {
  orgId: string;
  key: string;
  keyId: string;
}

/** Registers a new org through the API and returns its owner key. */
export async function registerOrg(server: TestServer, body: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Registered> {
  const response = await server.request<{ org_id: string; api_key: string; api_key_id: string }>('POST', '/v1/auth/agent-register', { body, headers });
  if (response.status !== 201) throw new Error(`agent-register answered ${response.status}: ${JSON.stringify(response.body)}`);
  return { orgId: response.body.org_id, key: response.body.api_key, keyId: response.body.api_key_id };
}

/** Creates a key with the given body using `key`; returns the new secret and id. */
export async function createKey(server: TestServer, key: string, body: Record<string, unknown> = {}): Promise<{ key: string; keyId: string }> {
  const response = await server.request<{ api_key: string; api_key_id: string }>('POST', '/v1/auth/account/api-keys', { key, body });
  if (response.status !== 201) throw new Error(`create key answered ${response.status}: ${JSON.stringify(response.body)}`);
  return { key: response.body.api_key, keyId: response.body.api_key_id };
}

/** Checks the shape every error must have and returns its code. */
export function errorCode(response: ApiResponse): string {
  const body = response.body as { error?: { code?: unknown; message?: unknown; docs_url?: unknown }; request_id?: unknown };
  if (typeof body.error?.code !== 'string' || typeof body.error.message !== 'string' || typeof body.error.docs_url !== 'string') {
    throw new Error(`not a structured error body: ${JSON.stringify(response.body)}`);
  }
  if (typeof body.request_id !== 'string' || !body.request_id.startsWith('req_')) throw new Error(`no request_id in ${JSON.stringify(body)}`);
  if (response.headers.get('x-request-id') !== body.request_id) throw new Error('X-Request-Id header differs from request_id');
  if (!body.error.docs_url.endsWith(`/docs/errors#${body.error.code}`)) throw new Error(`docs_url ${body.error.docs_url} does not name the code`);
  return body.error.code;
}
