/**
 * Hostile and broken input: malformed Authorization headers, keys of the wrong environment,
 * bodies that are not JSON objects, unknown and mistyped fields, impossible expiries, unknown
 * routes. Every rejection is the structured error body with the right status, and changes nothing.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSecret } from '../../src/domain/api-key-secrets.ts';
import { ERROR_CODES } from '../../src/domain/errors.ts';
import { errorCode, registerOrg, startTestServer, type ApiResponse, type Registered, type RequestOptions, type TestServer } from '../helpers/server.ts';

const ACCOUNT = '/v1/auth/account';
const KEYS = '/v1/auth/account/api-keys';
const NOW = new Date('2030-06-15T12:00:00Z');
const JSON_TYPE = { 'content-type': 'application/json' };

let server: TestServer;
let owner: Registered;

beforeAll(async () => {
  server = await startTestServer();
  server.clock.set(NOW);
  owner = await registerOrg(server, { org_name: 'Hostile input' });
});
afterAll(async () => server?.stop());

interface ErrorDetails {
  error: { message: string; details?: { path: string; message: string }[] };
}

function messageOf(response: ApiResponse): string {
  return (response.body as unknown as ErrorDetails).error.message;
}

function detailsOf(response: ApiResponse): { path: string; message: string }[] {
  return (response.body as unknown as ErrorDetails).error.details ?? [];
}

function detailPaths(response: ApiResponse): string[] {
  return [...new Set(detailsOf(response).map((detail) => detail.path))].sort();
}

/** Rows in api_keys for the test org. */
async function keyCount(): Promise<number> {
  const row = await server.server.database.db
    .selectFrom('api_keys')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('org_id', '=', owner.orgId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** POSTs to the create-key endpoint as the owner, and checks the org's keys did not change. */
async function rejectedKeyRequest(options: RequestOptions): Promise<ApiResponse> {
  const before = await keyCount();
  const response = await server.request('POST', KEYS, { key: owner.key, ...options });
  expect(response.status).toBeGreaterThanOrEqual(400);
  expect(response.status).toBeLessThan(500);
  expect(await keyCount()).toBe(before);
  return response;
}

/**
 * GET with headers sent byte for byte through node:http (fetch refuses header values that are not
 * ByteStrings). Header values are latin1 strings: one character per byte on the wire.
 */
function rawGet(route: string, headers: Record<string, string>): Promise<ApiResponse> {
  const url = new URL(route, server.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'GET', headers });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const responseHeaders = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined) responseHeaders.set(name, Array.isArray(value) ? value.join(', ') : value);
        }
        const isJson = (res.headers['content-type'] ?? '').includes('json');
        resolve({ status: res.statusCode ?? 0, headers: responseHeaders, body: isJson ? (JSON.parse(text) as Record<string, unknown>) : { text } });
      });
    });
    req.end();
  });
}

/** Replaces one character of a key with another base62 character, leaving the shape intact. */
function mistype(key: string, index: number): string {
  const original = key.charAt(index);
  const replacement = original === 'a' ? 'b' : 'a';
  return key.slice(0, index) + replacement + key.slice(index + 1);
}

