/** The API reference: /openapi.json (generated from the route schemas), /docs and /docs/errors. */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { ERROR_CODES } from '../../domain/errors.ts';
import type { App } from '../app.ts';

function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

function inlineCode(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

/** The error reference page, one anchored section per code, built from the error table. */
export function renderErrorsPage(): string {
  const rows = Object.entries(ERROR_CODES)
    .map(
      ([code, def]) =>
        `<section id="${code}"><h2><a href="#${code}">${code}</a> <span class="status">${def.status}</span></h2>` +
        `<p>${inlineCode(def.meaning)}</p><p><strong>Fix:</strong> ${inlineCode(def.fix)}</p></section>`,
    )
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>BatchRouter errors</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
h2{font-size:1.1rem;margin:1.6rem 0 .3rem}h2 a{color:inherit}.status{color:#555;font-weight:normal}
code{background:#f2f2f2;padding:0 .25rem;border-radius:3px}:target{background:#fff8d6}</style></head>
<body><h1>BatchRouter error codes</h1>
<p>Every error is <code>{"error":{"code","message","docs_url","details"?},"request_id"}</code>. Keep the <code>request_id</code> (also in the <code>X-Request-Id</code> header) when you report a problem.</p>
${rows}
<p><a href="/docs">API reference</a></p></body></html>`;
}

export async function registerDocsRoutes(app: App): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'BatchRouter API',
        version: '1',
        description: 'Self-hostable LLM batch router. Errors: see /docs/errors.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'API key: br_live_… or br_test_…' },
          operator: { type: 'http', scheme: 'bearer', description: 'Operator token (BATCHROUTER_ADMIN_TOKEN)' },
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: 'br_session',
            description: 'Dashboard session cookie (set by sign-in); state-changing requests also need X-CSRF-Token',
          },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' } });
  const errorsPage = renderErrorsPage();
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/docs/errors', { schema: { hide: true } }, async (_request, reply) => reply.type('text/html; charset=utf-8').send(errorsPage));
}
