/**
 * Prefixed random identifiers (`org_…`, `key_…`) and base62 encoding.
 * @example newId('key') // 'key_3kTMd9Xq2VbZ8pLw1RcY5n'
 */
import { randomBytes } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export type IdPrefix = 'org' | 'usr' | 'key' | 'req' | 'led' | 'aud' | 'evt' | 'bat' | 'qlock' | 'file' | 'lsn' | 'wu' | 'whdel' | 'ses' | 'inv';

/** Encodes bytes as base62 of a fixed width, so equal-length input gives equal-length output. */
export function base62(bytes: Uint8Array, width: number): string {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  let out = '';
  for (let i = 0; i < width; i++) {
    out = BASE62[Number(value % 62n)] + out;
    value /= 62n;
  }
  return out;
}

/** Encodes a non-negative integer below 62^width as fixed-width base62. */
export function base62OfNumber(value: number, width: number): string {
  let rest = value;
  let out = '';
  for (let i = 0; i < width; i++) {
    out = BASE62[rest % 62] + out;
    rest = Math.floor(rest / 62);
  }
  return out;
}

/** A new identifier: the prefix, an underscore and 128 random bits in base62. */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${base62(randomBytes(16), 22)}`;
}
