/** A bad catalog file stops `batchrouter serve` at once, with every problem, before any database is touched. */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { runCli } from '../helpers/process.ts';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'br-catalog-cli-'));
});
afterAll(async () => rm(directory, { recursive: true, force: true }));

describe('serve with a broken catalog', () => {
  it('exits 1 naming the file and every problem, and leaves the data directory untouched', async () => {
    const catalog = JSON.parse(await readFile(loadConfig({}).catalogFile, 'utf8')) as { lanes: { models: string[]; discount_bps: number }[] };
    const [first, second] = catalog.lanes;
    if (!first || !second) throw new Error('the shipped catalog has fewer than two lanes');
    first.discount_bps = 20_000;
    second.models = ['gpt-9'];
    const file = path.join(directory, 'catalog.json');
    await writeFile(file, JSON.stringify(catalog));
    const dataDir = path.join(directory, 'data');

    const result = await runCli(['serve'], { BATCHROUTER_CATALOG_FILE: file, BATCHROUTER_DATA_DIR: dataDir, DATABASE_URL: '', PORT: '0' });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`the catalog ${file} cannot be used:`);
    expect(result.stderr).toContain('lanes[0].discount_bps: must be <= 10000');
    expect(result.stderr).toContain('lanes[1].models[0]: unknown model gpt-9');
    expect(result.stderr).not.toMatch(/\n\s+at /); // a message for the operator, not a stack trace
    await expect(readdir(dataDir)).rejects.toThrow(/ENOENT/);
  });
});
