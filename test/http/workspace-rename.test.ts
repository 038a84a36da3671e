/** Renaming the workspace (seed 002, Profile and sign-in): owners and admins, in the dashboard. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, linkOf, PASSWORD, signUp, uniqueEmail, waitForMail } from '../helpers/browser.ts';
import { errorCode, registerOrg, startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ signupPerHour: 1_000_000 });
});
afterAll(async () => server?.stop());

describe('renaming the workspace', () => {
  it('an owner renames it: the account shows the new name and the audit log records both names', async () => {
    const owner = await signUp(server, { workspace: 'Old name' });
    const renamed = await owner.browser.request<{ display_name: string }>('PATCH', '/v1/auth/account', { body: { display_name: '  Analytical Engines  ' } });
    expect(renamed.status).toBe(200);
    expect(renamed.body.display_name).toBe('Analytical Engines');
    expect((await owner.browser.request<{ display_name: string }>('GET', '/v1/auth/account')).body.display_name).toBe('Analytical Engines');
    const activity = await owner.browser.request<{ data: { action: string; details: Record<string, unknown> }[] }>('GET', '/v1/auth/account/activity');
    expect(activity.body.data.find((event) => event.action === 'org.renamed')?.details).toEqual({ from: 'Old name', to: 'Analytical Engines' });
  });

  it('a member cannot: 403 role_not_allowed, and the name stays', async () => {
    const owner = await signUp(server, { workspace: 'Kept name' });
    const email = uniqueEmail('member');
    await owner.browser.request('POST', '/v1/auth/account/invitations', { body: { email, role: 'member' } });
    const member = new Browser(server);
    const accepted = await member.request('POST', '/v1/auth/invitations/accept', { body: { token: linkOf(await waitForMail(server, email, 'invitation')).token, password: PASSWORD } });
    expect(accepted.status).toBe(200);
    const denied = await member.request('PATCH', '/v1/auth/account', { body: { display_name: 'Taken over' } });
    expect(denied.status).toBe(403);
    expect(errorCode(denied)).toBe('role_not_allowed');
    expect((await owner.browser.request<{ display_name: string }>('GET', '/v1/auth/account')).body.display_name).toBe('Kept name');
  });

  it('needs a signed-in person (an API key gets 401 session_required), a CSRF token, and a name that is not blank', async () => {
    const org = await registerOrg(server);
    const byKey = await server.request('PATCH', '/v1/auth/account', { key: org.key, body: { display_name: 'By key' } });
    expect(byKey.status).toBe(401);
    expect(errorCode(byKey)).toBe('session_required');

    const owner = await signUp(server);
    const noToken = await owner.browser.request('PATCH', '/v1/auth/account', { body: { display_name: 'No token' }, csrf: 'omit' });
    expect(noToken.status).toBe(403);
    expect(errorCode(noToken)).toBe('csrf_token_invalid');
    for (const display_name of ['   ', '', 'x'.repeat(101), 'line\nbreak']) {
      const response = await owner.browser.request('PATCH', '/v1/auth/account', { body: { display_name } });
      expect(response.status, JSON.stringify(display_name)).toBe(400);
      expect(errorCode(response)).toBe('invalid_request');
    }
  });
});
