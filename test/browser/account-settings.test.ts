/**
 * Account settings as an owner uses them in the browser: the page in both themes, dark mode kept
 * across reloads, API keys (secret shown once, revoked for good), the delivery webhook against a
 * real HTTPS receiver (generated secret shown once, rotation, signed test pings), browser sessions
 * listed and revoked, the quickstart filled in for this instance, the workspace renamed, and the
 * activity the page shows for all of it.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, uniqueEmail } from '../helpers/browser.ts';
import { errorCode, type TestServer } from '../helpers/server.ts';
import { startHttpsReceiver, type HttpsReceiver } from '../helpers/tls.ts';
import { startWebhookServer, verifiesBatchRouterSignature, verifiesStandardWebhook } from '../helpers/webhooks.ts';
import { checkPageInBothThemes, closePage, expectNoPageProblems, launchBrowser, openPage } from './harness.ts';
import { alertCode, createKeyInSettings, openFromNavigation, signInThroughForm, signUpThroughForm, summaryValue, waitForStatus } from './flows.ts';

describe('account settings of a workspace owner', () => {
  let server: TestServer;
  let receiver: HttpsReceiver;
  let browser: Browser;
  let page: Page;
  const email = uniqueEmail('settings-owner');

  beforeAll(async () => {
    ({ server } = await startWebhookServer());
    receiver = await startHttpsReceiver();
    browser = await launchBrowser();
    page = await openPage(browser, server.url);
    await signUpThroughForm(page, { email, password: PASSWORD, workspace: 'Settings Co' });
  });
  afterAll(async () => {
    await browser?.close();
    await receiver?.stop();
    await server?.stop();
  });

  const darkModeSwitch = () => page.getByRole('switch', { name: 'Dark mode' });

  it('lays the page out as the settings page: summary, then every section in order, accessible in both themes', async () => {
    expect(await summaryValue(page, 'summary-user')).toBe(email);
    expect(await summaryValue(page, 'summary-workspace')).toBe('Settings Co');
    await expect.poll(() => summaryValue(page, 'summary-sessions')).toBe('1');
    await expect.poll(() => summaryValue(page, 'summary-members')).toBe('1');
    const headings = await page.locator('section.card h2').allTextContents();
    expect(headings).toEqual(['Account preferences', 'Delivery webhooks', 'Profile and sign-in', 'Security and access', 'Workspace access', 'Recent activity', 'API keys', 'API quickstart', 'Active sessions']);
    await page.getByText('No workspace delivery webhook has been saved yet.').waitFor();
    await page.getByText('HTTPS only; private network and metadata hosts are rejected by the API.').waitFor();
    await page.getByText('We will send a confirmation link to the new address before switching sign-in.', { exact: false }).waitFor();
    expect(await page.getByTestId('identity-line').textContent()).toMatch(/^Role: Owner \| User id: usr_\S+ \| Org id: org_\S+$/);
    // The theme is changed the way a person does it: with the switch.
    await checkPageInBothThemes(page, 'account-settings', async (theme) => {
      if ((await darkModeSwitch().getAttribute('aria-checked')) !== String(theme === 'dark')) await darkModeSwitch().click();
    });
  });

  it('keeps dark mode across reloads and pages, in this browser only', async () => {
    await darkModeSwitch().focus();
    await page.keyboard.press('Space');
    expect(await darkModeSwitch().getAttribute('aria-checked')).toBe('true');
    await page.getByText('Current mode: dark.').waitFor();
    await page.reload();
    await page.getByText('Current mode: dark.').waitFor();
    expect(await page.evaluate('document.documentElement.dataset.theme')).toBe('dark');
    await openFromNavigation(page, 'Batches');
    expect(await page.evaluate('document.documentElement.dataset.theme')).toBe('dark');
    await page.goto('/sign-in?next=/account');
    expect(await page.evaluate('document.documentElement.dataset.theme')).toBe('dark');

    const otherBrowser = await openPage(browser, server.url);
    await otherBrowser.goto('/sign-in');
    expect(await otherBrowser.evaluate('document.documentElement.dataset.theme')).toBe('light');
    await closePage(otherBrowser);

    await page.goto('/account');
    await darkModeSwitch().click();
    await page.getByText('Current mode: light.').waitFor();
  });

  it('creates an API key whose secret is shown once and works, then revokes it for good', async () => {
    const keys = page.locator('#api-keys');
    const secret = await createKeyInSettings(page, 'production-worker', 'member');
    expect(secret).toMatch(/^br_live_[0-9A-Za-z]{30,}$/);
    const account = await server.request<{ display_name: string }>('GET', '/v1/auth/account', { key: secret });
    expect(account.status).toBe(200);
    expect(account.body.display_name).toBe('Settings Co');

    await keys.getByRole('button', { name: 'I have stored it' }).click();
    expect(await page.getByTestId('one-time-secret').count()).toBe(0);
    await page.reload();
    const row = page.locator('#api-keys tbody tr').filter({ hasText: 'production-worker' });
    await row.waitFor();
    expect(await page.content()).not.toContain(secret);
    expect(await row.textContent()).toContain(`br_live_…${secret.slice(-4)}`);
    expect(await row.textContent()).toContain('Active');

    await row.getByRole('button', { name: 'Revoke key production-worker' }).click();
    await row.getByRole('button', { name: 'Revoke', exact: true }).click();
    await waitForStatus(page, 'Key production-worker revoked');
    await expect.poll(async () => row.textContent()).toContain('Revoked');
    expect(errorCode(await server.request('GET', '/v1/auth/account', { key: secret }))).toBe('api_key_revoked');
  });

  it('refuses a webhook URL on the metadata address, with the API saying why', async () => {
    const hooks = page.locator('#delivery-webhooks');
    await hooks.getByLabel('Callback URL').fill('https://169.254.169.254/latest/meta-data');
    await hooks.getByRole('button', { name: 'Save webhook' }).click();
    expect(await alertCode(page, '#delivery-webhooks')).toBe('webhook_url_refused');
  });

  let firstSecret = '';

  it('saves the webhook, shows the generated secret once, and sends a signed test ping to the receiver', async () => {
    const hooks = page.locator('#delivery-webhooks');
    const url = `https://localhost:${receiver.port}/hooks/batchrouter`;
    await hooks.getByLabel('Callback URL').fill(url);
    await hooks.getByRole('button', { name: 'Save webhook' }).click();
    await waitForStatus(page, 'Webhook saved.');
    firstSecret = (await page.getByTestId('one-time-secret').textContent()) ?? '';
    expect(firstSecret).toMatch(/^whsec_/);
    expect(await page.getByTestId('webhook-current').textContent()).toContain(url);
    const masked = (await page.getByTestId('webhook-masked-secret').textContent()) ?? '';
    expect(masked).toContain('…');
    expect(masked).not.toBe(firstSecret);

    await hooks.getByRole('button', { name: 'Send test ping' }).click();
    await expect.poll(async () => page.getByTestId('webhook-test-result').textContent()).toMatch(/^Test ping delivered: the receiver answered HTTP 200/);
    const ping = receiver.requests.at(-1);
    if (!ping) throw new Error('the receiver got nothing');
    expect(JSON.parse(ping.body)).toMatchObject({ type: 'webhook.test' });
    expect(verifiesBatchRouterSignature(firstSecret, ping.headers, ping.body)).toBe(true);
    expect(verifiesStandardWebhook(firstSecret, ping.headers, ping.body, Number(ping.headers['webhook-timestamp']))).toBe(true);
  });

  it('rotates the secret: the new one shown once, the old one never again, both signing for a while', async () => {
    const hooks = page.locator('#delivery-webhooks');
    await page.reload();
    expect(await page.content()).not.toContain(firstSecret);
    await hooks.getByRole('button', { name: 'Rotate signing secret' }).click();
    await waitForStatus(page, 'Signing secret rotated.');
    const rotated = (await page.getByTestId('one-time-secret').textContent()) ?? '';
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(firstSecret);
    expect(await page.content()).not.toContain(firstSecret);
    // The endpoint's details are read again after the rotation: wait for them rather than race them.
    await expect.poll(async () => page.getByTestId('webhook-current').textContent()).toContain('the previous secret also signs until');

    const pingsBefore = receiver.requests.length;
    await hooks.getByRole('button', { name: 'Send test ping' }).click();
    await expect.poll(async () => page.getByTestId('webhook-test-result').textContent()).toMatch(/^Test ping delivered/);
    expect(receiver.requests.length).toBe(pingsBefore + 1);
    const ping = receiver.requests.at(-1);
    if (!ping) throw new Error('the receiver got nothing');
    expect(verifiesBatchRouterSignature(rotated, ping.headers, ping.body)).toBe(true);
    expect(verifiesBatchRouterSignature(firstSecret, ping.headers, ping.body)).toBe(true);
  });

  it('saves the webhook with a secret of the owner’s choosing, showing no secret back', async () => {
    const hooks = page.locator('#delivery-webhooks');
    await hooks.getByRole('button', { name: 'I have stored it' }).click();
    await hooks.getByLabel('Signing secret (optional)').fill('my-own-secret-of-many-characters');
    await hooks.getByRole('button', { name: 'Save webhook' }).click();
    await waitForStatus(page, 'Webhook saved with your secret.');
    expect(await page.getByTestId('one-time-secret').count()).toBe(0);
    expect(await hooks.getByLabel('Signing secret (optional)').inputValue()).toBe('');
    expectNoPageProblems(page);
  });

  it('lists the browser sessions and revokes another one, which is signed out at once', async () => {
    const laptop = await openPage(browser, server.url);
    await signInThroughForm(laptop, email, PASSWORD);
    await page.reload();
    await expect.poll(() => summaryValue(page, 'summary-sessions')).toBe('2');
    const sessions = page.locator('#sessions li');
    expect(await sessions.count()).toBe(2);
    expect(await sessions.filter({ hasText: 'this browser' }).count()).toBe(1);
    const other = sessions.filter({ hasNotText: 'this browser' });
    expect(await other.textContent()).toContain('Chrome on Linux');
    await other.getByRole('button', { name: /^Revoke the session on/ }).click();
    await other.getByRole('button', { name: 'Revoke', exact: true }).click();
    await waitForStatus(page, 'revoked: it is signed out.');
    await expect.poll(() => summaryValue(page, 'summary-sessions')).toBe('1');

    // The revoked browser finds out at its next request, and is sent to sign in and back.
    await laptop.getByRole('navigation', { name: 'Dashboard' }).getByRole('link', { name: 'Billing' }).click();
    await laptop.waitForURL((url) => url.pathname === '/sign-in');
    expect(new URL(laptop.url()).searchParams.get('next')).toBe('/billing');
    await closePage(laptop);
  });

  it('fills the API quickstart with this instance’s address and copies each step', async () => {
    const quickstart = page.locator('#api-quickstart');
    const setUp = (await quickstart.locator('pre').first().textContent()) ?? '';
    expect(setUp).toContain(`export BASE_URL="${server.url}"`);
    expect(setUp).toContain('export BR_API_KEY="br_live_your_api_key"');
    expect(setUp).not.toContain('OB_API_KEY');
    await quickstart.getByRole('button', { name: 'Copy the set up command' }).click();
    await quickstart.getByText('Copied').first().waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(setUp);
    await quickstart.getByRole('button', { name: 'Copy all quickstart commands' }).click();
    const all = String(await page.evaluate('navigator.clipboard.readText()'));
    expect(all).toContain('-H "Idempotency-Key: quickstart-batch-001"');
    expect(all).toContain('$BASE_URL/v1/batches/optimization-report?import_provider=openai');
  });

  it('renames the workspace (owners and admins)', async () => {
    const profile = page.locator('#profile');
    await profile.getByLabel('Workspace name').fill('Renamed Co');
    await profile.getByRole('button', { name: 'Rename workspace' }).click();
    await waitForStatus(page, 'Workspace renamed to Renamed Co.');
    await expect.poll(() => summaryValue(page, 'summary-workspace')).toBe('Renamed Co');
    expect(await page.locator('.topbar').getByText('Renamed Co').count()).toBe(1);
  });

  it('shows this person’s recent activity, ten events at a time', async () => {
    await page.reload();
    const activity = page.getByTestId('activity-list');
    await activity.waitFor();
    // Ten at a time: the rest come with "Load more".
    expect(await activity.locator('li').count()).toBe(10);
    const more = page.getByRole('button', { name: 'Load more activity' });
    while ((await more.count()) > 0) {
      const shown = await activity.locator('li').count();
      await more.click();
      await expect.poll(() => activity.locator('li').count()).toBeGreaterThan(shown);
    }
    const actions = await activity.locator('.timeline-action').allTextContents();
    expect(actions).toEqual(expect.arrayContaining(['Account created', 'Signed in', 'API key created', 'API key revoked', 'Webhook URL refused', 'Delivery webhook saved', 'Webhook test ping sent', 'Webhook secret rotated', 'Session revoked', 'Workspace renamed']));
    expectNoPageProblems(page);
  });
});
