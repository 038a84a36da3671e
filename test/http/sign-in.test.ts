/**
 * Signing in (DESIGN §4): argon2id PHC hashes (never the password), one answer for a wrong email or
 * a wrong password, limits on failures per account and per address, the password rules, hostile
 * input, and logs that never carry a password, a session token or a link's token (outside the
 * development outbox's own notice).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, linkOf, PASSWORD, readOutbox, signIn, signUp, uniqueEmail, waitForMail } from '../helpers/browser.ts';
import { captureLogs } from '../helpers/logs.ts';
import { errorCode, startTestServer, type ApiResponse, type TestServer } from '../helpers/server.ts';

const { logger, lines } = captureLogs();
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ signupPerHour: 1_000_000, signinFailuresPerAccount: 5, signinFailuresPerAddress: 12, starterCreditsMicros: 2_500_000 }, { logger });
});
afterAll(async () => server?.stop());

const MINUTE = 60_000;

describe('passwords at rest', () => {
  it('are stored as an argon2id PHC string with at least OWASP’s parameters, never as given', async () => {
    const person = await signUp(server, { password: 'a unique password 12345' });
    const row = await server.server.database.db.selectFrom('users').selectAll().where('id', '=', person.userId).executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    const [, memory, passes, parallelism] = /m=(\d+),t=(\d+),p=(\d+)/.exec(row.password_hash ?? '') ?? [];
    expect(Number(memory)).toBeGreaterThanOrEqual(19_456);
    expect(Number(passes)).toBeGreaterThanOrEqual(2);
    expect(Number(parallelism)).toBeGreaterThanOrEqual(1);
    const everything = JSON.stringify(await server.server.database.db.selectFrom('users').selectAll().execute());
    expect(everything).not.toContain('a unique password 12345');
    // Session tokens are stored hashed too.
    const sessions = JSON.stringify(await server.server.database.db.selectFrom('sessions').selectAll().where('user_id', '=', person.userId).execute());
    expect(sessions).not.toContain(person.browser.cookie ?? 'no cookie');
  });

  it('two people with one password get different hashes (a salt each)', async () => {
    const a = await signUp(server, { password: 'shared password here' });
    const b = await signUp(server, { password: 'shared password here' });
    const rows = await server.server.database.db.selectFrom('users').select(['id', 'password_hash']).where('id', 'in', [a.userId, b.userId]).execute();
    expect(new Set(rows.map((row) => row.password_hash)).size).toBe(2);
  });
});

describe('password rules', () => {
  it('10 to 200 characters, and not the email address itself: 400 invalid_request naming the field', async () => {
    const email = uniqueEmail('rules');
    for (const password of ['nine char', 'x'.repeat(201), email, email.toUpperCase()]) {
      const response = await server.request<{ error: { details: { path: string }[] } }>('POST', '/v1/auth/signup', { body: { email, password } });
      expect(response.status, password.slice(0, 20)).toBe(400);
      expect(errorCode(response)).toBe('invalid_request');
      expect(response.body.error.details.map((detail) => detail.path)).toContain('password');
    }
    expect((await server.request('POST', '/v1/auth/signup', { body: { email, password: 'ten chars!' } })).status).toBe(201);
    expect((await server.request('POST', '/v1/auth/signup', { body: { email: uniqueEmail(), password: '🔐'.repeat(200) } })).status).toBe(201);
  });
});

describe('signing up', () => {
  it('the new workspace gets the starter credits, as agent registration does, and the owner sees it in the account summary', async () => {
    const person = await signUp(server, { workspace: 'Credited' });
    const account = await person.browser.request<{ org_id: string; display_name: string; credit_balance: { amount: string }; members: { user_id: string; role: string }[] }>('GET', '/v1/auth/account');
    expect(account.status).toBe(200);
    expect(account.body).toMatchObject({ org_id: person.orgId, display_name: 'Credited', credit_balance: { amount: '2.50' } });
    expect(account.body.members).toEqual([expect.objectContaining({ user_id: person.userId, role: 'owner' })]);
  });

  it('is limited per client address per hour', async () => {
    const limited = await startTestServer({ signupPerHour: 2 });
    try {
      for (let i = 0; i < 2; i++) expect((await limited.request('POST', '/v1/auth/signup', { body: { email: uniqueEmail(), password: PASSWORD } })).status).toBe(201);
      const third = await limited.request('POST', '/v1/auth/signup', { body: { email: uniqueEmail(), password: PASSWORD } });
      expect(third.status).toBe(429);
      expect(errorCode(third)).toBe('rate_limited');
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await limited.stop();
    }
  });
});

describe('signing in', () => {
  it('a wrong password and an unknown email get the same 401 invalid_credentials; the right ones a new session with last_login_at', async () => {
    const person = await signUp(server);
    const wrongPassword = await server.request('POST', '/v1/auth/signin', { body: { email: person.email, password: 'not the password' } });
    const unknownEmail = await server.request('POST', '/v1/auth/signin', { body: { email: uniqueEmail('ghost'), password: 'not the password' } });
    for (const response of [wrongPassword, unknownEmail]) {
      expect(response.status).toBe(401);
      expect(errorCode(response)).toBe('invalid_credentials');
      expect(response.headers.getSetCookie()).toEqual([]);
    }
    expect(wrongPassword.body.error).toEqual({ ...(unknownEmail.body.error as object), docs_url: expect.any(String) });
    server.clock.advance(MINUTE);
    const browser = new Browser(server);
    const ok = await browser.request<{ user: { id: string; last_login_at: string } }>('POST', '/v1/auth/signin', { body: { email: person.email.toUpperCase(), password: PASSWORD } });
    expect(ok.status).toBe(200);
    expect(ok.body.user).toMatchObject({ id: person.userId, last_login_at: server.clock.now().toISOString().replace('.000Z', 'Z') });
  });

  it('failed sign-ins, wrong password or none, are in the audit log of the account’s workspace', async () => {
    const person = await signUp(server);
    server.clock.advance(1000);
    await server.request('POST', '/v1/auth/signin', { body: { email: person.email, password: 'wrong password' } });
    server.clock.advance(1000);
    await signIn(server, person.email);
    const events = await server.server.database.db
      .selectFrom('audit_events')
      .select(['action', 'actor_type', 'actor_id', 'target_id', 'details'])
      .where('org_id', '=', person.orgId)
      .orderBy('created_at')
      .execute();
    expect(events.map((event) => event.action)).toEqual(['user.signed_up', 'user.signin_failed', 'user.signed_in']);
    expect(events[1]).toMatchObject({ actor_type: 'anonymous', target_id: person.userId });
    expect(events[2]).toMatchObject({ actor_type: 'user', actor_id: person.userId });
    expect(JSON.stringify(events)).not.toContain('wrong password');
  });
});

describe('limits on failed sign-ins', () => {
  it('per account: beyond the limit in 15 minutes, 429 rate_limited with Retry-After, even with the right password; then it recovers', async () => {
    const person = await signUp(server);
    for (let attempt = 0; attempt < 5; attempt++) {
      expect(errorCode(await server.request('POST', '/v1/auth/signin', { body: { email: person.email, password: `wrong ${attempt} password` } }))).toBe('invalid_credentials');
    }
    const limited = await server.request('POST', '/v1/auth/signin', { body: { email: person.email, password: PASSWORD } });
    expect(limited.status).toBe(429);
    expect(errorCode(limited)).toBe('rate_limited');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    // Another account from the same address is not affected.
    const other = await signUp(server);
    expect((await signIn(server, other.email)).cookie).not.toBeNull();

    server.clock.advance(retryAfter * 1000);
    expect((await signIn(server, person.email)).cookie).not.toBeNull();
  });

  it('per client address: failures across many accounts are limited too', async () => {
    server.clock.advance(16 * MINUTE);
    let status = 0;
    let response: ApiResponse | null = null;
    for (let attempt = 0; attempt < 13 && status !== 429; attempt++) {
      response = await server.request('POST', '/v1/auth/signin', { body: { email: uniqueEmail('spray'), password: 'guessing password' } });
      status = response.status;
    }
    expect(status).toBe(429);
    expect(response && errorCode(response)).toBe('rate_limited');
    expect(Number(response?.headers.get('retry-after'))).toBeGreaterThan(0);
    server.clock.advance(16 * MINUTE);
  });
});

describe('hostile input', () => {
  it('malformed bodies and cookies are 4xx with the error body, never 500', async () => {
    const cases: { route: string; body?: unknown; rawBody?: string; headers?: Record<string, string> }[] = [
      { route: '/v1/auth/signin', body: { email: 'not-an-email', password: 'x' } },
      { route: '/v1/auth/signin', body: { email: ['a@b.c'], password: 1 } },
      { route: '/v1/auth/signin', body: { email: 'a@b.co', password: 'x'.repeat(5000) } },
      { route: '/v1/auth/signin', body: { email: 'a@b.co', password: 'pw', extra: true } },
      { route: '/v1/auth/signin', rawBody: '{"email":', headers: { 'content-type': 'application/json' } },
      { route: '/v1/auth/signup', body: { email: 'a@b.co', password: 'long enough password', workspace_name: 'x'.repeat(500) } },
      { route: '/v1/auth/email/verify', body: { token: 'x'.repeat(5000) } },
      { route: '/v1/auth/email/verify', body: { token: "' or 1=1 --" } },
      { route: '/v1/auth/password/reset', body: { token: '\u0000', password: 'long enough password' } },
      { route: '/v1/auth/invitations/accept', body: { token: {} } },
      { route: '/v1/auth/session/org', body: { org_id: '../../etc' }, headers: { cookie: 'br_session=%%%; other=1' } },
      { route: '/v1/auth/signout', headers: { cookie: `br_session=${'A'.repeat(43)}` } },
    ];
    for (const entry of cases) {
      const response = await server.request('POST', entry.route, entry);
      expect(response.status, `${entry.route} ${JSON.stringify(entry.body ?? entry.rawBody)?.slice(0, 40)}`).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      errorCode(response);
    }
    for (const route of ['/v1/auth/invitations/%00', `/v1/auth/invitations/${'x'.repeat(300)}`, '/v1/auth/invitations/..%2F..%2F']) {
      const response = await server.request('GET', route);
      expect(response.status, route).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
    }
  });
});

describe('logs', () => {
  it('never carry a password, a session cookie or CSRF token; link tokens only in the outbox’s own notice; invitation URLs are redacted', async () => {
    const password = 'logged nowhere password';
    const person = await signUp(server, { password });
    const laptop = await signIn(server, person.email, password);
    await laptop.request('POST', '/v1/auth/password/change', { body: { current_password: password, new_password: 'another logged nowhere' } });
    await server.request('POST', '/v1/auth/signin', { body: { email: person.email, password: 'wrong logged nowhere' } });
    await server.request('POST', '/v1/auth/password/forgot', { body: { email: person.email } });
    const reset = linkOf(await waitForMail(server, person.email, 'password_reset')).token;
    await server.request('POST', '/v1/auth/password/reset', { body: { token: reset, password: 'reset logged nowhere' } });
    const owner = await signUp(server);
    const inviteeEmail = uniqueEmail('invitee');
    await owner.browser.request('POST', '/v1/auth/account/invitations', { body: { email: inviteeEmail, role: 'member' } });
    const invitation = linkOf(await waitForMail(server, inviteeEmail, 'invitation')).token;
    await server.request('GET', `/v1/auth/invitations/${invitation}`);
    await server.request('GET', `/v1/auth/invitations/${invitation}?token=${invitation}`);
    await new Browser(server).request('POST', '/v1/auth/invitations/accept', { body: { token: invitation, password: 'invitee logged nowhere' } });

    const verification = linkOf(await waitForMail(server, person.email, 'email_verification')).token;
    const secrets = [password, 'another logged nowhere', 'wrong logged nowhere', 'reset logged nowhere', 'invitee logged nowhere', person.browser.cookie, person.browser.csrfToken, laptop.cookie, laptop.csrfToken, owner.browser.cookie, owner.browser.csrfToken];
    const linkTokens = [reset, invitation, verification];
    expect(lines.length).toBeGreaterThan(20);
    for (const line of lines) {
      for (const secret of secrets) if (secret) expect(line).not.toContain(secret);
      const outboxNotice = (JSON.parse(line) as { msg?: string }).msg === 'mail written to the outbox';
      if (!outboxNotice) for (const token of linkTokens) expect(line).not.toContain(token);
    }
    expect(lines.some((line) => line.includes('/v1/auth/invitations/[redacted]'))).toBe(true);
    // The development outbox says where each link is, so a fresh install works without a mail server.
    expect((await readOutbox(server)).length).toBeGreaterThan(5);
    expect(lines.some((line) => line.includes('mail written to the outbox') && line.includes(reset))).toBe(true);
  });
});