describe('malformed Authorization headers on GET /v1/auth/account', () => {
  it('a bare key with no scheme gets 401 api_key_malformed', async () => {
    const response = await server.request('GET', ACCOUNT, { headers: { authorization: owner.key } });
    expect(response.status).toBe(401);
    expect(errorCode(response)).toBe('api_key_malformed');
  });

  it.each([
    ['Basic', (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`],
    ['Basic with the raw key', (key: string) => `Basic ${key}`],
    ['Token', (key: string) => `Token ${key}`],
    ['Bearer: (with a colon)', (key: string) => `Bearer: ${key}`],
  ])('the %s scheme gets 401 api_key_malformed', async (_scheme, header) => {
    const response = await server.request('GET', ACCOUNT, { headers: { authorization: header(owner.key) } });
    expect(response.status).toBe(401);
    expect(errorCode(response)).toBe('api_key_malformed');
  });

  it('"Bearer" with nothing after it gets 401 api_key_malformed', async () => {
    const response = await rawGet(ACCOUNT, { authorization: 'Bearer ' });
    expect(response.status).toBe(401);
    expect(errorCode(response)).toBe('api_key_malformed');
  });

  it('trailing garbage after the key gets 401 api_key_malformed', async () => {
    const response = await server.request('GET', ACCOUNT, { headers: { authorization: `Bearer ${owner.key} extra` } });
    expect(response.status).toBe(401);
    expect(errorCode(response)).toBe('api_key_malformed');
  });

  it('two keys in one header get 401 api_key_malformed', async () => {
    const response = await server.request('GET', ACCOUNT, { headers: { authorization: `Bearer ${owner.key}, Bearer ${owner.key}` } });
    expect(response.status).toBe(401);
    expect(errorCode(response)).toBe('api_key_malformed');
  });

  it.each([
    ['in the random part', 12],
    ['in the checksum', -1],
  ])('a key with one character changed %s fails its checksum: 401 api_key_malformed', async (_where, index) => {
    const typo = mistype(owner.key, index < 0 ? owner.key.length + index : index);
    expect(typo).toHaveLength(owner.key.length);
    const response = await server.request('GET', ACCOUNT, { key: typo });
    expect(response.status).toBe(401);
    expect(errorCode(response)).toBe('api_key_malformed');
    expect(messageOf(response)).toMatch(/checksum/);
  });

  it('a truncated key gets 401 api_key_malformed', async () => {
    const response = await server.request('GET', ACCOUNT, { key: owner.key.slice(0, -5) });
    expect(response.status).toBe(401);
    expect(errorCode(response)).toBe('api_key_malformed');
  });

  it('an 8 KB Authorization header gets 401 api_key_malformed', async () => {
    const response = await server.request('GET', ACCOUNT, { key: `${owner.key}${'A'.repeat(8 * 1024)}` });
    expect(response.status).toBe(401);
    expect(errorCode(response)).toBe('api_key_malformed');
  });

  it('latin1 bytes (é) in the key get 401 api_key_malformed', async () => {
    const response = await rawGet(ACCOUNT, { authorization: `Bearer ${owner.key.slice(0, -1)}é` });
    expect(response.status).toBe(401);
    expect(errorCode(response)).toBe('api_key_malformed');
  });

  it('UTF-8 bytes of an emoji in the key get 401 api_key_malformed', async () => {
    const utf8AsLatin1 = Buffer.from('🔑', 'utf8').toString('latin1');
    const response = await rawGet(ACCOUNT, { authorization: `Bearer ${owner.key}${utf8AsLatin1}` });
    expect(response.status).toBe(401);
    expect(errorCode(response)).toBe('api_key_malformed');
  });

  it('a lowercase "bearer" scheme with a valid key gets 200 (RFC 7235: the scheme is case-insensitive)', async () => {
    const response = await server.request('GET', ACCOUNT, { headers: { authorization: `bearer ${owner.key}` } });
    expect(response.status).toBe(200);
    expect(response.body['org_id']).toBe(owner.orgId);
  });

  it('an Authorization header over the 16 KB header limit gets 431 request_header_too_large, still as the structured body', async () => {
    const response = await rawGet(ACCOUNT, { authorization: `Bearer ${'A'.repeat(20 * 1024)}` });
    expect(response.status).toBe(431);
    expect(errorCode(response)).toBe('request_header_too_large');
  });
});

describe('keys of the wrong environment, and unknown keys', () => {
  it('a well-formed br_test_ key against the live instance gets 401 api_key_wrong_environment, pointing at the test environment', async () => {
    const response = await server.request('GET', ACCOUNT, { key: generateSecret('test') });
    expect(response.status).toBe(401);
    expect(errorCode(response)).toBe('api_key_wrong_environment');
    expect(messageOf(response)).toMatch(/test (key|environment|base URL)/);
    expect(messageOf(response)).toContain('br_live_');
  });

  it('an unknown but well-formed br_live_ key gets 401 api_key_invalid', async () => {
    const response = await server.request('GET', ACCOUNT, { key: generateSecret('live') });
    expect(response.status).toBe(401);
    expect(errorCode(response)).toBe('api_key_invalid');
  });

  it('a malformed body without a key gets 401 api_key_required, not a parse error', async () => {
    const response = await server.request('POST', KEYS, { rawBody: '{"name":', headers: JSON_TYPE });
    expect(response.status).toBe(401);
    expect(errorCode(response)).toBe('api_key_required');
  });
});

describe('bodies that are not a JSON object, on POST /v1/auth/account/api-keys', () => {
  it('truncated JSON gets 400 invalid_json', async () => {
    const response = await rejectedKeyRequest({ rawBody: '{"name":"worker"', headers: JSON_TYPE });
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe('invalid_json');
  });

  it.each([
    ['a JSON array', '["name","worker"]'],
    ['a JSON string', '"worker"'],
    ['a JSON number', '42'],
    ['null', 'null'],
  ])('%s gets 400 invalid_request: the body must be an object', async (_what, rawBody) => {
    const response = await rejectedKeyRequest({ rawBody, headers: JSON_TYPE });
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe('invalid_request');
    expect(detailPaths(response)).toEqual(['body']);
  });

  it('a __proto__ key gets 400 invalid_json, and pollutes nothing', async () => {
    const response = await rejectedKeyRequest({ rawBody: '{"__proto__":{"x":1}}', headers: JSON_TYPE });
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe('invalid_json');
    expect(Object.prototype).not.toHaveProperty('x');
  });

  it('a constructor.prototype key gets 400 invalid_json, and pollutes nothing', async () => {
    const response = await rejectedKeyRequest({ rawBody: '{"constructor":{"prototype":{"x":1}}}', headers: JSON_TYPE });
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe('invalid_json');
    expect(Object.prototype).not.toHaveProperty('x');
  });

  it.each([
    ['escaped', '{"name":"worker","\\u005f_proto__":{"x":1}}'],
    ['spaced, deeper', '{"name":"worker","scopes":[{ "__proto__" : {"x":1}}]}'],
    ['an escaped constructor', '{"name":"worker","\\u0063onstructor":{"prototype":{"x":1}}}'],
  ])('a __proto__ or constructor key spelt otherwise (%s) gets 400 invalid_json too', async (_what, rawBody) => {
    const response = await rejectedKeyRequest({ rawBody, headers: JSON_TYPE });
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe('invalid_json');
    expect(Object.prototype).not.toHaveProperty('x');
  });

  it('"__proto__" and "constructor" as string values, not keys, are ordinary text', async () => {
    for (const name of ['__proto__', 'constructor']) {
      const response = await server.request('POST', KEYS, { key: owner.key, rawBody: `{"name":"${name}"}`, headers: JSON_TYPE });
      expect(response.status).toBe(201);
      expect((response.body as { name?: unknown }).name).toBe(name);
    }
  });

  it('an empty body with Content-Type: application/json gets 400 invalid_json', async () => {
    const response = await rejectedKeyRequest({ rawBody: '', headers: JSON_TYPE });
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe('invalid_json');
  });

  it('a JSON body sent as text/plain gets 415 unsupported_media_type', async () => {
    const response = await rejectedKeyRequest({ rawBody: '{"name":"worker"}', headers: { 'content-type': 'text/plain' } });
    expect(response.status).toBe(415);
    expect(errorCode(response)).toBe('unsupported_media_type');
  });

  it('a form-encoded body gets 415 unsupported_media_type', async () => {
    const response = await rejectedKeyRequest({ rawBody: 'name=worker', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(response.status).toBe(415);
    expect(errorCode(response)).toBe('unsupported_media_type');
  });

  it('a body over the 1 MiB limit gets 413 payload_too_large', async () => {
    const name = 'x'.repeat(server.config.bodyLimitBytes);
    const response = await rejectedKeyRequest({ body: { name } });
    expect(response.status).toBe(413);
    expect(errorCode(response)).toBe('payload_too_large');
  });

  it('deeply nested arrays get 400 invalid_request, not a stack overflow', async () => {
    const deep = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
    const response = await rejectedKeyRequest({ rawBody: `{"scopes":[${deep(100_000)},${deep(100_000)}]}`, headers: JSON_TYPE });
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe('invalid_request');
  });
});

describe('unknown fields and wrong types', () => {
  it('an unknown field gets 400 invalid_request naming it in details', async () => {
    const response = await rejectedKeyRequest({ body: { name: 'x', admin: true } });
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe('invalid_request');
    expect(detailsOf(response)).toContainEqual({ path: 'admin', message: 'is not a known field' });
  });

  it.each([
    ['a number as name', { name: 123 }, 'name'],
    ['a string as scopes', { scopes: 'batches:read' }, 'scopes'],
    ['an unknown scope', { scopes: ['nope'] }, 'scopes[0]'],
    ['an unknown role', { role: 'root' }, 'role'],
    ['an empty name', { name: '' }, 'name'],
    ['a name with a NUL byte', { name: 'a\u0000b' }, 'name'],
    ['a name with an unpaired surrogate', { name: 'a\ud800b' }, 'name'],
  ])('%s gets 400 invalid_request with a detail at its path', async (_what, body, path) => {
    const response = await rejectedKeyRequest({ body });
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe('invalid_request');
    expect(detailPaths(response)).toEqual([path]);
  });

  it('several problems at once are each listed in details', async () => {
    const response = await rejectedKeyRequest({ body: { name: 123, admin: true, scopes: 'batches:read', expires_at: 'tomorrow', role: 'root' } });
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe('invalid_request');
    expect(detailPaths(response)).toEqual(['admin', 'expires_at', 'name', 'role', 'scopes']);
  });
});

describe('expires_at', () => {
  it.each([
    ['in the past', '2030-06-15T11:59:59Z'],
    ['equal to now', '2030-06-15T12:00:00Z'],
    ['equal to now, in another offset', '2030-06-15T14:00:00+02:00'],
    ['not a date ("tomorrow")', 'tomorrow'],
    ['an impossible date (month 13, day 45)', '2027-13-45T00:00:00Z'],
    ['a date without a time', '2031-01-01'],
    ['a number', 1_950_000_000],
  ])('%s gets 400 invalid_request with a detail at expires_at', async (_what, expiresAt) => {
    const response = await rejectedKeyRequest({ body: { name: 'expiring', expires_at: expiresAt } });
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe('invalid_request');
    expect(detailPaths(response)).toEqual(['expires_at']);
  });

  it('one millisecond after now is accepted', async () => {
    const before = await keyCount();
    const response = await server.request('POST', KEYS, { key: owner.key, body: { expires_at: '2030-06-15T12:00:00.001Z' } });
    expect(response.status).toBe(201);
    expect(response.body['expires_at']).toBe('2030-06-15T12:00:00.001Z');
    expect(await keyCount()).toBe(before + 1);
  });
});

describe('unknown routes and the error reference', () => {
  it.each([
    ['GET', '/v1/does-not-exist'],
    ['GET', '/v1/auth/account/'.repeat(20)],
    ['POST', '/v1/auth/account'],
    ['DELETE', '/v1/auth/account/api-keys'],
    ['GET', '/v1/auth/account/api-keys/key_x/revoke'],
  ])('%s %s gets 404 route_not_found', async (method, route) => {
    const response = await server.request(method, route);
    expect(response.status).toBe(404);
    expect(errorCode(response)).toBe('route_not_found');
  });

  it('GET /docs/errors is HTML with an anchor for every error code', async () => {
    const response = await server.request('GET', '/docs/errors');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const page = String(response.body);
    for (const code of Object.keys(ERROR_CODES)) expect(page).toContain(`id="${code}"`);
  });
});
