/**
 * A person's identity, end to end in the browser, with the server's emails going through a real
 * SMTP server: sign up, verify the email from its link, sign out and in, forget the password and
 * reset it from the emailed link, change it (other sessions end), and move the sign-in to a new
 * address confirmed from a link sent there.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueEmail } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { checkPageInBothThemes, closePage, expectNoPageProblems, launchBrowser, openPage } from './harness.ts';
import { alertCode, expectPath, signInThroughForm, submitSignIn, signOutThroughHeader, signUpThroughForm, summaryValue, waitForStatus } from './flows.ts';
import { startMailbox, type Mailbox } from './mailbox.ts';

describe('signing up, verifying, signing in and recovering an account in the dashboard', () => {
  let mailbox: Mailbox;
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const email = uniqueEmail('founder');
  const newEmail = uniqueEmail('founder-new');
  let password = 'first password for the dashboard';
  let usedVerificationLink = '';

  beforeAll(async () => {
    mailbox = await startMailbox();
    server = await startTestServer({ smtpUrl: mailbox.smtpUrl });
    browser = await launchBrowser();
    page = await openPage(browser, server.url);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await mailbox?.stop();
  });

  it('signs up with a workspace name and lands on account settings, verification pending', async () => {
    await signUpThroughForm(page, { email, password, workspace: 'Acme Batch Jobs' });
    expect(await summaryValue(page, 'summary-user')).toBe(email);
    expect(await summaryValue(page, 'summary-verification')).toBe('Pending');
    expect(await summaryValue(page, 'summary-workspace')).toBe('Acme Batch Jobs');
    expect(await page.getByText('Verify email to keep account recovery healthy.').count()).toBe(1);
    expect(await page.getByTestId('verified-at').textContent()).toBe('Not verified yet');
  });

  it('refuses a second sign-up with the same email, saying so', async () => {
    const other = await openPage(browser, server.url);
    await other.goto('/sign-up');
    await other.getByLabel('Email').fill(email);
    await other.getByLabel('Password').fill('another long password');
    await other.getByRole('button', { name: 'Create account' }).click();
    expect(await alertCode(other)).toBe('email_taken');
    await other.getByRole('link', { name: 'Sign in instead' }).waitFor();
    await closePage(other);
  });

  it('sends a new verification email on request, and verifies the email from its link', async () => {
    await mailbox.waitForLink(email, '/verify-email');
    const since = mailbox.mark();
    await page.getByRole('button', { name: 'Resend verification email' }).click();
    await waitForStatus(page, `A new verification link was sent to ${email}.`);
    const link = await mailbox.waitForLink(email, '/verify-email', { since });
    usedVerificationLink = link.href;
    expect(link.origin).toBe(server.url);
    await page.goto(link.href);
    await waitForStatus(page, 'Your email is verified.');
    await checkPageInBothThemes(page, 'verify-email');
    await page.getByRole('link', { name: 'Go to account settings' }).click();
    await page.getByRole('heading', { level: 1, name: 'Account settings' }).waitFor();
    expect(await summaryValue(page, 'summary-verification')).toBe('Verified');
    expect(await page.getByTestId('verified-at').textContent()).not.toBe('Not verified yet');
  });

  it('says so when a verification link is opened a second time', async () => {
    await page.goto(usedVerificationLink);
    expect(await alertCode(page)).toBe('link_invalid');
  });

  it('signs out, and signs back in with the password', async () => {
    await page.goto('/account');
    await signOutThroughHeader(page);
    await page.goto('/account');
    await page.waitForURL((url) => url.pathname === '/sign-in');
    await signInThroughForm(page, email, password, { from: page.url() });
    expectPath(page, '/account');
    expect(await summaryValue(page, 'summary-user')).toBe(email);
  });

  it('resets a forgotten password from the emailed link; the old password stops working', async () => {
    await signOutThroughHeader(page);
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    const since = mailbox.mark();
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await waitForStatus(page, `If an account exists for ${email}`);

    const link = await mailbox.waitForLink(email, '/reset-password', { since });
    await page.goto(link.href);
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await checkPageInBothThemes(page, 'reset-password');
    const resetTo = 'second password, from the reset link';
    await page.getByLabel('New password', { exact: true }).fill(resetTo);
    await page.getByLabel('Repeat the new password').fill('a different one by mistake');
    await page.getByRole('button', { name: 'Set new password' }).click();
    expect(await alertCode(page)).toBe('passwords_differ');
    await page.getByLabel('Repeat the new password').fill(resetTo);
    await page.getByRole('button', { name: 'Set new password' }).click();
    await waitForStatus(page, 'Your password was changed.');

    await submitSignIn(page, email, password);
    expect(await alertCode(page)).toBe('invalid_credentials');
    password = resetTo;
    await signInThroughForm(page, email, password);
    expectPath(page, '/batches');
  });

  it('changes the password from account settings: other sessions end, this one stays', async () => {
    const elsewhere = await openPage(browser, server.url);
    await signInThroughForm(elsewhere, email, password);
    await page.goto('/account#security');
    const security = page.locator('#security');
    const changedTo = 'third password, changed while signed in';
    await security.getByLabel('Current password').fill('not my current password');
    await security.getByLabel('New password', { exact: true }).fill(changedTo);
    await security.getByLabel('Repeat the new password').fill(changedTo);
    await security.getByRole('button', { name: 'Change password' }).click();
    expect(await alertCode(page, '#security')).toBe('password_incorrect');

    await security.getByLabel('Current password').fill(password);
    await security.getByLabel('New password', { exact: true }).fill(changedTo);
    await security.getByLabel('Repeat the new password').fill(changedTo);
    await security.getByRole('button', { name: 'Change password' }).click();
    await waitForStatus(page, '1 other session was signed out.');
    password = changedTo;

    // This browser keeps working with its new session and CSRF token.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Account settings' }).waitFor();
    await expect.poll(() => summaryValue(page, 'summary-sessions')).toBe('1');
    // The other browser is signed out.
    await elsewhere.reload();
    await elsewhere.waitForURL((url) => url.pathname === '/sign-in');
    await closePage(elsewhere);
    expectNoPageProblems(page);
  });

  it('moves sign-in to a new email once the link sent to the new address is opened', async () => {
    const profile = page.locator('#profile');
    await profile.getByLabel('New email').fill(newEmail);
    await profile.getByLabel('Current password').fill(password);
    await profile.getByRole('button', { name: 'Send confirmation link' }).click();
    await waitForStatus(page, `We sent a confirmation link to ${newEmail}.`);
    expect(await summaryValue(page, 'summary-user')).toBe(email);

    const link = await mailbox.waitForLink(newEmail, '/confirm-email');
    await page.goto(link.href);
    await waitForStatus(page, 'Your sign-in email is changed.');
    await checkPageInBothThemes(page, 'confirm-email');
    await page.goto('/account');
    await page.getByRole('heading', { level: 1, name: 'Account settings' }).waitFor();
    expect(await summaryValue(page, 'summary-user')).toBe(newEmail);

    await signOutThroughHeader(page);
    await submitSignIn(page, email, password);
    expect(await alertCode(page)).toBe('invalid_credentials');
    await signInThroughForm(page, newEmail, password);
    expectPath(page, '/batches');
    expectNoPageProblems(page);
  });
});
