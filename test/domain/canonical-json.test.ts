/** Canonical JSON: sorted keys at every level, the same text for the same meaning. */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalHash, canonicalJson } from '../../src/domain/canonical-json.ts';

/** The same value with every object's keys in reverse order. */
function reversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversed);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversed(v)]));
  return value;
}

describe('canonicalJson', () => {
  it('sorts keys at every level and keeps arrays in order', () => {
    expect(canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] })).toBe('{"a":[2,{"c":4,"d":3}],"b":1}');
    expect(canonicalJson({ z: undefined, y: null, x: [undefined] })).toBe('{"x":[null],"y":null}');
    expect(canonicalJson({})).toBe('{}');
    // Keys compare as strings, integer-like ones too (JavaScript objects list those first).
    expect(canonicalJson({ a: 3, 9: 2, 10: 1, '': 0 })).toBe('{"":0,"10":1,"9":2,"a":3}');
    expect(canonicalJson([{ b: { d: 1, c: [{ f: 1, e: 2 }] }, a: null }])).toBe('[{"a":null,"b":{"c":[{"e":2,"f":1}],"d":1}}]');
    // A "__proto__" key (JSON.parse makes it an ordinary property) is written like any other.
    expect(canonicalJson(JSON.parse('{"z":1,"__proto__":{"y":2,"x":1}}'))).toBe('{"__proto__":{"x":1,"y":2},"z":1}');
    expect(canonicalJson([])).toBe('[]');
  });

  it('is JSON of the same value, the same text whatever the key order it was given, and stable', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
        expect(canonicalJson(JSON.parse(text))).toBe(text);
        expect(canonicalJson(reversed(value))).toBe(text);
        // Written straight (keys in order already), from a sorted copy, or by the writer hashing uses: the same text.
        expect(canonicalHash(value)).toBe(createHash('sha256').update(text).digest('hex'));
      }),
      { numRuns: 300 },
    );
  });

  it('hashes a document larger than one hashing piece the same as its text in one go', () => {
    const document = { items: Array.from({ length: 5_000 }, (_, i) => ({ text: `item ${i} ${'é'.repeat(i % 50)}`, i })) };
    expect(canonicalHash(document)).toBe(createHash('sha256').update(canonicalJson(document)).digest('hex'));
  });
});
