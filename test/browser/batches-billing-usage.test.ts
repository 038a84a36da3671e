/**
 * What a workspace's batches did and cost, in the browser: two batches submitted through the API
 * with a key made in the dashboard (one finishes on a sync lane, one sits on a two-day batch
 * lane), the batches list and each batch's page (progress, counts, cost, lanes, results, the JSONL
 * download, cancel), billing (balance, reserved, available, reservations, grants, the ledger by
 * type) and usage charts.
 */
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submit, waitForStatus as waitForBatchStatus, TERMINAL_STATUSES } from '../helpers/batch-requests.ts';
import { manifestOf } from '../helpers/batches.ts';
import { PASSWORD, uniqueEmail } from '../helpers/browser.ts';
import { grantMicros } from '../helpers/money.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { checkPageInBothThemes, expectNoPageProblems, launchBrowser, openPage } from './harness.ts';
import { createKeyInSettings, openFromNavigation, signedInOrgId, signUpThroughForm, waitForStatus } from './flows.ts';

interface Billing {
  balance: string;
  reserved: string;
  available: string;
}

describe('batches, billing and usage of a workspace in the dashboard', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let key = '';
  let finishedId = '';
  let openId = '';
  let finishedCharge = '';

  beforeAll(async () => {
    // Batch-lane jobs take two days by the server's (manual) clock: batches routed there stay open.
    server = await startTestServer({ sandboxBatchSeconds: 172_800 });
    browser = await launchBrowser();
    page = await openPage(browser, server.url);
    await signUpThroughForm(page, { email: uniqueEmail('batches'), password: PASSWORD, workspace: 'Batch Co' });
    await grantMicros(server, await signedInOrgId(page), 50_000_000);
    key = await createKeyInSettings(page, 'pipeline', 'owner');

    const finished = await submit(server, key, manifestOf(3, { routing_mode: 'fastest' }));
    const open = await submit(server, key, manifestOf(4, { routing_mode: 'cheapest' }));
    if (finished.status !== 201 || open.status !== 201) throw new Error(`submit answered ${finished.status} and ${open.status}`);
    finishedId = finished.body.id;
    openId = open.body.id;
    finishedCharge = (await waitForBatchStatus(server, key, finishedId, TERMINAL_STATUSES)).cost.charged;
    await waitForBatchStatus(server, key, openId, ['processing', 'dispatched']);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const billingOf = async (): Promise<Billing> => (await server.request<Billing>('GET', '/v1/billing', { key })).body;

  it('lists both batches with status, progress, item counts and cost', async () => {
    await openFromNavigation(page, 'Batches');
    const table = page.getByTestId('batches-table');
    await table.waitFor();
    const finishedRow = table.locator('tr').filter({ hasText: finishedId });
    const openRow = table.locator('tr').filter({ hasText: openId });
    expect(await finishedRow.getByText('Completed').count()).toBe(1);
    expect(await finishedRow.getByRole('progressbar').getAttribute('aria-valuetext')).toBe('3 of 3 items finished (100%)');
    expect(await finishedRow.textContent()).toContain('3 succeeded');
    expect(await finishedRow.textContent()).toContain(`$${finishedCharge}`);
    expect(await openRow.getByRole('progressbar').getAttribute('aria-valuetext')).toBe('0 of 4 items finished (0%)');
    expect(await openRow.textContent()).toContain('reserved');
    await checkPageInBothThemes(page, 'batches');
  });

  it("shows a finished batch's progress, cost, lanes and results, and downloads its JSONL", async () => {
    await page.getByRole('link', { name: finishedId }).click();
    await page.getByRole('heading', { level: 1, name: `Batch ${finishedId}` }).waitFor();
    expect(await page.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('3');
    expect(await page.getByTestId('batch-cost').textContent()).toContain(`Charged$${finishedCharge}`);
    const lanes = page.getByTestId('lanes-used');
    expect(await lanes.locator('tbody tr').count()).toBeGreaterThan(0);
    expect(await lanes.textContent()).toContain('sandbox-sync');
    const results = page.getByTestId('results-table');
    await expect.poll(() => results.locator('tbody tr').count()).toBe(3);
    expect((await results.locator('tbody th').allTextContents()).sort()).toEqual(['item-0', 'item-1', 'item-2']);
    expect(await page.getByRole('button', { name: `Cancel batch ${finishedId}` }).count()).toBe(0);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download results (JSONL)' }).click()]);
    expect(download.suggestedFilename()).toBe(`${finishedId}.jsonl`);
    const lines = (await readFile(await download.path(), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { customer_item_id: string; status: string });
    expect(lines.map((line) => line.customer_item_id).sort()).toEqual(['item-0', 'item-1', 'item-2']);
    expect(lines.every((line) => line.status === 'succeeded')).toBe(true);
    await checkPageInBothThemes(page, 'batch-detail');
  });

  it('shows billing: balance, reserved and available as the API says, the open batch holding a reservation, the grant', async () => {
    await openFromNavigation(page, 'Billing');
    const billing = await billingOf();
    expect(Number(billing.reserved)).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('billing-balance').locator('.stat-value').textContent()).toBe(`$${billing.balance}`);
    expect(await page.getByTestId('billing-reserved').locator('.stat-value').textContent()).toBe(`$${billing.reserved}`);
    expect(await page.getByTestId('billing-available').locator('.stat-value').textContent()).toBe(`$${billing.available}`);
    const reservations = page.getByTestId('reservations-table');
    await expect.poll(() => reservations.locator('tbody tr').count()).toBe(1);
    expect(await reservations.textContent()).toContain(openId);
    const grants = page.getByTestId('grants-table');
    await expect.poll(() => grants.locator('tbody tr').count()).toBe(1);
    expect(await grants.textContent()).toContain('$50.00');
    expect(await grants.textContent()).toContain('test grant');
    const ledger = page.getByTestId('ledger-table');
    await expect.poll(() => ledger.locator('tbody tr').count()).toBe(5);
    await page.locator('#ledger').getByLabel('Entry type').selectOption('reservation');
    await expect.poll(() => ledger.locator('tbody tr').count()).toBe(2);
    await page.locator('#ledger').getByLabel('Entry type').selectOption('');
    await expect.poll(() => ledger.locator('tbody tr').count()).toBe(5);
    await checkPageInBothThemes(page, 'billing');
  });

  it('cancels the open batch from its page after asking once more: its items cancelled, nothing charged, the reservation released', async () => {
    await page.goto(`/batches/${openId}`);
    const cancel = page.getByRole('button', { name: `Cancel batch ${openId}` });
    await cancel.click();
    await page.getByRole('button', { name: 'Cancel batch', exact: true }).click();
    await waitForStatus(page, 'Batch cancelled');
    await page.getByText('4 cancelled').waitFor();
    expect(await page.getByTestId('batch-cost').textContent()).toContain('Charged$0.00');
    expect(await page.getByRole('button', { name: `Cancel batch ${openId}` }).count()).toBe(0);

    await openFromNavigation(page, 'Billing');
    await page.getByText('No batch is holding a reservation.').waitFor();
    expect(await page.getByTestId('billing-reserved').locator('.stat-value').textContent()).toBe('$0.00');
    expect(await page.getByTestId('billing-available').locator('.stat-value').textContent()).toBe(`$${(await billingOf()).available}`);
    expectNoPageProblems(page);
  });

  it('charts usage by day and by model, provider and lane, with the figures as a table', async () => {
    await openFromNavigation(page, 'Usage');
    await expect.poll(() => page.getByTestId('usage-items').locator('.stat-value').textContent()).toBe('3');
    expect(await page.getByTestId('usage-cost').locator('.stat-value').textContent()).toBe(`$${finishedCharge}`);
    const charts = page.getByRole('img');
    await expect.poll(() => charts.count()).toBe(2);
    // One column per day of the range, one bar per model.
    expect(await page.locator('#usage-by-day svg rect').count()).toBe(30);
    const byGroup = page.locator('#usage-by-group');
    await expect.poll(() => byGroup.locator('svg rect').count()).toBe(1);
    expect(await byGroup.locator('svg').textContent()).toContain('gpt-5.4-mini');
    await byGroup.getByLabel('Group by').selectOption('provider');
    await expect.poll(() => byGroup.locator('svg').textContent()).toContain('sandbox');
    await page.getByLabel('Measure').selectOption('items');
    await expect.poll(() => byGroup.locator('svg').textContent()).toContain('3');
    await byGroup.getByText('Show the figures as a table').click();
    expect(await byGroup.locator('tbody tr').count()).toBe(1);
    await checkPageInBothThemes(page, 'usage');
  });
});
