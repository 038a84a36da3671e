/**
 * A browser as the dashboard's API sees one: it keeps the br_session cookie it is given, sends it
 * back, and sends the CSRF token with every state-changing request (unless told not to). Also: the
 * outbox of a server without SMTP, and the links in its emails.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ApiResponse, TestServer } from './server.ts';

export interface BrowserRequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Leave the X-CSRF-Token header out, or send this value instead of the right one. */
  csrf?: 'omit' | string;
  /** Send no cookie this time. */
  withoutCookie?: boolean;
}

export interface SetCookie {
  name: string;
  value: string;
  attributes: string[];
}

/** Parses one Set-Cookie header value. */
export function parseSetCookie(header: string): SetCookie {
  const [pair = '', ...attributes] = header.split(';').map((part) => part.trim());
  const separator = pair.indexOf('=');
  return { name: pair.slice(0, separator), value: pair.slice(separator + 1), attributes };
}

export class Browser {
  cookie: string | null = null;
  csrfToken: string | null = null;
  readonly server: TestServer;

  constructor(server: TestServer) {
    this.server = server;
  }

  async request<T = Record<string, unknown>>(method: string, route: string, options: BrowserRequestOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.cookie !== null && !options.withoutCookie) headers['cookie'] = `br_session=${this.cookie}`;
    const unsafe = method !== 'GET' && method !== 'HEAD';
    if (unsafe && options.csrf !== 'omit') {
      const token = options.csrf ?? this.csrfToken;
      if (token !== null) headers['x-csrf-token'] = token;
    }
    const response = await this.server.request<T>(method, route, { body: options.body, headers });
    for (const header of response.headers.getSetCookie()) {
      const cookie = parseSetCookie(header);
      if (cookie.name !== 'br_session') continue;
      this.cookie = cookie.value === '' ? null : cookie.value;
      if (this.cookie === null) this.csrfToken = null;
    }
    const body = response.body as { csrf_token?: unknown };
    if (typeof body === 'object' && body !== null && typeof body.csrf_token === 'string') this.csrfToken = body.csrf_token;
    return response;
  }
}

export interface SignedUp {
  browser: Browser;
  userId: string;
  orgId: string;
  email: string;
  password: string;
}

let counter = 0;

/** A unique address for a test. */
export function uniqueEmail(name = 'person'): string {
  counter += 1;
  return `${name}.${Date.now().toString(36)}${counter}@example.com`;
}

export const PASSWORD = 'correct horse battery staple';

/** Signs up a new person (and their workspace) in a new browser. */
export async function signUp(server: TestServer, options: { email?: string; password?: string; workspace?: string } = {}): Promise<SignedUp> {
  const browser = new Browser(server);
  const email = options.email ?? uniqueEmail();
  const password = options.password ?? PASSWORD;
  const response = await browser.request<{ user: { id: string }; org: { id: string } }>('POST', '/v1/auth/signup', {
    body: { email, password, ...(options.workspace ? { workspace_name: options.workspace } : {}) },
  });
  if (response.status !== 201) throw new Error(`signup answered ${response.status}: ${JSON.stringify(response.body)}`);
  return { browser, userId: response.body.user.id, orgId: response.body.org.id, email, password };
}

/** Signs in, in a new browser. */
export async function signIn(server: TestServer, email: string, password: string = PASSWORD): Promise<Browser> {
  const browser = new Browser(server);
  const response = await browser.request('POST', '/v1/auth/signin', { body: { email, password } });
  if (response.status !== 200) throw new Error(`signin answered ${response.status}: ${JSON.stringify(response.body)}`);
  return browser;
}

export interface Mail {
  kind: string;
  to: string;
  from: string;
  subject: string;
  text: string;
  link?: string;
  file: string;
}

/** Every message in the server's outbox, oldest first. */
export async function readOutbox(server: TestServer): Promise<Mail[]> {
  const directory = path.join(server.config.dataDir, 'outbox');
  let names: string[];
  try {
    names = (await readdir(directory)).filter((name) => name.endsWith('.json')).sort();
  } catch {
    return [];
  }
  return Promise.all(names.map(async (name) => ({ ...(JSON.parse(await readFile(path.join(directory, name), 'utf8')) as Omit<Mail, 'file'>), file: name })));
}

/** Waits (polling, up to 10 s) for the `nth` message (1 = first) to `to` of a kind to be in the outbox. */
export async function waitForMail(server: TestServer, to: string, kind: string, nth = 1): Promise<Mail> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const found = (await readOutbox(server)).filter((mail) => mail.to === to && mail.kind === kind);
    const mail = found[nth - 1];
    if (mail) return mail;
    if (Date.now() > deadline) throw new Error(`no ${kind} mail #${nth} to ${to} within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The token of a link, and the dashboard path it opens. */
export function linkOf(mail: { link?: string; text: string }): { url: URL; token: string } {
  const link = mail.link ?? /https?:\/\/\S+/.exec(mail.text)?.[0];
  if (!link) throw new Error(`no link in ${mail.text}`);
  const url = new URL(link);
  const token = url.searchParams.get('token');
  if (!token) throw new Error(`no token in ${link}`);
  return { url, token };
}
