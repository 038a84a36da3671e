/**
 * The embedded shape as an operator runs it: one process owns the data directory; operator
 * commands go through the running server; a crash leaves nothing that blocks the next start.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startServerProcess, type ServerProcess } from '../helpers/process.ts';

let dataDir: string;
let env: Record<string, string>;
let server: ServerProcess;

async function registerAgent(url: string) {
  const response = await fetch(`${url}/v1/auth/agent-register`, { method: 'POST' });
  return (await response.json()) as { org_id: string; api_key: string; api_key_id: string };
}

async function account(url: string, key: string) {
  const response = await fetch(`${url}/v1/auth/account`, { headers: { authorization: `Bearer ${key}` } });
  return { status: response.status, body: (await response.json()) as { credit_balance?: { amount: string } } };
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'br-embedded-'));
  env = { BATCHROUTER_DATA_DIR: dataDir, DATABASE_URL: '', BATCHROUTER_STARTER_CREDITS_USD: '0' };
  server = await startServerProcess(env);
  env['BASE_URL'] = server.url;
});

afterAll(async () => {
  await server?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('the data directory lock', () => {
  it('refuses a second server on the same data directory with a clear message', async () => {
    const second = await runCli(['serve'], { ...env, PORT: '0' });
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/in use by process \d+/);
    expect(second.stderr).toContain('one process only');
  });

  it('refuses `migrate` while the server holds the directory', async () => {
    const migrate = await runCli(['migrate'], env);
    expect(migrate.code).toBe(1);
    expect(migrate.stderr).toMatch(/in use by process/);
  });
});

describe('operator commands against the running server', () => {
  it('writes a generated admin token readable by the owner only', async () => {
    const info = await stat(path.join(dataDir, 'admin-token'));
    expect(info.mode & 0o777).toBe(0o600);
    expect((await readFile(path.join(dataDir, 'admin-token'), 'utf8')).trim().length).toBeGreaterThanOrEqual(32);
  });

  it('`credits grant` adds credits that the account endpoint shows', async () => {
    const org = await registerAgent(server.url);
    const result = await runCli(['credits', 'grant', '--org', org.org_id, '--amount', '42', '--reason', 'welcome'], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('42.00');
    expect((await account(server.url, org.api_key)).body.credit_balance).toEqual({ currency: 'usd', amount: '42.00' });
  });

  it('`credits grant` explains a bad amount and an unknown org', async () => {
    const bad = await runCli(['credits', 'grant', '--org', 'org_x', '--amount', 'lots', '--reason', 'x'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('invalid_request');
    const unknown = await runCli(['credits', 'grant', '--org', 'org_nobody', '--amount', '1', '--reason', 'x'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('org_not_found');
    const usage = await runCli(['credits', 'grant', '--org', 'org_x'], env);
    expect(usage.code).toBe(2);
  });

  it('`keys import-legacy` reads the key on stdin; the key then works', async () => {
    const org = await registerAgent(server.url);
    const legacy = 'ob_live_FromStdin0123456789abcdef';
    const result = await runCli(['keys', 'import-legacy', '--org', org.org_id], env, `${legacy}\n`);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('ob_live_…cdef');
    expect(result.stdout).not.toContain(legacy);
    expect((await account(server.url, legacy)).status).toBe(200);
  });

  it('`keys import-legacy` refuses anything that is not an ob_live_ key', async () => {
    const org = await registerAgent(server.url);
    const result = await runCli(['keys', 'import-legacy', '--org', org.org_id], env, 'br_live_notlegacy\n');
    expect(result.code).toBe(2);
  });

  it('operator commands say where they looked when no server answers', async () => {
    const result = await runCli(['credits', 'grant', '--org', 'org_x', '--amount', '1', '--reason', 'x'], { ...env, BASE_URL: 'http://127.0.0.1:9' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Cannot reach the server at http://127.0.0.1:9');
  });
});

describe('after a crash', () => {
  it('kill -9 leaves a stale lock that the next start takes over, with every write kept', async () => {
    const org = await registerAgent(server.url);
    await server.kill();
    server = await startServerProcess(env);
    expect((await account(server.url, org.api_key)).status).toBe(200);
  });
});
