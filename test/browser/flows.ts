/** What a person does in the dashboard again and again: sign up, sign in, sign out, open a link from an email. */
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { expectNoPageProblems } from './harness.ts';

/** Signs up through the form; the browser lands on account settings. */
export async function signUpThroughForm(page: Page, account: { email: string; password: string; workspace?: string }): Promise<void> {
  await page.goto('/sign-up');
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  if (account.workspace) await page.getByLabel('Workspace name (optional)').fill(account.workspace);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { level: 1, name: 'Account settings' }).waitFor();
  expectNoPageProblems(page);
}

/** Fills and submits the sign-in form at `from` (default /sign-in). */
export async function submitSignIn(page: Page, email: string, password: string, options: { from?: string } = {}): Promise<void> {
  await page.goto(options.from ?? '/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Signs in through the form and waits to be taken on. */
export async function signInThroughForm(page: Page, email: string, password: string, options: { from?: string } = {}): Promise<void> {
  await submitSignIn(page, email, password, options);
  await page.waitForURL((url) => url.pathname !== '/sign-in');
}

export async function signOutThroughHeader(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).first().click();
  await page.waitForURL((url) => url.pathname === '/sign-in');
}

/** The id of the workspace this browser is signed in to, as its session says. */
export async function signedInOrgId(page: Page): Promise<string> {
  return String(await page.evaluate("fetch('/v1/auth/session').then((r) => r.json()).then((s) => s.org.id)"));
}

/** Creates an API key in account settings (the page must be open there); returns its secret, shown once. */
export async function createKeyInSettings(page: Page, name: string, role: 'owner' | 'admin' | 'member'): Promise<string> {
  const keys = page.locator('#api-keys');
  await keys.getByLabel('Key name').fill(name);
  await keys.getByLabel('Role').selectOption(role);
  await keys.getByRole('button', { name: 'Create key' }).click();
  return (await page.getByTestId('one-time-secret').textContent()) ?? '';
}

/** Invites `email` as `role` from account settings (the page must be open there) and waits for the confirmation. */
export async function inviteThroughSettings(page: Page, email: string, role: 'owner' | 'admin' | 'member'): Promise<void> {
  const section = page.locator('#workspace-access');
  await section.getByLabel('Teammate email').fill(email);
  await section.getByLabel('Role', { exact: true }).selectOption(role);
  await section.getByRole('button', { name: 'Send invitation' }).click();
  await waitForStatus(page, `Invitation sent to ${email}.`);
}

/** The summary figure of account settings with this label ("Verification" → "Pending"). */
export async function summaryValue(page: Page, testId: string): Promise<string> {
  return (await page.getByTestId(testId).locator('.stat-value').textContent()) ?? '';
}

/** Waits until a polite status message containing `text` is shown. */
export async function waitForStatus(page: Page, text: string): Promise<void> {
  await page.getByRole('status').filter({ hasText: text }).first().waitFor();
}

/** Waits until an alert is shown and returns its error code. */
export async function alertCode(page: Page, within?: string): Promise<string | null> {
  const alert = (within ? page.locator(within) : page).getByRole('alert').first();
  await alert.waitFor();
  return alert.getAttribute('data-code');
}

export function expectPath(page: Page, path: string): void {
  expect(new URL(page.url()).pathname).toBe(path);
}

/** Follows a link of the dashboard's main navigation and waits for its page. */
export async function openFromNavigation(page: Page, label: 'Batches' | 'Usage' | 'Optimization' | 'Billing' | 'Account settings'): Promise<void> {
  await page.getByRole('navigation', { name: 'Dashboard' }).getByRole('link', { name: label }).click();
  await page.getByRole('heading', { level: 1, name: label }).waitFor();
}
