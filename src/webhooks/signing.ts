/**
 * Webhook secrets and signatures. Every delivery signs its raw body twice:
 * - `X-BatchRouter-Signature`: hex HMAC-SHA256 of the body, keyed with the secret as written
 *   (its UTF-8 bytes);
 * - Standard Webhooks: `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature`
 *   (`v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`), keyed with the bytes a `whsec_`
 *   secret encodes in base64 after its prefix (a secret without the prefix: its UTF-8 bytes).
 * While a rotated-out secret still signs, each header carries one signature per secret, newest
 * first: space-separated in `webhook-signature` (as the standard says), comma-separated in
 * `X-BatchRouter-Signature`.
 * @example signatureHeaders({ id: 'evt_1', at: new Date(), body: '{}', secrets: ['whsec_…'] })
 */
import { createHmac, randomBytes } from 'node:crypto';

const PREFIX = 'whsec_';

/** A new secret: `whsec_` and 32 random bytes in base64, as Standard Webhooks libraries expect. */
export function generateWebhookSecret(): string {
  return `${PREFIX}${randomBytes(32).toString('base64')}`;
}

/**
 * Why a secret a customer chose cannot be used, or null when it can: 16 to 256 printable ASCII
 * characters; a `whsec_` secret must encode 24 to 64 bytes in base64.
 */
export function webhookSecretProblem(secret: string): string | null {
  if (secret.length < 16 || secret.length > 256) return 'must be 16 to 256 characters';
  if (!/^[\x21-\x7e]+$/.test(secret)) return 'must be printable ASCII without spaces';
  if (secret.startsWith(PREFIX)) {
    const encoded = secret.slice(PREFIX.length);
    const bytes = Buffer.from(encoded, 'base64');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || bytes.length < 24 || bytes.length > 64) return 'a whsec_ secret must be 24 to 64 bytes in base64 after the prefix';
  }
  return null;
}

/** The key Standard Webhooks signs with for `secret`. */
function standardKey(secret: string): Buffer {
  return secret.startsWith(PREFIX) ? Buffer.from(secret.slice(PREFIX.length), 'base64') : Buffer.from(secret, 'utf8');
}

/** `whsec_…wxyz`: enough of a secret to tell it apart (kept in clear), nothing to sign with. */
export function maskSecret(secret: string): string {
  return `${secret.startsWith(PREFIX) ? PREFIX : ''}…${secret.slice(-4)}`;
}

export interface SignedMessage {
  /** The event id, the same on every attempt and redelivery, for receivers to drop duplicates. */
  id: string;
  /** When this attempt is made. */
  at: Date;
  body: string;
  /** Every secret signing now, newest first. */
  secrets: readonly string[];
}

/** The four signature headers of one delivery attempt. */
export function signatureHeaders(message: SignedMessage): Record<string, string> {
  const timestamp = String(Math.floor(message.at.getTime() / 1000));
  const signed = `${message.id}.${timestamp}.${message.body}`;
  return {
    'webhook-id': message.id,
    'webhook-timestamp': timestamp,
    'webhook-signature': message.secrets.map((secret) => `v1,${createHmac('sha256', standardKey(secret)).update(signed).digest('base64')}`).join(' '),
    'x-batchrouter-signature': message.secrets.map((secret) => createHmac('sha256', secret).update(message.body).digest('hex')).join(','),
  };
}
