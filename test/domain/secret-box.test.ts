/** Stored secrets are sealed with AES-256-GCM under the instance key, and only that key opens them. */
import { describe, expect, it } from 'vitest';
import { makeSecretBox, SecretBoxError } from '../../src/domain/secret-box.ts';

const KEY = 'k'.repeat(32);

describe('the secret box', () => {
  it('opens what it sealed; the sealed form reveals nothing of the secret and differs every time', () => {
    const box = makeSecretBox(KEY);
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const [first, second] = [box.seal(secret), box.seal(secret)];
    expect(first).not.toBe(second);
    expect(first).not.toContain('MfKQ9r8');
    expect(box.open(first)).toBe(secret);
    expect(box.open(second)).toBe(secret);
  });

  it('under another key refuses to open, naming the key mismatch', () => {
    const sealed = makeSecretBox(KEY).seal('a secret');
    expect(() => makeSecretBox('another-key-of-32-characters-xyz').open(sealed)).toThrow(/BATCHROUTER_ENCRYPTION_KEY/);
  });

  it('refuses an altered or malformed value', () => {
    const box = makeSecretBox(KEY);
    const parts = box.seal('a secret').split('.');
    // The first character of a base64url part holds six whole bits: changing it changes the bytes.
    const ciphertext = parts[4] ?? '';
    parts[4] = `${ciphertext.startsWith('A') ? 'B' : 'A'}${ciphertext.slice(1)}`;
    expect(() => box.open(parts.join('.'))).toThrow(SecretBoxError);
    expect(() => box.open('not sealed at all')).toThrow(SecretBoxError);
  });
});
