/** Canonical hashing: sorted keys at every level, the same hash for the same meaning. */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalHash } from '../../src/domain/canonical-json.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The same value with every object's keys in reverse order. */
function reversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversed);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversed(v)]));
  return value;
}

/** Canonical JSON written the slow, obvious way: what the hash is defined over. */
function canonicalText(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((child) => (child === undefined ? 'null' : canonicalText(child))).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, child]) => child !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, child]) => `${JSON.stringify(key)}:${canonicalText(child)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

describe('canonicalHash', () => {
  it('hashes the JSON with keys sorted at every level and arrays in order', () => {
    expect(canonicalHash({ b: 1, a: [2, { d: 3, c: 4 }] })).toBe(sha256('{"a":[2,{"c":4,"d":3}],"b":1}'));
    expect(canonicalHash({ z: undefined, y: null, x: [undefined] })).toBe(sha256('{"x":[null],"y":null}'));
    expect(canonicalHash({})).toBe(sha256('{}'));
    // Keys compare as strings, integer-like ones too (JavaScript objects list those first).
    expect(canonicalHash({ a: 3, 9: 2, 10: 1, '': 0 })).toBe(sha256('{"":0,"10":1,"9":2,"a":3}'));
    // A "__proto__" key (JSON.parse makes it an ordinary property) is written like any other.
    expect(canonicalHash(JSON.parse('{"z":1,"__proto__":{"y":2,"x":1}}'))).toBe(sha256('{"__proto__":{"x":1,"y":2},"z":1}'));
    expect(canonicalHash([])).toBe(sha256('[]'));
  });

  it('is the hash of canonical JSON, the same whatever the key order it was given', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const hash = canonicalHash(value);
        expect(hash).toBe(sha256(canonicalText(value)));
        expect(canonicalHash(reversed(value))).toBe(hash);
      }),
      { numRuns: 300 },
    );
  });

  it('hashes a document larger than one hashing piece the same as its text in one go', () => {
    const document = { items: Array.from({ length: 5_000 }, (_, i) => ({ text: `item ${i} ${'é'.repeat(i % 50)}`, i })) };
    expect(canonicalHash(document)).toBe(sha256(canonicalText(document)));
  });
});
