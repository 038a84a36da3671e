/**
 * Vitest global setup of the browser tests: builds the dashboard from web/ into web/dist (what the
 * server under test serves), so the tests always exercise the current source, as `npm run
 * build:web` would build it.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

export default async function buildDashboard(): Promise<void> {
  // Vitest sets NODE_ENV=test, which would make Vite bundle React's development build.
  const nodeEnv = process.env['NODE_ENV'];
  process.env['NODE_ENV'] = 'production';
  try {
    await build({ configFile: fileURLToPath(new URL('../../web/vite.config.ts', import.meta.url)), mode: 'production', logLevel: 'warn' });
  } finally {
    if (nodeEnv === undefined) delete process.env['NODE_ENV'];
    else process.env['NODE_ENV'] = nodeEnv;
  }
}
