/**
 * Workspace membership (seed 002, Workspace access): invitations by email (read from the outbox),
 * accepting them with or without an account, roles and their rules, the last owner, leaving, and
 * what a member sees of each workspace.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, linkOf, PASSWORD, readOutbox, signIn, signUp, uniqueEmail, waitForMail, type SignedUp } from '../helpers/browser.ts';
import { errorCode, registerOrg, startTestServer, type TestServer } from '../helpers/server.ts';

type Invitation = { id: string; email: string; role: string; status: string; expires_at: string };
type Member = { user_id: string; email: string; role: string; joined_at: string; email_verified_at: string | null };
type SessionBody = { user: { id: string; email_verified_at: string | null }; org: { id: string; role: string }; orgs: { id: string; role: string }[]; csrf_token: string };

const DAY = 24 * 3600_000;
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ signupPerHour: 1_000_000 });
});
afterAll(async () => server?.stop());

async function invite(by: Browser, email: string, role: string): Promise<{ invitation: Invitation; token: string }> {
  const before = (await readOutbox(server)).filter((mail) => mail.to === email && mail.kind === 'invitation').length;
  const response = await by.request<Invitation>('POST', '/v1/auth/account/invitations', { body: { email, role } });
  if (response.status !== 201) throw new Error(`invite answered ${response.status}: ${JSON.stringify(response.body)}`);
  const mail = await waitForMail(server, email, 'invitation', before + 1);
  // Reading the mail takes a moment: members join after the owner, in order.
  server.clock.advance(1000);
  return { invitation: response.body, token: linkOf(mail).token };
}

/** A workspace with an owner, and a person invited (with a new account) as `role`. */
async function teamWith(role: string): Promise<{ owner: SignedUp; person: { browser: Browser; userId: string; email: string } }> {
  const owner = await signUp(server);
  const email = uniqueEmail(role);
  const { token } = await invite(owner.browser, email, role);
  const browser = new Browser(server);
  const accepted = await browser.request<SessionBody>('POST', '/v1/auth/invitations/accept', { body: { token, password: PASSWORD } });
  if (accepted.status !== 200) throw new Error(`accept answered ${accepted.status}: ${JSON.stringify(accepted.body)}`);
  return { owner, person: { browser, userId: accepted.body.user.id, email } };
}

