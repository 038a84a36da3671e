/**
 * The dashboard: the single-page app built into web/dist (`npm run build:web`, which `npm install`
 * runs), served at `/` by the API server itself. Hashed assets are cached for a year; the page
 * itself is revalidated on every load and carries a strict Content-Security-Policy. Any other GET
 * that asks for HTML gets the page, whose client-side router shows the right screen; API paths and
 * non-HTML requests keep the API's JSON 404.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../app.ts';

/** Where `npm run build:web` writes the dashboard. */
export const WEB_DIST_DIRECTORY = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

/**
 * No inline script or style, nothing from another origin, no framing. The app sets styles only
 * through the CSSOM, which style-src does not restrict.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Paths that belong to the API, its documentation and operations: never answered with the app. */
const SERVER_PATHS = /^\/(v1|docs|openapi\.json|operator|healthz|readyz|metrics)(\/|$)/;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/** Vite names everything under assets/ after its content hash: it never changes under the same name. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

const PAGE_HEADERS = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  // Email links carry tokens in the query string: never send them on as a referrer.
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

function notBuiltPage(distDirectory: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Dashboard not built · BatchRouter</title></head>
<body><h1>The dashboard has not been built</h1>
<p>This server looks for the dashboard in <code>${distDirectory.replaceAll('&', '&amp;').replaceAll('<', '&lt;')}</code> and found no <code>index.html</code> there.</p>
<p>Build it with <code>npm run build:web</code> (<code>npm install</code> and <code>npm ci</code> run it too), then reload this page. No restart is needed.</p>
<p>The API works meanwhile: see <a href="/docs">/docs</a>.</p></body></html>`;
}

interface CachedPage {
  mtimeMs: number;
  body: Buffer;
  etag: string;
}

/** The file under `root` a URL path names, or null when it would leave it or names a hidden file. */
function fileUnder(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.split('/').some((segment) => segment.startsWith('.'))) return null;
  const file = path.resolve(root, `.${path.posix.normalize(`/${decoded}`)}`);
  const relative = path.relative(root, file);
  return relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? null : file;
}

function acceptsHtml(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/html');
}

/** Registers the dashboard routes; `distDirectory` defaults to web/dist. */
export function registerWebRoutes(app: App, options: { distDirectory?: string } = {}): void {
  const root = path.resolve(options.distDirectory ?? WEB_DIST_DIRECTORY);
  const indexFile = path.join(root, 'index.html');
  let cached: CachedPage | null = null;

  // Read again only when the build changed it, so rebuilding needs no restart.
  async function readPage(): Promise<CachedPage | null> {
    const info = await stat(indexFile).catch(() => null);
    if (!info?.isFile()) return null;
    if (cached?.mtimeMs !== info.mtimeMs) {
      const body = await readFile(indexFile);
      cached = { mtimeMs: info.mtimeMs, body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
    }
    return cached;
  }

  async function sendPage(request: FastifyRequest, reply: FastifyReply) {
    const page = await readPage();
    if (page === null) {
      return reply.status(503).headers({ 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': "default-src 'none'", 'retry-after': '10' }).send(notBuiltPage(root));
    }
    reply.headers({ ...PAGE_HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache', etag: page.etag });
    if (request.headers['if-none-match'] === page.etag) return reply.status(304).send();
    return reply.send(page.body);
  }

  async function serve(request: FastifyRequest, reply: FastifyReply) {
    const urlPath = request.url.split('?')[0] ?? '/';
    if (SERVER_PATHS.test(urlPath)) return reply.callNotFound();
    if (urlPath === '/' || urlPath === '/index.html') return sendPage(request, reply);
    const file = fileUnder(root, urlPath);
    const info = file === null ? null : await stat(file).catch(() => null);
    if (file !== null && info?.isFile()) {
      const type = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
      reply.headers({
        'content-type': type,
        'content-length': String(info.size),
        'cache-control': urlPath.startsWith('/assets/') ? IMMUTABLE : 'no-cache',
        'x-content-type-options': 'nosniff',
      });
      return reply.send(createReadStream(file));
    }
    // A missing asset or file must not turn into the page: the browser would parse HTML as script.
    const lastSegment = urlPath.slice(urlPath.lastIndexOf('/') + 1);
    if (urlPath.startsWith('/assets/') || lastSegment.includes('.') || !acceptsHtml(request)) return reply.callNotFound();
    return sendPage(request, reply);
  }

  app.get('/', { schema: { hide: true } }, serve);
  app.get('/*', { schema: { hide: true } }, serve);

  void stat(indexFile).catch(() => {
    app.log.warn({ directory: root }, 'the dashboard is not built (no index.html): / answers 503 until `npm run build:web` runs');
  });
}
