/**
 * Passwords: argon2id through Node's own `crypto.argon2`, stored as a PHC string
 * (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`, base64 without padding), compared in constant
 * time; and the rules a new password must meet.
 * @example const stored = await hashPassword('correct horse battery'); await verifyPassword('correct horse battery', stored) // true
 */
import { argon2, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ErrorDetail } from './errors.ts';

/** OWASP's minimum for argon2id: 19 MiB, two passes, one lane. */
export const ARGON2_PARAMETERS = { memory: 19_456, passes: 2, parallelism: 1 } as const;
const SALT_BYTES = 16;
const HASH_BYTES = 32;

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 200;

interface Argon2Cost {
  memory: number;
  passes: number;
  parallelism: number;
}

function derive(password: string, salt: Buffer, cost: Argon2Cost, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    argon2('argon2id', { message: password, nonce: salt, ...cost, tagLength: length }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

const unpadded = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');

/** The PHC string of a new argon2id hash of `password` with a fresh random salt. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, ARGON2_PARAMETERS, HASH_BYTES);
  const { memory, passes, parallelism } = ARGON2_PARAMETERS;
  return `$argon2id$v=19$m=${memory},t=${passes},p=${parallelism}$${unpadded(salt)}$${unpadded(hash)}`;
}

const PHC = /^\$argon2id\$v=19\$m=(\d{1,7}),t=(\d{1,3}),p=(\d{1,2})\$([A-Za-z0-9+/]{11,88})\$([A-Za-z0-9+/]{22,171})$/;

interface ParsedHash extends Argon2Cost {
  salt: Buffer;
  hash: Buffer;
}

function parseHash(stored: string): ParsedHash | null {
  const match = PHC.exec(stored);
  if (!match) return null;
  const [, memory, passes, parallelism, salt, hash] = match;
  return {
    memory: Number(memory),
    passes: Number(passes),
    parallelism: Number(parallelism),
    salt: Buffer.from(salt ?? '', 'base64'),
    hash: Buffer.from(hash ?? '', 'base64'),
  };
}

/** True when `password` is the one `stored` (a PHC string) was made from; compared in constant time. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) return false;
  const candidate = await derive(password, parsed.salt, parsed, parsed.hash.length);
  return timingSafeEqual(candidate, parsed.hash);
}

/** True when a stored hash was made with weaker parameters than today's (rehash it at the next sign-in). */
export function needsRehash(stored: string): boolean {
  const parsed = parseHash(stored);
  if (!parsed) return true;
  return parsed.memory < ARGON2_PARAMETERS.memory || parsed.passes < ARGON2_PARAMETERS.passes;
}

let dummyHash: Promise<string> | null = null;

/**
 * Spends the time of a real verification when there is no account to verify against, so a wrong
 * email and a wrong password cost the same.
 */
export async function verifyAgainstNothing(password: string): Promise<false> {
  dummyHash ??= hashPassword(randomBytes(18).toString('base64url'));
  await verifyPassword(password, await dummyHash);
  return false;
}

/** What is wrong with a new password for the account with this email (empty when nothing). */
export function passwordProblems(password: string, email: string, path: string): ErrorDetail[] {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH) {
    return [{ path, message: `must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters` }];
  }
  if (password.trim().toLowerCase() === email.trim().toLowerCase()) return [{ path, message: 'must not be your email address' }];
  return [];
}
