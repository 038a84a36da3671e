/**
 * The dashboard in a real browser: headless Chromium (Debian's `chromium` package) driven with
 * playwright-core, against a real server per test file. Each page can be checked with axe-core
 * (no serious or critical violation) and photographed in light and dark mode into
 * test-results/screenshots/. Every page records Content-Security-Policy violations and uncaught
 * errors, which the tests expect to stay empty.
 * @example const page = await openPage(browser, server.url); await expectAccessible(page, 'sign-in');
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';

/** Where Debian's chromium package puts the browser (`apt-get install chromium`). */
const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

export const SCREENSHOT_DIRECTORY = path.resolve('test-results', 'screenshots');

/** Generous: a page load, an API round trip and a render on a busy 2-core machine. */
export const STEP_TIMEOUT_MS = 20_000;

export function chromiumPath(): string {
  const found = CHROMIUM_CANDIDATES.find((candidate) => existsSync(candidate));
  if (!found) throw new Error(`no Chromium at ${CHROMIUM_CANDIDATES.join(' or ')}: apt-get install -y chromium`);
  return found;
}

export async function launchBrowser(): Promise<Browser> {
  // Tests run as root in CI, where Chromium's own sandbox cannot start.
  return chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/** What went wrong in a page that no assertion looks at directly. */
export interface PageProblems {
  cspViolations: string[];
  uncaughtErrors: string[];
}

const problemsByPage = new WeakMap<Page, PageProblems>();

export function problemsOf(page: Page): PageProblems {
  const problems = problemsByPage.get(page);
  if (!problems) throw new Error('page not opened with openPage');
  return problems;
}

/** A new browser context (its own cookies and storage: another person's browser) with one page at `baseUrl`. */
export async function openPage(browser: Browser, baseUrl: string, options: { colorScheme?: 'light' | 'dark' } = {}): Promise<Page> {
  const context: BrowserContext = await browser.newContext({
    baseURL: baseUrl,
    colorScheme: options.colorScheme ?? 'light',
    viewport: { width: 1280, height: 900 },
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  const page = await context.newPage();
  const problems: PageProblems = { cspViolations: [], uncaughtErrors: [] };
  problemsByPage.set(page, problems);
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) problems.cspViolations.push(message.text());
  });
  page.on('pageerror', (error) => problems.uncaughtErrors.push(error.message));
  return page;
}

export async function closePage(page: Page): Promise<void> {
  await page.context().close();
}

/** Fails when the page broke its Content-Security-Policy or threw. */
export function expectNoPageProblems(page: Page): void {
  expect(problemsOf(page)).toEqual({ cspViolations: [], uncaughtErrors: [] });
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

let axeSource: Promise<string> | undefined;

function loadAxe(): Promise<string> {
  axeSource ??= readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  return axeSource;
}

/** Runs axe-core in the page (injected as a script: the page's CSP does not apply to the test's own evaluation). */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  const hasAxe = await page.evaluate('typeof window.axe === "object"');
  if (hasAxe !== true) await page.evaluate(await loadAxe());
  const result = (await page.evaluate('axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) })))')) as AxeViolation[];
  return result;
}

export const AXE_DIRECTORY = path.resolve('test-results', 'axe');

/**
 * Expects no serious or critical accessibility violation on the page as it is now; every
 * violation found (minor and moderate ones too) is written to test-results/axe/<name>-<theme>.json.
 */
export async function expectAccessible(page: Page, name: string, theme: 'light' | 'dark' = 'light'): Promise<void> {
  const violations = await axeViolations(page);
  await mkdir(AXE_DIRECTORY, { recursive: true });
  await writeFile(path.join(AXE_DIRECTORY, `${name}-${theme}.json`), `${JSON.stringify({ page: name, theme, url: page.url(), violations }, null, 2)}\n`);
  const blocking = violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
  expect(blocking.map((violation) => `${violation.impact} ${violation.id}: ${violation.help} at ${JSON.stringify(violation.nodes.slice(0, 3))}`), `${name} (${theme})`).toEqual([]);
}

/** Applies a theme the way the dashboard does (saved in localStorage, set on <html>), without a reload. */
export async function applyTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  await page.evaluate(`localStorage.setItem('batchrouter.theme', '${theme}'); document.documentElement.dataset.theme = '${theme}';`);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIRECTORY, { recursive: true });
  const file = path.join(SCREENSHOT_DIRECTORY, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
  return file;
}

/**
 * Checks a page in both themes: axe-core in each, and a full-page screenshot of each
 * (`<name>-light.png`, `<name>-dark.png`). `setTheme` changes the theme (default: `applyTheme`);
 * the page is left in light mode.
 */
export async function checkPageInBothThemes(page: Page, name: string, setTheme: (theme: 'light' | 'dark') => Promise<void> = (theme) => applyTheme(page, theme)): Promise<void> {
  for (const theme of ['light', 'dark'] as const) {
    await setTheme(theme);
    await expect.poll(() => page.evaluate('document.documentElement.dataset.theme')).toBe(theme);
    await expectAccessible(page, name, theme);
    await screenshot(page, `${name}-${theme}`);
  }
  await setTheme('light');
  expectNoPageProblems(page);
}
