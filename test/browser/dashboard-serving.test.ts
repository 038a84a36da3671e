/**
 * How the server hands out the dashboard: the page at `/` and at every dashboard path that asks
 * for HTML (client-side routing), hashed assets cached for a year, the page revalidated with a
 * strict CSP, API paths and non-HTML requests kept on the JSON 404, and a helpful 503 when the
 * dashboard was never built.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeNotFoundHandler } from '../../src/http/errors.ts';
import { registerWebRoutes, WEB_DIST_DIRECTORY } from '../../src/http/routes/web.ts';
import { errorCode, startTestServer, type TestServer } from '../helpers/server.ts';

const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

describe('the dashboard served by the API server', () => {
  let server: TestServer;
  let script: string;
  beforeAll(async () => {
    server = await startTestServer();
    const assets = await readdir(path.join(WEB_DIST_DIRECTORY, 'assets'));
    const found = assets.find((name) => name.endsWith('.js'));
    if (!found) throw new Error('the dashboard build has no script');
    script = `/assets/${found}`;
  });
  afterAll(async () => server?.stop());

  it('answers / with the app: HTML, no-cache, a strict CSP without inline script, and security headers', async () => {
    const response = await server.request<string>('GET', '/', { headers: HTML });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.body).toContain('<div id="root"></div>');
    expect(response.body).toContain(`src="${script}"`);
    // Every script is a file: nothing inline for the CSP to refuse.
    expect(response.body.match(/<script(?![^>]*\bsrc=)[^>]*>/g)).toBeNull();
  });

  it('answers every dashboard path asked for as HTML with the same page (client-side routing), email links included', async () => {
    const home = await server.request<string>('GET', '/', { headers: HTML });
    for (const route of ['/account', '/batches/bat_123', '/usage', '/verify-email?token=abc', '/reset-password?token=abc', '/invite?token=abc', '/some/unknown/page']) {
      const response = await server.request<string>('GET', route, { headers: HTML });
      expect(response.status, route).toBe(200);
      expect(response.body, route).toBe(home.body);
      expect(response.headers.get('content-security-policy'), route).toContain("script-src 'self'");
    }
  });

  it('revalidates the page with an ETag: an unchanged page answers 304', async () => {
    const first = await server.request<string>('GET', '/batches', { headers: HTML });
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    const again = await server.request<string>('GET', '/batches', { headers: { ...HTML, 'if-none-match': etag ?? '' } });
    expect(again.status).toBe(304);
  });

  it('serves hashed assets with their type and a year-long immutable cache; other files are revalidated', async () => {
    const asset = await server.request<string>('GET', script);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('x-content-type-options')).toBe('nosniff');
    const theme = await server.request<string>('GET', '/theme.js');
    expect(theme.status).toBe(200);
    expect(theme.headers.get('cache-control')).toBe('no-cache');
    const icon = await server.request<string>('GET', '/favicon.svg');
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
  });

  it('keeps the API, the docs and the OpenAPI document as they are: never the app', async () => {
    const unknownApi = await server.request('GET', '/v1/no-such-endpoint', { headers: HTML });
    expect(unknownApi.status).toBe(404);
    expect(errorCode(unknownApi)).toBe('route_not_found');
    expect((await server.request('GET', '/openapi.json', { headers: HTML })).headers.get('content-type')).toContain('application/json');
    expect((await server.request<string>('GET', '/docs/errors', { headers: HTML })).body).toContain('BatchRouter error codes');
    expect((await server.request('GET', '/healthz', { headers: HTML })).body).toEqual({ status: 'ok' });
  });

  it('answers a missing asset, a missing file and a request that does not accept HTML with the JSON 404, not the page', async () => {
    for (const [route, headers] of [
      ['/assets/index-missing.js', HTML],
      ['/missing.png', HTML],
      ['/account', { accept: 'application/json' }],
      ['/account', {}],
    ] as const) {
      const response = await server.request('GET', route, { headers });
      expect(response.status, route).toBe(404);
      expect(errorCode(response), route).toBe('route_not_found');
    }
  });

  it('never serves a file from outside web/dist, however the path is spelled', async () => {
    for (const route of ['/../package.json', '/assets/../../package.json', '/%2e%2e/package.json', '/assets/%2e%2e%2f%2e%2e%2fpackage.json', '/.vite/manifest.json']) {
      const response = await server.request<string>('GET', route);
      expect(response.status, route).toBe(404);
      expect(JSON.stringify(response.body), route).not.toContain('"dependencies"');
    }
  });

  it('answers HEAD like GET without a body', async () => {
    const page = await fetch(`${server.url}/usage`, { method: 'HEAD', headers: HTML });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toBe('');
    const asset = await fetch(`${server.url}${script}`, { method: 'HEAD' });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(Number(asset.headers.get('content-length'))).toBeGreaterThan(1000);
    expect(await asset.text()).toBe('');
  });
});

describe('a server whose dashboard was never built', () => {
  let directory: string;
  let url: string;
  let close: () => Promise<void>;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'br-web-'));
    const app = Fastify({ loggerInstance: pino({ level: 'silent' }) }).withTypeProvider<TypeBoxTypeProvider>();
    app.setNotFoundHandler(makeNotFoundHandler(null));
    registerWebRoutes(app, { distDirectory: path.join(directory, 'dist') });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
    close = () => app.close();
  });
  afterAll(async () => {
    await close?.();
    await rm(directory, { recursive: true, force: true });
  });

  it('answers 503 with a page saying how to build it, and serves it once built, without a restart', async () => {
    const missing = await fetch(`${url}/account`, { headers: HTML });
    expect(missing.status).toBe(503);
    expect(missing.headers.get('cache-control')).toBe('no-store');
    const text = await missing.text();
    expect(text).toContain('The dashboard has not been built');
    expect(text).toContain('npm run build:web');

    await mkdir(path.join(directory, 'dist'));
    await writeFile(path.join(directory, 'dist', 'index.html'), '<!doctype html><title>built</title><div id="root"></div>');
    const built = await fetch(`${url}/account`, { headers: HTML });
    expect(built.status).toBe(200);
    expect(await built.text()).toContain('<title>built</title>');
  });
});
