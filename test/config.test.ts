/** Configuration: one schema, parsed once, failing fast with every bad value named. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

describe('loadConfig', () => {
  it('runs on the embedded defaults with nothing set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 8080, host: '127.0.0.1', databaseUrl: null, environment: 'live', adminToken: null });
  });

  it('reads every documented variable', () => {
    const config = loadConfig({
      PORT: '9000',
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgres://u@db:5432/br',
      BATCHROUTER_DATA_DIR: '/var/lib/br',
      BATCHROUTER_ENV: 'test',
      BATCHROUTER_ADMIN_TOKEN: 'x'.repeat(32),
      BATCHROUTER_AGENT_REGISTER: 'off',
      BATCHROUTER_CATALOG_FILE: '/etc/batchrouter/catalog.json',
      BATCHROUTER_SANDBOX: 'false',
    });
    expect(config).toMatchObject({
      port: 9000,
      host: '0.0.0.0',
      databaseUrl: 'postgres://u@db:5432/br',
      dataDir: '/var/lib/br',
      environment: 'test',
      agentRegisterEnabled: false,
      catalogFile: '/etc/batchrouter/catalog.json',
      sandbox: false,
    });
  });

  it('names every bad variable at once', () => {
    const attempt = () => loadConfig({ PORT: 'eighty', BATCHROUTER_ENV: 'prod', DATABASE_URL: 'mysql://x', BATCHROUTER_ADMIN_TOKEN: 'short' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/PORT[\s\S]*DATABASE_URL[\s\S]*BATCHROUTER_ENV[\s\S]*BATCHROUTER_ADMIN_TOKEN/);
  });
});
