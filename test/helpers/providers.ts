/**
 * A test server on real provider lanes: the sandbox off, a catalog file written for the test, and
 * provider credentials in its environment (pointing at the emulators), each org starting with $10.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTestServer, type TestServer } from './server.ts';

export interface ProviderServer {
  server: TestServer;
  stop(): Promise<void>;
}

export async function startProviderServer(catalog: unknown, providerEnvironment: Record<string, string>): Promise<ProviderServer> {
  const directory = await mkdtemp(path.join(tmpdir(), 'br-catalog-'));
  const catalogFile = path.join(directory, 'catalog.json');
  await writeFile(catalogFile, JSON.stringify(catalog));
  const server = await startTestServer({ sandbox: false, catalogFile, starterCreditsMicros: 10_000_000, providerEnvironment: new Map(Object.entries(providerEnvironment)) });
  return {
    server,
    stop: async () => {
      await server.stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
