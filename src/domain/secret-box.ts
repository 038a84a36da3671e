/**
 * Secrets BatchRouter must use again later (webhook signing secrets) are stored encrypted with
 * AES-256-GCM under the instance's encryption key, which lives outside the database
 * (BATCHROUTER_ENCRYPTION_KEY, or a file in the data directory): a copy of the database alone
 * reveals none of them.
 * @example const box = makeSecretBox(key); box.open(box.seal('whsec_…')) // 'whsec_…'
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;

export interface SecretBox {
  /** The secret, encrypted: `v1.<key id>.<iv>.<tag>.<ciphertext>` (base64url parts). */
  seal(secret: string): string;
  /** The secret again; throws when it was sealed under another key or was altered. */
  open(sealed: string): string;
}

/** Thrown when a sealed secret cannot be opened: another instance key, or a damaged value. */
export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
}

/** The 32-byte AES key derived from the configured key material (any string of 32+ characters). */
function deriveKey(material: string): Buffer {
  return Buffer.from(hkdfSync('sha256', material, 'batchrouter', 'secret-box v1', 32));
}

/** A box sealing and opening secrets under `material`, the instance's encryption key. */
export function makeSecretBox(material: string): SecretBox {
  const key = deriveKey(material);
  // Names the key a value was sealed under, so a key mismatch between processes says so plainly.
  const keyId = createHash('sha256').update(key).digest('base64url').slice(0, 8);
  return {
    seal(secret) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(`${VERSION}.${keyId}`));
      const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
      return [VERSION, keyId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
    },
    open(sealed) {
      const [version, sealedKeyId, iv, tag, ciphertext] = sealed.split('.');
      if (version !== VERSION || iv === undefined || tag === undefined || ciphertext === undefined) throw new SecretBoxError('not a sealed secret');
      if (sealedKeyId !== keyId) {
        throw new SecretBoxError(`sealed under encryption key ${sealedKeyId ?? '?'}, but this process has key ${keyId}: every process must share BATCHROUTER_ENCRYPTION_KEY`);
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAAD(Buffer.from(`${VERSION}.${keyId}`));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretBoxError('the sealed secret was altered');
      }
    },
  };
}