describe('invitations', () => {
  it('an owner invites by email; the link shows the workspace; accepting without an account creates it (verified), joins and signs in', async () => {
    const owner = await signUp(server, { workspace: 'Difference Engines' });
    const email = uniqueEmail('babbage');
    const { invitation, token } = await invite(owner.browser, email, 'admin');
    expect(invitation).toMatchObject({ email, role: 'admin', status: 'pending' });
    expect(Date.parse(invitation.expires_at) - Date.parse((invitation as Invitation & { created_at: string }).created_at)).toBe(7 * DAY);
    const mail = await waitForMail(server, email, 'invitation');
    expect(linkOf(mail).url.pathname).toBe('/invite');

    const pending = await owner.browser.request<{ data: Invitation[] }>('GET', '/v1/auth/account/invitations');
    expect(pending.body.data.map((i) => i.id)).toEqual([invitation.id]);

    const preview = await server.request('GET', `/v1/auth/invitations/${token}`);
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ org: { display_name: 'Difference Engines' }, email, role: 'admin', account_exists: false });

    const browser = new Browser(server);
    const noPassword = await browser.request('POST', '/v1/auth/invitations/accept', { body: { token } });
    expect(errorCode(noPassword)).toBe('invalid_request');
    const accepted = await browser.request<SessionBody>('POST', '/v1/auth/invitations/accept', { body: { token, password: PASSWORD } });
    expect(accepted.status).toBe(200);
    expect(accepted.body.org).toMatchObject({ id: owner.orgId, role: 'admin' });
    expect(accepted.body.user.email_verified_at).not.toBeNull();
    expect(browser.cookie).not.toBeNull();
    expect((await browser.request<SessionBody>('GET', '/v1/auth/session')).body.org.id).toBe(owner.orgId);

    const members = await owner.browser.request<{ data: Member[] }>('GET', '/v1/auth/account/members');
    expect(members.body.data.map((m) => [m.email, m.role])).toEqual([
      [owner.email, 'owner'],
      [email, 'admin'],
    ]);
    expect((await owner.browser.request<{ data: Invitation[] }>('GET', '/v1/auth/account/invitations')).body.data).toEqual([]);
    // The link worked once.
    expect(errorCode(await server.request('GET', `/v1/auth/invitations/${token}`))).toBe('link_invalid');
    expect(errorCode(await new Browser(server).request('POST', '/v1/auth/invitations/accept', { body: { token, password: PASSWORD } }))).toBe('link_invalid');
  });

  it('an existing account must be signed in as itself to accept; the session then moves to the workspace and can switch back', async () => {
    const owner = await signUp(server);
    const person = await signUp(server);
    const { token } = await invite(owner.browser, person.email, 'member');
    expect((await server.request('GET', `/v1/auth/invitations/${token}`)).body).toMatchObject({ account_exists: true });

    const anonymous = await new Browser(server).request('POST', '/v1/auth/invitations/accept', { body: { token, password: PASSWORD } });
    expect(anonymous.status).toBe(401);
    expect(errorCode(anonymous)).toBe('session_required');
    const stranger = await signUp(server);
    const wrongAccount = await stranger.browser.request('POST', '/v1/auth/invitations/accept', { body: { token } });
    expect(wrongAccount.status).toBe(403);
    expect(errorCode(wrongAccount)).toBe('invitation_wrong_account');
    const noCsrf = await person.browser.request('POST', '/v1/auth/invitations/accept', { body: { token }, csrf: 'omit' });
    expect(errorCode(noCsrf)).toBe('csrf_token_invalid');

    const accepted = await person.browser.request<SessionBody>('POST', '/v1/auth/invitations/accept', { body: { token } });
    expect(accepted.status).toBe(200);
    expect(accepted.body.org).toMatchObject({ id: owner.orgId, role: 'member' });
    expect(accepted.body.orgs.map((o) => o.id).sort()).toEqual([owner.orgId, person.orgId].sort());
    const back = await person.browser.request<SessionBody>('POST', '/v1/auth/session/org', { body: { org_id: person.orgId } });
    expect(back.body.org).toMatchObject({ id: person.orgId, role: 'owner' });
  });

  it('admins cannot invite owners; members cannot invite at all; inviting a member is 409; a withdrawn or expired link is link_invalid', async () => {
    const { owner, person: admin } = await teamWith('admin');
    const asOwner = await admin.browser.request('POST', '/v1/auth/account/invitations', { body: { email: uniqueEmail(), role: 'owner' } });
    expect(asOwner.status).toBe(403);
    expect(errorCode(asOwner)).toBe('role_not_allowed');
    expect((await admin.browser.request('POST', '/v1/auth/account/invitations', { body: { email: uniqueEmail(), role: 'admin' } })).status).toBe(201);

    const { person: member } = await teamWith('member');
    const byMember = await member.browser.request('POST', '/v1/auth/account/invitations', { body: { email: uniqueEmail(), role: 'member' } });
    expect(errorCode(byMember)).toBe('role_not_allowed');
    expect(errorCode(await member.browser.request('GET', '/v1/auth/account/invitations'))).toBe('role_not_allowed');

    const again = await owner.browser.request('POST', '/v1/auth/account/invitations', { body: { email: admin.email.toUpperCase(), role: 'member' } });
    expect(again.status).toBe(409);
    expect(errorCode(again)).toBe('already_member');

    const withdrawn = await invite(owner.browser, uniqueEmail('withdrawn'), 'member');
    const revoked = await owner.browser.request<Invitation>('POST', `/v1/auth/account/invitations/${withdrawn.invitation.id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.status).toBe('revoked');
    expect(errorCode(await server.request('GET', `/v1/auth/invitations/${withdrawn.token}`))).toBe('link_invalid');
    expect(errorCode(await owner.browser.request('POST', '/v1/auth/account/invitations/inv_nope/revoke'))).toBe('invitation_not_found');

    const expiring = await invite(owner.browser, uniqueEmail('late'), 'member');
    server.clock.advance(7 * DAY + 1000);
    expect(errorCode(await server.request('GET', `/v1/auth/invitations/${expiring.token}`))).toBe('link_invalid');
    expect(errorCode(await new Browser(server).request('POST', '/v1/auth/invitations/accept', { body: { token: expiring.token, password: PASSWORD } }))).toBe('link_invalid');
  });
});

describe('roles', () => {
  it('owners change roles; admins change members and admins but cannot make or touch owners; members change nothing', async () => {
    const { owner, person: admin } = await teamWith('admin');
    const email = uniqueEmail('member');
    const { token } = await invite(owner.browser, email, 'member');
    const memberBrowser = new Browser(server);
    const memberId = (await memberBrowser.request<SessionBody>('POST', '/v1/auth/invitations/accept', { body: { token, password: PASSWORD } })).body.user.id;

    const promoted = await admin.browser.request<Member>('PATCH', `/v1/auth/account/members/${memberId}`, { body: { role: 'admin' } });
    expect(promoted.status).toBe(200);
    expect(promoted.body).toMatchObject({ user_id: memberId, email, role: 'admin' });
    // The member's session has the new role at once.
    expect((await memberBrowser.request<SessionBody>('GET', '/v1/auth/session')).body.org.role).toBe('admin');
    for (const [target, role] of [
      [memberId, 'owner'],
      [owner.userId, 'member'],
    ] as const) {
      const refused = await admin.browser.request('PATCH', `/v1/auth/account/members/${target}`, { body: { role } });
      expect(refused.status).toBe(403);
      expect(errorCode(refused)).toBe('role_not_allowed');
    }
    expect(errorCode(await admin.browser.request('DELETE', `/v1/auth/account/members/${owner.userId}`))).toBe('role_not_allowed');
    expect((await admin.browser.request('PATCH', `/v1/auth/account/members/${memberId}`, { body: { role: 'member' } })).status).toBe(200);
    const byMember = await memberBrowser.request('PATCH', `/v1/auth/account/members/${admin.userId}`, { body: { role: 'member' } });
    expect(errorCode(byMember)).toBe('role_not_allowed');
    expect(errorCode(await owner.browser.request('PATCH', '/v1/auth/account/members/usr_nobody', { body: { role: 'member' } }))).toBe('member_not_found');
    const bad = await owner.browser.request('PATCH', `/v1/auth/account/members/${memberId}`, { body: { role: 'king' } });
    expect(errorCode(bad)).toBe('invalid_request');
    // Changes are session-only, even for an owner key.
    const org = await registerOrg(server);
    const byKey = await server.request('PATCH', `/v1/auth/account/members/${memberId}`, { key: org.key, body: { role: 'member' } });
    expect(errorCode(byKey)).toBe('session_required');
  });

  it('the last owner can be neither demoted nor removed nor leave: 409 last_owner; with a second owner, both work', async () => {
    const { owner, person: second } = await teamWith('admin');
    for (const response of [
      await owner.browser.request('PATCH', `/v1/auth/account/members/${owner.userId}`, { body: { role: 'admin' } }),
      await owner.browser.request('DELETE', `/v1/auth/account/members/${owner.userId}`),
    ]) {
      expect(response.status).toBe(409);
      expect(errorCode(response)).toBe('last_owner');
    }
    expect((await owner.browser.request('PATCH', `/v1/auth/account/members/${second.userId}`, { body: { role: 'owner' } })).status).toBe(200);
    const demoted = await second.browser.request<Member>('PATCH', `/v1/auth/account/members/${owner.userId}`, { body: { role: 'member' } });
    expect(demoted.body.role).toBe('member');
    expect(errorCode(await second.browser.request('DELETE', `/v1/auth/account/members/${second.userId}`))).toBe('last_owner');
  });

  it('a removed member’s sessions in that workspace end; a member may leave; keys can read the member list', async () => {
    const { owner, person } = await teamWith('member');
    const removed = await owner.browser.request('DELETE', `/v1/auth/account/members/${person.userId}`);
    expect(removed.status).toBe(204);
    const after = await person.browser.request('GET', '/v1/auth/session');
    expect(after.status).toBe(401);
    expect(errorCode(after)).toBe('session_required');
    expect(errorCode(await owner.browser.request('DELETE', `/v1/auth/account/members/${person.userId}`))).toBe('member_not_found');
    // Signing in again lands in a workspace of their own (they belong to none now).
    const back = await signIn(server, person.email);
    const session = await back.request<SessionBody>('GET', '/v1/auth/session');
    expect(session.body.org.id).not.toBe(owner.orgId);
    expect(session.body.org.role).toBe('owner');

    const { owner: host, person: leaver } = await teamWith('member');
    const left = await leaver.browser.request('DELETE', `/v1/auth/account/members/${leaver.userId}`);
    expect(left.status).toBe(204);
    expect(left.headers.getSetCookie()[0]).toMatch(/^br_session=;/);
    const memberKey = (await host.browser.request<{ api_key: string }>('POST', '/v1/auth/account/api-keys', { body: { role: 'member' } })).body.api_key;
    const list = await server.request<{ data: Member[] }>('GET', '/v1/auth/account/members', { key: memberKey });
    expect(list.status).toBe(200);
    expect(list.body.data.map((m) => m.user_id)).toEqual([host.userId]);
  });
});

describe('tenant isolation between workspaces of one person', () => {
  it('a session sees only its current workspace’s keys and members, and a member’s session cannot manage keys', async () => {
    const { owner, person } = await teamWith('member');
    const ownerKey = await owner.browser.request<{ api_key_id: string }>('POST', '/v1/auth/account/api-keys', { body: { name: 'team-key' } });
    const inTeam = await person.browser.request<{ data: { api_key_id: string }[] }>('GET', '/v1/auth/account/api-keys');
    expect(inTeam.body.data.map((k) => k.api_key_id)).toContain(ownerKey.body.api_key_id);
    const create = await person.browser.request('POST', '/v1/auth/account/api-keys', { body: { name: 'nope' } });
    expect(create.status).toBe(403);
    expect(errorCode(create)).toBe('role_not_allowed');

    // The person also has a workspace of their own: switching shows only that one's keys.
    const own = await signUp(server, { email: uniqueEmail('solo') });
    const { token } = await invite(owner.browser, own.email, 'member');
    await own.browser.request('POST', '/v1/auth/invitations/accept', { body: { token } });
    const mine = await own.browser.request<SessionBody>('POST', '/v1/auth/session/org', { body: { org_id: own.orgId } });
    expect(mine.body.org.id).toBe(own.orgId);
    const ownKeys = await own.browser.request<{ data: { api_key_id: string }[] }>('GET', '/v1/auth/account/api-keys');
    expect(ownKeys.body.data.map((k) => k.api_key_id)).not.toContain(ownerKey.body.api_key_id);
    const members = await own.browser.request<{ data: Member[] }>('GET', '/v1/auth/account/members');
    expect(members.body.data.map((m) => m.user_id)).toEqual([own.userId]);
  });
});
