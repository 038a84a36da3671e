/**
 * Dashboard sessions (DESIGN §4, issue 6): the cookie and its flags, CSRF, session fixation,
 * sign-out and revocation, idle and absolute timeouts by the clock, the session list, and switching
 * workspaces only among one's own.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, parseSetCookie, PASSWORD, signIn, signUp, uniqueEmail } from '../helpers/browser.ts';
import { errorCode, registerOrg, startTestServer, type TestServer } from '../helpers/server.ts';

type SessionBody = {
  user: { id: string; email: string; email_verified_at: string | null; last_login_at: string | null; created_at: string };
  org: { id: string; display_name: string; role: string };
  orgs: { id: string; display_name: string; role: string }[];
  session: { id: string; created_at: string; last_seen_at: string; idle_expires_at: string; expires_at: string };
  csrf_token: string;
};

const HOUR = 3600_000;
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ signupPerHour: 1_000_000 });
});
afterAll(async () => server?.stop());

/** A raw HTTP request, for headers fetch will not send (Host). */
function rawPost(url: string, route: string, headers: Record<string, string>, body: unknown): Promise<{ status: number; setCookie: string[] }> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const request = httpRequest(`${url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)), ...headers } }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, setCookie: response.headers['set-cookie'] ?? [] }));
    });
    request.on('error', reject);
    request.end(payload);
  });
}

describe('signing up and the session cookie', () => {
  it('sign-up answers 201 with the user, an owned workspace and a CSRF token, and sets an HttpOnly SameSite=Lax cookie (no Secure over plain HTTP to 127.0.0.1)', async () => {
    const browser = new Browser(server);
    const email = uniqueEmail('ada');
    const response = await browser.request<SessionBody>('POST', '/v1/auth/signup', { body: { email, password: PASSWORD, workspace_name: 'Analytical Engines' } });
    expect(response.status).toBe(201);
    expect(response.body.user).toMatchObject({ email, email_verified_at: null });
    expect(response.body.user.id).toMatch(/^usr_/);
    expect(response.body.org).toMatchObject({ display_name: 'Analytical Engines', role: 'owner' });
    expect(response.body.org.id).toMatch(/^org_/);
    expect(response.body.csrf_token.length).toBeGreaterThan(20);
    const cookies = response.headers.getSetCookie().map(parseSetCookie);
    expect(cookies).toHaveLength(1);
    const [cookie] = cookies;
    expect(cookie?.name).toBe('br_session');
    expect(cookie?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cookie?.attributes).toEqual(expect.arrayContaining(['Path=/', 'HttpOnly', 'SameSite=Lax']));
    expect(cookie?.attributes).not.toContain('Secure');

    const session = await browser.request<SessionBody>('GET', '/v1/auth/session');
    expect(session.status).toBe(200);
    expect(session.body.user.id).toBe(response.body.user.id);
    expect(session.body.orgs).toEqual([{ id: response.body.org.id, display_name: 'Analytical Engines', role: 'owner' }]);
    expect(session.body.csrf_token).toBe(response.body.csrf_token);
  });

  it('the workspace name defaults to one derived from the email, and a taken email is 409 email_taken whatever its case', async () => {
    const email = uniqueEmail('grace');
    const first = await signUp(server, { email });
    const session = await first.browser.request<SessionBody>('GET', '/v1/auth/session');
    expect(session.body.org.display_name).toBe(`${email.split('@')[0]}'s workspace`);
    const again = await new Browser(server).request('POST', '/v1/auth/signup', { body: { email: email.toUpperCase(), password: PASSWORD } });
    expect(again.status).toBe(409);
    expect(errorCode(again)).toBe('email_taken');
  });

  it('the cookie is Secure when the request names another host, or came through a proxy over HTTPS', async () => {
    const email = uniqueEmail();
    await signUp(server, { email });
    const port = new URL(server.url).port;
    const named = await rawPost(server.url, '/v1/auth/signin', { host: `dashboard.example.com:${port}` }, { email, password: PASSWORD });
    expect(named.status).toBe(200);
    expect(parseSetCookie(named.setCookie[0] ?? '').attributes).toEqual(expect.arrayContaining(['Secure', 'HttpOnly', 'SameSite=Lax', 'Path=/']));

    const proxied = await startTestServer({ trustProxy: true });
    try {
      await signUp(proxied, { email });
      const forwarded = await rawPost(proxied.url, '/v1/auth/signin', { 'x-forwarded-proto': 'https' }, { email, password: PASSWORD });
      expect(forwarded.status).toBe(200);
      expect(parseSetCookie(forwarded.setCookie[0] ?? '').attributes).toContain('Secure');
      const plain = await rawPost(proxied.url, '/v1/auth/signin', {}, { email, password: PASSWORD });
      expect(parseSetCookie(plain.setCookie[0] ?? '').attributes).not.toContain('Secure');
    } finally {
      await proxied.stop();
    }
  });
});

