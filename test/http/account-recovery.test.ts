/**
 * Email verification, forgotten and changed passwords, and changing the sign-in address, end to
 * end through a real SMTP server (BATCHROUTER_SMTP_URL): every flow follows the link in the email it
 * received. Links are single-use and expire by the clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, linkOf, PASSWORD, signIn, signUp, uniqueEmail } from '../helpers/browser.ts';
import { captureLogs } from '../helpers/logs.ts';
import { errorCode, startTestServer, type TestServer } from '../helpers/server.ts';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp.ts';

type User = { id: string; email: string; email_verified_at: string | null };
const HOUR = 3600_000;
const NEW_PASSWORD = 'a brand new passphrase';

const { logger, lines } = captureLogs();
let smtp: TestSmtpServer;
let server: TestServer;
beforeAll(async () => {
  smtp = await startSmtpServer();
  server = await startTestServer({ smtpUrl: smtp.url, mailFrom: 'BatchRouter <noreply@batchrouter.test>', signupPerHour: 1_000_000 }, { logger });
});
afterAll(async () => {
  await server?.stop();
  await smtp?.stop();
});

describe('email verification', () => {
  it('sign-up emails a link to /verify-email on the instance; opening it verifies the address, once', async () => {
    const person = await signUp(server);
    const mail = await smtp.waitFor(person.email, /Verify your email/);
    expect(mail.from).toBe('noreply@batchrouter.test');
    const { url, token } = linkOf({ text: mail.text });
    expect(`${url.origin}${url.pathname}`).toBe(`${server.url}/verify-email`);

    const verified = await new Browser(server).request<{ user: User }>('POST', '/v1/auth/email/verify', { body: { token } });
    expect(verified.status).toBe(200);
    expect(verified.body.user).toMatchObject({ id: person.userId, email: person.email, email_verified_at: expect.any(String) });
    const session = await person.browser.request<{ user: User }>('GET', '/v1/auth/session');
    expect(session.body.user.email_verified_at).toBe(verified.body.user.email_verified_at);

    const again = await server.request('POST', '/v1/auth/email/verify', { body: { token } });
    expect(again.status).toBe(400);
    expect(errorCode(again)).toBe('link_invalid');
    const unknown = await server.request('POST', '/v1/auth/email/verify', { body: { token: 'not-a-token-we-issued' } });
    expect(errorCode(unknown)).toBe('link_invalid');
    expect((unknown.body as { error: { message: string } }).error.message).toBe((again.body as { error: { message: string } }).error.message);
  });

  it('a verification link expires after 24 hours; a new one can be sent from the session', async () => {
    const person = await signUp(server);
    const first = linkOf({ text: (await smtp.waitFor(person.email, /Verify your email/)).text }).token;
    server.clock.advance(24 * HOUR + 1000);
    const expired = await server.request('POST', '/v1/auth/email/verify', { body: { token: first } });
    expect(expired.status).toBe(400);
    expect(errorCode(expired)).toBe('link_invalid');

    const signedIn = await signIn(server, person.email);
    const resend = await signedIn.request('POST', '/v1/auth/email/verification');
    expect(resend.status).toBe(202);
    await expect.poll(() => smtp.messages.filter((mail) => mail.to.includes(person.email) && /Verify/.test(mail.subject)).length).toBe(2);
    const second = smtp.messages.filter((mail) => mail.to.includes(person.email) && /Verify/.test(mail.subject))[1];
    const token = linkOf({ text: second?.text ?? '' }).token;
    expect((await server.request('POST', '/v1/auth/email/verify', { body: { token } })).status).toBe(200);
  });
});

describe('forgotten passwords', () => {
  it('answers the same for an unknown address, and sends nothing there', async () => {
    const person = await signUp(server);
    const stranger = uniqueEmail('nobody');
    const known = await server.request('POST', '/v1/auth/password/forgot', { body: { email: person.email } });
    const unknown = await server.request('POST', '/v1/auth/password/forgot', { body: { email: stranger } });
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(unknown.body).toEqual(known.body);
    await smtp.waitFor(person.email, /Reset your BatchRouter password/);
    expect(smtp.messages.some((mail) => mail.to.includes(stranger))).toBe(false);
  });

  it('the reset link sets a new password once, ends every session, and the old password stops working', async () => {
    const person = await signUp(server);
    const phone = await signIn(server, person.email);
    await server.request('POST', '/v1/auth/password/forgot', { body: { email: person.email } });
    const { url, token } = linkOf({ text: (await smtp.waitFor(person.email, /Reset your/)).text });
    expect(url.pathname).toBe('/reset-password');

    const weak = await server.request('POST', '/v1/auth/password/reset', { body: { token, password: 'short' } });
    expect(weak.status).toBe(400);
    expect(errorCode(weak)).toBe('invalid_request');
    const reset = await server.request<{ user: User }>('POST', '/v1/auth/password/reset', { body: { token, password: NEW_PASSWORD } });
    expect(reset.status).toBe(200);
    expect(reset.body.user.id).toBe(person.userId);

    for (const browser of [person.browser, phone]) expect((await browser.request('GET', '/v1/auth/session')).status).toBe(401);
    const old = await server.request('POST', '/v1/auth/signin', { body: { email: person.email, password: PASSWORD } });
    expect(errorCode(old)).toBe('invalid_credentials');
    expect((await signIn(server, person.email, NEW_PASSWORD)).cookie).not.toBeNull();
    const reused = await server.request('POST', '/v1/auth/password/reset', { body: { token, password: 'yet another passphrase' } });
    expect(errorCode(reused)).toBe('link_invalid');
    await smtp.waitFor(person.email, /password was changed/);
  });

  it('a reset link expires after one hour', async () => {
    const person = await signUp(server);
    await server.request('POST', '/v1/auth/password/forgot', { body: { email: person.email } });
    const { token } = linkOf({ text: (await smtp.waitFor(person.email, /Reset your/)).text });
    server.clock.advance(HOUR + 1000);
    const late = await server.request('POST', '/v1/auth/password/reset', { body: { token, password: NEW_PASSWORD } });
    expect(late.status).toBe(400);
    expect(errorCode(late)).toBe('link_invalid');
    expect((await signIn(server, person.email)).cookie).not.toBeNull();
  });
});

describe('changing the password', () => {
  it('ends every other session, gives this one a new token, and needs the current password', async () => {
    const person = await signUp(server);
    const laptop = await signIn(server, person.email);
    const wrong = await person.browser.request('POST', '/v1/auth/password/change', { body: { current_password: 'not my password', new_password: NEW_PASSWORD } });
    expect(wrong.status).toBe(403);
    expect(errorCode(wrong)).toBe('password_incorrect');
    const same = await person.browser.request('POST', '/v1/auth/password/change', { body: { current_password: PASSWORD, new_password: person.email } });
    expect(errorCode(same)).toBe('invalid_request');

    const oldCookie = person.browser.cookie;
    const oldCsrf = person.browser.csrfToken;
    const changed = await person.browser.request<{ ended_sessions: number; csrf_token: string }>('POST', '/v1/auth/password/change', {
      body: { current_password: PASSWORD, new_password: NEW_PASSWORD },
    });
    expect(changed.status).toBe(200);
    expect(changed.body.ended_sessions).toBe(1);
    expect(person.browser.cookie).not.toBe(oldCookie);
    expect(changed.body.csrf_token).not.toBe(oldCsrf);
    expect((await person.browser.request('GET', '/v1/auth/session')).status).toBe(200);
    expect((await laptop.request('GET', '/v1/auth/session')).status).toBe(401);
    const stale = new Browser(server);
    stale.cookie = oldCookie;
    expect((await stale.request('GET', '/v1/auth/session')).status).toBe(401);
    expect((await signIn(server, person.email, NEW_PASSWORD)).cookie).not.toBeNull();
  });
});

describe('changing the sign-in address', () => {
  it('sends the link to the new address; nothing switches until it is opened; then the new address is verified and the old one told', async () => {
    const person = await signUp(server);
    const newEmail = uniqueEmail('moved');
    const wrongPassword = await person.browser.request('POST', '/v1/auth/email/change', { body: { new_email: newEmail, password: 'not my password' } });
    expect(errorCode(wrongPassword)).toBe('password_incorrect');
    const asked = await person.browser.request('POST', '/v1/auth/email/change', { body: { new_email: newEmail, password: PASSWORD } });
    expect(asked.status).toBe(202);
    const mail = await smtp.waitFor(newEmail, /Confirm your new/);
    const { url, token } = linkOf({ text: mail.text });
    expect(url.pathname).toBe('/confirm-email');
    expect(smtp.messages.some((m) => m.to.includes(person.email) && /Confirm your new/.test(m.subject))).toBe(false);

    // Not yet: the old address still signs in, the new one does not.
    expect((await signIn(server, person.email)).cookie).not.toBeNull();
    expect(errorCode(await server.request('POST', '/v1/auth/signin', { body: { email: newEmail, password: PASSWORD } }))).toBe('invalid_credentials');

    const confirmed = await server.request<{ user: User }>('POST', '/v1/auth/email/change/confirm', { body: { token } });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.user).toMatchObject({ id: person.userId, email: newEmail, email_verified_at: expect.any(String) });
    await smtp.waitFor(person.email, /sign-in address was changed/);
    expect((await signIn(server, newEmail)).cookie).not.toBeNull();
    expect(errorCode(await server.request('POST', '/v1/auth/signin', { body: { email: person.email, password: PASSWORD } }))).toBe('invalid_credentials');
    expect(errorCode(await server.request('POST', '/v1/auth/email/change/confirm', { body: { token } }))).toBe('link_invalid');
    const members = await person.browser.request<{ data: { email: string }[] }>('GET', '/v1/auth/account/members');
    expect(members.body.data.map((member) => member.email)).toEqual([newEmail]);
  });

  it('an address taken meanwhile is 409 email_taken at confirmation; one taken already is refused at once', async () => {
    const person = await signUp(server);
    const other = await signUp(server);
    const taken = await person.browser.request('POST', '/v1/auth/email/change', { body: { new_email: other.email, password: PASSWORD } });
    expect(taken.status).toBe(409);
    expect(errorCode(taken)).toBe('email_taken');

    const wanted = uniqueEmail('wanted');
    await person.browser.request('POST', '/v1/auth/email/change', { body: { new_email: wanted, password: PASSWORD } });
    const { token } = linkOf({ text: (await smtp.waitFor(wanted, /Confirm your new/)).text });
    await signUp(server, { email: wanted });
    const late = await server.request('POST', '/v1/auth/email/change/confirm', { body: { token } });
    expect(late.status).toBe(409);
    expect(errorCode(late)).toBe('email_taken');
  });
});

describe('logs, with a mail server', () => {
  it('never carry a link token, a password or the SMTP password', async () => {
    const tokens = smtp.messages.flatMap((mail) => [...mail.text.matchAll(/token=([A-Za-z0-9_-]+)/g)].map((match) => match[1] ?? ''));
    expect(tokens.length).toBeGreaterThan(8);
    const everything = lines.join('\n');
    expect(everything).toContain('mail sent');
    for (const secret of [...tokens, PASSWORD, NEW_PASSWORD, 'smtp-secret-pass']) expect(everything).not.toContain(secret);
  });
});
