/**
 * What a person who is not signed in sees: the sign-in page (keyboard-usable, labelled, accessible
 * in both themes, within its CSP), sign-up and forgot-password, a signed-in page sending them to
 * sign in and back, and the not-found page.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { checkPageInBothThemes, closePage, expectAccessible, expectNoPageProblems, launchBrowser, openPage } from './harness.ts';

describe('the dashboard for a signed-out visitor', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchBrowser();
    page = await openPage(browser, server.url);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows the sign-in page at /sign-in: labelled fields, keyboard order, accessible in light and dark mode', async () => {
    await page.goto('/sign-in');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in');
    await expect.poll(() => page.title()).toBe('Sign in · BatchRouter');
    // The first Tab reaches the skip link, then the form in reading order.
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Skip to content');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.getAttribute("name")')).toBe('email');
    await page.keyboard.type('nobody@example.com');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.getAttribute("name")')).toBe('password');
    expect(await page.getByLabel('Email').inputValue()).toBe('nobody@example.com');
    await checkPageInBothThemes(page, 'sign-in');
  });

  it('says why a sign-in failed, in an alert', async () => {
    await page.goto('/sign-in');
    await page.getByLabel('Email').fill('nobody@example.com');
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.getAttribute('data-code')).toBe('invalid_credentials');
    expectNoPageProblems(page);
  });

  it('sends a visitor of a signed-in page to sign in, remembering where they were going', async () => {
    await page.goto('/billing');
    await page.waitForURL((url) => url.pathname === '/sign-in');
    expect(new URL(page.url()).searchParams.get('next')).toBe('/billing');
    await page.goto('/');
    await page.waitForURL((url) => url.pathname === '/sign-in');
  });

  it('shows sign-up and forgot-password, accessible in both themes, linked from sign-in', async () => {
    await page.goto('/sign-in');
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByRole('heading', { name: 'Create your account' }).waitFor();
    expect(await page.getByLabel('Password').getAttribute('autocomplete')).toBe('new-password');
    await checkPageInBothThemes(page, 'sign-up');
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    await page.getByRole('heading', { name: 'Forgot password' }).waitFor();
    await checkPageInBothThemes(page, 'forgot-password');
  });

  it('answers an unknown path with a not-found page', async () => {
    await page.goto('/no/such/page');
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await expectAccessible(page, 'not-found');
    expectNoPageProblems(page);
  });

  it('follows the system colour scheme until a theme is chosen', async () => {
    const dark = await openPage(browser, server.url, { colorScheme: 'dark' });
    await dark.goto('/sign-in');
    expect(await dark.evaluate('document.documentElement.dataset.theme')).toBe('dark');
    await closePage(dark);
  });
});