describe('session fixation', () => {
  it('a cookie set before sign-in is never the session after it: sign-in issues a new token and ends the old session', async () => {
    const victim = await signUp(server);
    const attacker = await signUp(server);
    // The attacker plants their own valid cookie (and then a made-up one) in the victim's browser.
    const browser = new Browser(server);
    browser.cookie = attacker.browser.cookie;
    const planted = browser.cookie;
    const signedIn = await browser.request<SessionBody>('POST', '/v1/auth/signin', { body: { email: victim.email, password: PASSWORD } });
    expect(signedIn.status).toBe(200);
    expect(browser.cookie).not.toBe(planted);
    expect(signedIn.body.user.id).toBe(victim.userId);
    // The planted session is over; the new one is the victim's.
    const plantedNow = await attacker.browser.request('GET', '/v1/auth/session');
    expect(plantedNow.status).toBe(401);
    expect(errorCode(plantedNow)).toBe('session_required');
    expect((await browser.request<SessionBody>('GET', '/v1/auth/session')).body.user.id).toBe(victim.userId);

    const madeUp = new Browser(server);
    madeUp.cookie = 'A'.repeat(43);
    await madeUp.request('POST', '/v1/auth/signin', { body: { email: victim.email, password: PASSWORD } });
    expect(madeUp.cookie).not.toBe('A'.repeat(43));
    expect(madeUp.cookie).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('CSRF', () => {
  it('every state-changing request made with the cookie needs the session’s X-CSRF-Token: missing or wrong is 403 csrf_token_invalid', async () => {
    const owner = await signUp(server);
    const other = await signUp(server);
    const unsafe: { method: string; route: string; body?: unknown }[] = [
      { method: 'POST', route: '/v1/auth/signout' },
      { method: 'POST', route: '/v1/auth/session/org', body: { org_id: owner.orgId } },
      { method: 'POST', route: '/v1/auth/email/verification' },
      { method: 'POST', route: '/v1/auth/email/change', body: { new_email: uniqueEmail(), password: PASSWORD } },
      { method: 'POST', route: '/v1/auth/password/change', body: { current_password: PASSWORD, new_password: 'another long password' } },
      { method: 'POST', route: '/v1/auth/sessions/ses_doesnotexist/revoke' },
      { method: 'PATCH', route: `/v1/auth/account/members/${owner.userId}`, body: { role: 'owner' } },
      { method: 'DELETE', route: `/v1/auth/account/members/${owner.userId}` },
      { method: 'POST', route: '/v1/auth/account/invitations', body: { email: uniqueEmail(), role: 'member' } },
      { method: 'POST', route: '/v1/auth/account/invitations/inv_doesnotexist/revoke' },
      { method: 'POST', route: '/v1/auth/account/api-keys', body: { name: 'from-the-dashboard' } },
      { method: 'PUT', route: '/v1/auth/account/delivery-webhook', body: { url: 'https://hooks.example.com/x' } },
      { method: 'POST', route: '/v1/batches/quote', body: {} },
    ];
    for (const endpoint of unsafe) {
      for (const csrf of ['omit', other.browser.csrfToken ?? '', 'x'.repeat(43)]) {
        const response = await owner.browser.request(endpoint.method, endpoint.route, { body: endpoint.body, csrf });
        expect(response.status, `${endpoint.method} ${endpoint.route} with csrf ${csrf.slice(0, 8)}`).toBe(403);
        expect(errorCode(response)).toBe('csrf_token_invalid');
      }
    }
    // Nothing happened: still signed in, still the owner.
    expect((await owner.browser.request<SessionBody>('GET', '/v1/auth/session')).body.org.role).toBe('owner');
    // With the token, the dashboard may create a key like any owner.
    const created = await owner.browser.request<{ api_key: string }>('POST', '/v1/auth/account/api-keys', { body: { name: 'from-the-dashboard' } });
    expect(created.status).toBe(201);
    // A bearer request needs no CSRF token at all.
    const byKey = await server.request('POST', '/v1/auth/account/api-keys', { key: created.body.api_key, body: { name: 'by-key' } });
    expect(byKey.status).toBe(201);
  });

  it('a cross-site sign-in (Origin of another site, or Sec-Fetch-Site: cross-site) is refused: login CSRF', async () => {
    const person = await signUp(server);
    const body = { email: person.email, password: PASSWORD };
    const crossSite: Record<string, string>[] = [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }, { origin: 'null' }];
    for (const headers of crossSite) {
      const response = await server.request('POST', '/v1/auth/signin', { body, headers });
      expect(response.status, JSON.stringify(headers)).toBe(403);
      expect(errorCode(response)).toBe('csrf_token_invalid');
      expect(response.headers.getSetCookie()).toEqual([]);
    }
    const signup = await server.request('POST', '/v1/auth/signup', { body: { email: uniqueEmail(), password: PASSWORD }, headers: { origin: 'https://evil.example' } });
    expect(errorCode(signup)).toBe('csrf_token_invalid');
    const sameOrigin = await server.request('POST', '/v1/auth/signin', { body, headers: { origin: server.url, 'sec-fetch-site': 'same-origin' } });
    expect(sameOrigin.status).toBe(200);
  });
});

describe('ending sessions', () => {
  it('sign-out answers 204, clears the cookie, and the old cookie is 401 session_required from then on', async () => {
    const person = await signUp(server);
    const oldCookie = person.browser.cookie;
    const out = await person.browser.request('POST', '/v1/auth/signout');
    expect(out.status).toBe(204);
    const cleared = parseSetCookie(out.headers.getSetCookie()[0] ?? '');
    expect(cleared).toMatchObject({ name: 'br_session', value: '' });
    expect(cleared.attributes).toContain('Max-Age=0');
    const replay = new Browser(server);
    replay.cookie = oldCookie;
    const after = await replay.request('GET', '/v1/auth/session');
    expect(after.status).toBe(401);
    expect(errorCode(after)).toBe('session_required');
  });

  it('a session revoked from another browser is 401 on its next request; revoking another user’s session is 404', async () => {
    const person = await signUp(server);
    const laptop = await signIn(server, person.email);
    const list = await person.browser.request<{ data: { id: string; current: boolean; ip: string | null; user_agent: string | null }[] }>('GET', '/v1/auth/sessions');
    expect(list.body.data).toHaveLength(2);
    expect(list.body.data.filter((session) => session.current)).toHaveLength(1);
    const laptopSession = (await laptop.request<SessionBody>('GET', '/v1/auth/session')).body.session.id;
    expect(list.body.data.find((session) => session.id === laptopSession)).toMatchObject({ current: false, ip: '127.0.0.1' });

    const stranger = await signUp(server);
    const theirs = await stranger.browser.request('POST', `/v1/auth/sessions/${laptopSession}/revoke`);
    expect(theirs.status).toBe(404);
    expect(errorCode(theirs)).toBe('session_not_found');
    expect((await laptop.request('GET', '/v1/auth/session')).status).toBe(200);

    const revoked = await person.browser.request<{ id: string; revoked_at: string }>('POST', `/v1/auth/sessions/${laptopSession}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: laptopSession, revoked_at: expect.any(String) });
    const next = await laptop.request('GET', '/v1/auth/session');
    expect(next.status).toBe(401);
    expect(errorCode(next)).toBe('session_required');
    const remaining = await person.browser.request<{ data: { id: string }[] }>('GET', '/v1/auth/sessions');
    expect(remaining.body.data.map((session) => session.id)).not.toContain(laptopSession);
    // Revoking it again answers the same.
    expect((await person.browser.request('POST', `/v1/auth/sessions/${laptopSession}/revoke`)).status).toBe(200);
  });

  it('a session unused for the idle timeout (24 h) ends; one in use keeps going until the absolute timeout (30 days)', async () => {
    const idle = await signUp(server);
    const busy = await signUp(server);
    const started = (await busy.browser.request<SessionBody>('GET', '/v1/auth/session')).body.session;
    expect(Date.parse(started.expires_at) - Date.parse(started.created_at)).toBe(30 * 24 * HOUR);
    expect(Date.parse(started.idle_expires_at) - Date.parse(started.last_seen_at)).toBe(24 * HOUR);

    server.clock.advance(23 * HOUR);
    expect((await busy.browser.request('GET', '/v1/auth/session')).status).toBe(200);
    server.clock.advance(2 * HOUR);
    const idleNow = await idle.browser.request('GET', '/v1/auth/session');
    expect(idleNow.status).toBe(401);
    expect(errorCode(idleNow)).toBe('session_required');
    expect((await busy.browser.request('GET', '/v1/auth/session')).status).toBe(200);

    // Used every 20 hours, it still ends 30 days after sign-in.
    for (let elapsed = 25 * HOUR; elapsed + 20 * HOUR < 30 * 24 * HOUR; elapsed += 20 * HOUR) {
      server.clock.advance(20 * HOUR);
      expect((await busy.browser.request('GET', '/v1/auth/session')).status).toBe(200);
    }
    server.clock.set(new Date(Date.parse(started.expires_at)));
    const expired = await busy.browser.request('GET', '/v1/auth/session');
    expect(expired.status).toBe(401);
    expect(errorCode(expired)).toBe('session_required');
    // Signing in again works and starts a fresh 30 days.
    expect((await signIn(server, busy.email)).cookie).not.toBeNull();
  });

  it('last_seen_at moves at most once a minute', async () => {
    const person = await signUp(server);
    const first = (await person.browser.request<SessionBody>('GET', '/v1/auth/session')).body.session.last_seen_at;
    server.clock.advance(30_000);
    expect((await person.browser.request<SessionBody>('GET', '/v1/auth/session')).body.session.last_seen_at).toBe(first);
    server.clock.advance(31_000);
    expect((await person.browser.request<SessionBody>('GET', '/v1/auth/session')).body.session.last_seen_at).not.toBe(first);
  });
});

describe('what a session may do', () => {
  it('session-only endpoints refuse API keys and strangers with 401 session_required', async () => {
    const org = await registerOrg(server);
    for (const [method, route] of [
      ['GET', '/v1/auth/session'],
      ['GET', '/v1/auth/sessions'],
      ['POST', '/v1/auth/signout'],
      ['POST', '/v1/auth/password/change'],
      ['GET', '/v1/auth/account/invitations'],
    ] as const) {
      for (const key of [org.key, undefined]) {
        const response = await server.request(method, route, { ...(key ? { key } : {}), body: method === 'POST' ? {} : undefined });
        expect(response.status, `${method} ${route}`).toBe(401);
        expect(errorCode(response)).toBe('session_required');
      }
    }
  });

  it('a session acts with its role’s scopes on the API: an owner lists keys and batches of its own workspace only', async () => {
    const a = await signUp(server);
    const b = await signUp(server);
    const key = await a.browser.request<{ api_key_id: string }>('POST', '/v1/auth/account/api-keys', { body: { name: 'a-key' } });
    const keysOfB = await b.browser.request<{ data: { api_key_id: string }[] }>('GET', '/v1/auth/account/api-keys');
    expect(keysOfB.status).toBe(200);
    expect(keysOfB.body.data.map((k) => k.api_key_id)).not.toContain(key.body.api_key_id);
    const account = await b.browser.request<{ org_id: string; members: { user_id: string; role: string }[] }>('GET', '/v1/auth/account');
    expect(account.body.org_id).toBe(b.orgId);
    expect(account.body.members).toEqual([expect.objectContaining({ user_id: b.userId, role: 'owner' })]);
    const batches = await b.browser.request<{ data: unknown[] }>('GET', '/v1/batches');
    expect(batches.status).toBe(200);
    expect(batches.body.data).toEqual([]);
    const revokeA = await b.browser.request('POST', `/v1/auth/account/api-keys/${key.body.api_key_id}/revoke`);
    expect(revokeA.status).toBe(404);
  });

  it('switching workspace works only among one’s memberships: another org is 403 org_membership_required', async () => {
    const a = await signUp(server);
    const b = await signUp(server);
    const refused = await a.browser.request('POST', '/v1/auth/session/org', { body: { org_id: b.orgId } });
    expect(refused.status).toBe(403);
    expect(errorCode(refused)).toBe('org_membership_required');
    const same = await a.browser.request<SessionBody>('POST', '/v1/auth/session/org', { body: { org_id: a.orgId } });
    expect(same.status).toBe(200);
    expect(same.body.org.id).toBe(a.orgId);
  });
});
