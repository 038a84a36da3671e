/**
 * The API key secret format.
 *
 * `br_<env>_<32 random base62><6 checksum base62>`: 32 base62 characters carry about 190 random
 * bits; the checksum is CRC-32 of everything before it, so a mistyped or truncated key is rejected
 * without touching the database. Legacy `ob_live_<token>` keys (imported by the operator) carry no
 * checksum. Only the SHA-256 of a secret, its first characters and a masked form are ever stored.
 */
import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { Environment } from '../config.ts';
import { base62, base62OfNumber } from '../ids.ts';

const RANDOM_LENGTH = 32;
const CHECKSUM_LENGTH = 6;
const CURRENT_FORMAT = /^br_(live|test)_([0-9A-Za-z]{38})$/;
const LEGACY_FORMAT = /^ob_(live)_([0-9A-Za-z_-]{16,128})$/;
/** Longer than any key could be: checked before any regular expression runs. */
export const MAX_SECRET_LENGTH = 160;

export interface ParsedSecret {
  environment: Environment;
  legacy: boolean;
}

export type SecretProblem = 'malformed' | 'checksum';

function checksum(body: string): string {
  return base62OfNumber(crc32(body), CHECKSUM_LENGTH);
}

/** Makes a new secret for an environment. */
export function generateSecret(environment: Environment): string {
  const body = `br_${environment}_${base62(randomBytes(24), RANDOM_LENGTH)}`;
  return body + checksum(body);
}

/** Tells a well-formed key's environment, or what is wrong with it. */
export function parseSecret(secret: string): ParsedSecret | SecretProblem {
  if (secret.length > MAX_SECRET_LENGTH) return 'malformed';
  const current = CURRENT_FORMAT.exec(secret);
  if (current) {
    const body = secret.slice(0, -CHECKSUM_LENGTH);
    if (checksum(body) !== secret.slice(-CHECKSUM_LENGTH)) return 'checksum';
    return { environment: current[1] === 'test' ? 'test' : 'live', legacy: false };
  }
  if (LEGACY_FORMAT.test(secret)) return { environment: 'live', legacy: true };
  return 'malformed';
}

/** SHA-256 of the secret, hex: the only form in which a secret is stored. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** The stored, shown-forever parts of a secret: a prefix to tell keys apart and a masked display. */
export function describeSecret(secret: string): { prefix: string; display: string } {
  const envPrefix = secret.slice(0, 8); // br_live_ / br_test_ / ob_live_
  return { prefix: secret.slice(0, 12), display: `${envPrefix}…${secret.slice(-4)}` };
}
