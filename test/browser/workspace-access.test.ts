/**
 * Workspace access in the browser, with invitations going through a real SMTP server: an owner
 * invites a teammate, who accepts in their own browser; the owner changes their role and removes
 * them; the last owner cannot step down; a withdrawn invitation's link stops working; someone
 * who already has an account signs in to accept and can then switch between workspaces. Members
 * see what they may not do.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, uniqueEmail } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { checkPageInBothThemes, closePage, expectNoPageProblems, launchBrowser, openPage } from './harness.ts';
import { alertCode, inviteThroughSettings, signUpThroughForm, summaryValue, waitForStatus } from './flows.ts';
import { startMailbox, type Mailbox } from './mailbox.ts';

describe('inviting teammates and managing their roles in the dashboard', () => {
  let mailbox: Mailbox;
  let server: TestServer;
  let browser: Browser;
  let owner: Page;
  let teammate: Page;
  const ownerEmail = uniqueEmail('owner');
  const teammateEmail = uniqueEmail('teammate');

  beforeAll(async () => {
    mailbox = await startMailbox();
    server = await startTestServer({ smtpUrl: mailbox.smtpUrl });
    browser = await launchBrowser();
    owner = await openPage(browser, server.url);
    teammate = await openPage(browser, server.url);
    await signUpThroughForm(owner, { email: ownerEmail, password: PASSWORD, workspace: 'Acme Batch Jobs' });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await mailbox?.stop();
  });

  /** The members table row of `email` in the owner's account settings. */
  const memberRow = (page: Page, email: string) => page.getByTestId(`member-${email}`);

  it('invites a teammate by email; the invitation waits in the list', async () => {
    await inviteThroughSettings(owner, teammateEmail, 'member');
    await owner.getByTestId(`invitation-${teammateEmail}`).waitFor();
    await expect.poll(() => summaryValue(owner, 'summary-members')).toBe('1');
  });

  it('lets the teammate accept in their own browser, choosing a password, and join as a member who sees what members may not do', async () => {
    const link = await mailbox.waitForLink(teammateEmail, '/invite');
    await teammate.goto(link.href);
    await teammate.getByRole('heading', { name: 'Join Acme Batch Jobs' }).waitFor();
    expect(await teammate.getByLabel('Email').inputValue()).toBe(teammateEmail);
    await checkPageInBothThemes(teammate, 'accept-invitation');
    await teammate.getByLabel('Choose a password').fill('teammate password, long enough');
    await teammate.getByRole('button', { name: 'Create account and join' }).click();
    await teammate.getByRole('heading', { level: 1, name: 'Account settings' }).waitFor();
    expect(await summaryValue(teammate, 'summary-workspace')).toBe('Acme Batch Jobs');
    await expect.poll(() => summaryValue(teammate, 'summary-members')).toBe('2');
    await teammate.getByText('Workspace owners and admins can invite new members and manage org roles.').waitFor();
    await teammate.getByText('API key management is restricted.').waitFor();
    await teammate.getByText('Workspace owners and admins can create and revoke integration keys.').waitFor();
    expect(await teammate.getByTestId('identity-line').textContent()).toMatch(/^Role: Member \| User id: usr_\S+ \| Org id: org_\S+ \| Workspace owners and admins can rename the workspace\.$/);
    expect(await teammate.getByRole('button', { name: 'Send invitation' }).count()).toBe(0);
    expect(await teammate.getByRole('button', { name: 'Create key' }).count()).toBe(0);
    await checkPageInBothThemes(teammate, 'account-settings-member');
  });

  it("shows the owner the new member, and changes the member's role to admin", async () => {
    await owner.reload();
    const row = memberRow(owner, teammateEmail);
    await row.waitFor();
    expect(await row.getByLabel(`Role of ${teammateEmail}`, { exact: true }).inputValue()).toBe('member');
    await owner.getByText('No invitations are waiting for an answer.').waitFor();
    await row.getByLabel(`Role of ${teammateEmail}`, { exact: true }).selectOption('admin');
    await row.getByRole('button', { name: 'Update role' }).click();
    await waitForStatus(owner, `${teammateEmail} is now admin.`);

    await teammate.reload();
    await teammate.locator('#workspace-access').getByRole('button', { name: 'Send invitation' }).waitFor();
    expect(await teammate.getByTestId('identity-line').textContent()).toMatch(/^Role: Admin \|/);
  });

  it('refuses to let the last owner step down or leave, and says why', async () => {
    const row = memberRow(owner, ownerEmail);
    await row.getByLabel(`Role of ${ownerEmail}`, { exact: true }).selectOption('member');
    await row.getByRole('button', { name: 'Update role' }).click();
    expect(await alertCode(owner, '#workspace-access')).toBe('last_owner');
    await owner.locator('#workspace-access').getByRole('alert').getByText(/owner/).first().waitFor();

    await row.getByRole('button', { name: `Remove ${ownerEmail}` }).click();
    await row.getByRole('button', { name: 'Leave' }).click();
    expect(await alertCode(owner, '#workspace-access')).toBe('last_owner');
    expect(await memberRow(owner, ownerEmail).count()).toBe(1);
  });

  it('removes the teammate after asking once more; their browser loses the workspace', async () => {
    const row = memberRow(owner, teammateEmail);
    await row.getByRole('button', { name: `Remove ${teammateEmail}` }).click();
    // The first press only asks; Cancel backs out.
    await row.getByRole('button', { name: 'Cancel' }).click();
    expect(await memberRow(owner, teammateEmail).count()).toBe(1);
    await row.getByRole('button', { name: `Remove ${teammateEmail}` }).click();
    await row.getByRole('button', { name: 'Remove', exact: true }).click();
    await waitForStatus(owner, `${teammateEmail} was removed from the workspace.`);
    await expect.poll(() => memberRow(owner, teammateEmail).count()).toBe(0);

    await teammate.reload();
    await teammate.waitForURL((url) => url.pathname === '/sign-in');
  });

  it('withdraws an invitation: its link then says it no longer works', async () => {
    const invited = uniqueEmail('withdrawn');
    await inviteThroughSettings(owner, invited, 'member');
    const entry = owner.getByTestId(`invitation-${invited}`);
    await entry.getByRole('button', { name: `Revoke the invitation to ${invited}` }).click();
    await entry.getByRole('button', { name: 'Revoke', exact: true }).click();
    await waitForStatus(owner, `Invitation to ${invited} revoked.`);
    const link = await mailbox.waitForLink(invited, '/invite');
    const stranger = await openPage(browser, server.url);
    await stranger.goto(link.href);
    expect(await alertCode(stranger)).toBe('link_invalid');
    await closePage(stranger);
  });

  it('has someone with an account sign in to accept, then switch between their workspaces', async () => {
    const existingEmail = uniqueEmail('existing');
    const existing = await openPage(browser, server.url);
    await signUpThroughForm(existing, { email: existingEmail, password: PASSWORD, workspace: 'Existing Co' });
    await existing.getByRole('button', { name: 'Sign out' }).click();
    await existing.waitForURL((url) => url.pathname === '/sign-in');

    await inviteThroughSettings(owner, existingEmail, 'admin');
    const link = await mailbox.waitForLink(existingEmail, '/invite');
    await existing.goto(link.href);
    await existing.getByRole('link', { name: 'Sign in to accept' }).click();
    await existing.waitForURL((url) => url.pathname === '/sign-in');
    expect(await existing.getByLabel('Email').inputValue()).toBe(existingEmail);
    await existing.getByLabel('Password').fill(PASSWORD);
    await existing.getByRole('button', { name: 'Sign in' }).click();
    await existing.waitForURL((url) => url.pathname === '/invite');
    await existing.getByRole('button', { name: 'Accept invitation' }).click();
    await existing.getByRole('heading', { level: 1, name: 'Account settings' }).waitFor();
    expect(await summaryValue(existing, 'summary-workspace')).toBe('Acme Batch Jobs');

    const switcher = existing.getByLabel('Workspace', { exact: true });
    expect(await switcher.locator('option').allTextContents()).toEqual(expect.arrayContaining(['Acme Batch Jobs (admin)', 'Existing Co (owner)']));
    await switcher.selectOption({ label: 'Existing Co (owner)' });
    await expect.poll(() => summaryValue(existing, 'summary-workspace')).toBe('Existing Co');
    expectNoPageProblems(existing);
    await closePage(existing);
    expectNoPageProblems(owner);
  });
});
