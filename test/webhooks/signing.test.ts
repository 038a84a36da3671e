/** Webhook signatures: the Standard Webhooks published test vector, rotation overlap, and secrets. */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateWebhookSecret, maskSecret, signatureHeaders, webhookSecretProblem } from '../../src/webhooks/signing.ts';

describe('signatureHeaders', () => {
  it('reproduces the Standard Webhooks published test vector', () => {
    const headers = signatureHeaders({
      id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      at: new Date(1614265330 * 1000),
      body: '{"test": 2432232314}',
      secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
    });
    expect(headers).toMatchObject({
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    });
  });

  it('X-BatchRouter-Signature is the hex HMAC-SHA256 of the raw body keyed with the secret as written', () => {
    const body = '{"id":"evt_1","type":"batch.completed"}';
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const headers = signatureHeaders({ id: 'evt_1', at: new Date(0), body, secrets: [secret] });
    expect(headers['x-batchrouter-signature']).toBe(createHmac('sha256', secret).update(body).digest('hex'));
  });

  it('while a rotated-out secret still signs, each header carries both signatures, the new one first', () => {
    const [fresh, old] = [generateWebhookSecret(), generateWebhookSecret()];
    const both = signatureHeaders({ id: 'evt_2', at: new Date(0), body: '{}', secrets: [fresh, old] });
    const newOnly = signatureHeaders({ id: 'evt_2', at: new Date(0), body: '{}', secrets: [fresh] });
    const oldOnly = signatureHeaders({ id: 'evt_2', at: new Date(0), body: '{}', secrets: [old] });
    expect(both['webhook-signature']).toBe(`${newOnly['webhook-signature']} ${oldOnly['webhook-signature']}`);
    expect(both['x-batchrouter-signature']).toBe(`${newOnly['x-batchrouter-signature']},${oldOnly['x-batchrouter-signature']}`);
  });
});

describe('webhook secrets', () => {
  it('are generated as whsec_ and 32 random bytes in base64, and masked to their last four characters', () => {
    const secret = generateWebhookSecret();
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(secret);
    expect(maskSecret(secret)).toBe(`whsec_…${secret.slice(-4)}`);
    expect(maskSecret('a-chosen-secret-1234')).toBe('…1234');
  });

  it('chosen by a customer must be 16 to 256 printable characters, and a whsec_ one must be base64 of 24 to 64 bytes', () => {
    expect(webhookSecretProblem('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toBeNull();
    expect(webhookSecretProblem('sixteen-chars-ok')).toBeNull();
    expect(webhookSecretProblem('too-short')).toMatch(/16 to 256/);
    expect(webhookSecretProblem('x'.repeat(257))).toMatch(/16 to 256/);
    expect(webhookSecretProblem('has spaces in it, see')).toMatch(/printable/);
    expect(webhookSecretProblem('whsec_c2hvcnQgc2VjcmV0IQ==')).toMatch(/24 to 64 bytes/);
    expect(webhookSecretProblem(`whsec_${Buffer.alloc(65).toString('base64')}`)).toMatch(/24 to 64 bytes/);
  });
});
