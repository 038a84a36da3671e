/** The API reference is generated from the same schemas that validate requests. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.stop());

describe('GET /openapi.json', () => {
  it('documents every public endpoint with its error body', async () => {
    const response = await server.request<{ openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown> }>> }>('GET', '/openapi.json');
    expect(response.status).toBe(200);
    expect(response.body.openapi).toBe('3.1.0');
    const paths = response.body.paths;
    expect(Object.keys(paths)).toEqual(
      expect.arrayContaining([
        '/v1/auth/agent-register',
        '/v1/auth/account',
        '/v1/auth/account/api-keys',
        '/v1/auth/account/api-keys/{id}/revoke',
        '/healthz',
        '/readyz',
      ]),
    );
    expect(paths['/v1/auth/account/api-keys']?.['post']?.responses).toHaveProperty('4XX');
  });
});

describe('GET /docs', () => {
  it('serves a readable API reference', async () => {
    const response = await fetch(`${server.url}/docs`, { redirect: 'follow' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
  });
});

describe('health', () => {
  it('/healthz answers without touching the database; /readyz checks it', async () => {
    expect((await server.request('GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await server.request('GET', '/readyz')).body).toEqual({ status: 'ready', database: 'ok' });
  });
});
