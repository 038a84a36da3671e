/**
 * The hash of a document's canonical JSON: JSON with object keys sorted at every level, so two
 * documents that mean the same hash the same (quote and idempotency checks compare request
 * bodies this way, with a manifest's items standing in as their digest: see measure-items.ts).
 * @example canonicalHash({ b: 1, a: [2, { d: 3, c: 4 }] }) // SHA-256 of '{"a":[2,{"c":4,"d":3}],"b":1}'
 */
import { createHash } from 'node:crypto';

/** Hashing takes the text in pieces of about this many characters, so no document-sized string is built. */
const PIECE = 64 * 1024;

class Writer {
  text = '';
  private readonly flush: (piece: string) => void;

  constructor(flush: (piece: string) => void) {
    this.flush = flush;
  }

  private add(text: string): void {
    this.text += text;
    if (this.text.length >= PIECE) {
      this.flush(this.text);
      this.text = '';
    }
  }

  write(value: unknown): void {
    if (typeof value !== 'object' || value === null) {
      this.add(JSON.stringify(value) ?? 'null');
      return;
    }
    if (Array.isArray(value)) {
      this.add('[');
      for (let i = 0; i < value.length; i++) {
        if (i > 0) this.add(',');
        this.write(value[i]);
      }
      this.add(']');
      return;
    }
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    // Parsed JSON often has its keys in order already; sorting is only paid when they are not.
    for (let i = 1; i < keys.length; i++) {
      if ((keys[i - 1] as string) > (keys[i] as string)) {
        keys.sort();
        break;
      }
    }
    let separator = '{';
    for (const key of keys) {
      const child = record[key];
      if (child === undefined) continue;
      this.add(`${separator}${JSON.stringify(key)}:`);
      this.write(child);
      separator = ',';
    }
    this.add(separator === '{' ? '{}' : '}');
  }
}

/** SHA-256 (hex) of the canonical JSON of a value, hashed piece by piece as it is written. */
export function canonicalHash(value: unknown): string {
  const hash = createHash('sha256');
  const writer = new Writer((piece) => hash.update(piece));
  writer.write(value);
  return hash.update(writer.text).digest('hex');
}
