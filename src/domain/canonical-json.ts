/**
 * JSON with object keys sorted at every level, so two documents that mean the same hash the same
 * (quote and idempotency checks compare manifests this way).
 * @example canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }) // '{"a":[2,{"c":4,"d":3}],"b":1}'
 */
import { createHash } from 'node:crypto';

/** Hashing takes the text in pieces of about this many characters, so no document-sized string is built. */
const PIECE = 64 * 1024;

class Writer {
  text = '';
  private readonly flush: ((piece: string) => void) | null;

  constructor(flush: ((piece: string) => void) | null) {
    this.flush = flush;
  }

  private add(text: string): void {
    this.text += text;
    if (this.flush !== null && this.text.length >= PIECE) {
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

/** Marks a value whose objects cannot all hold their keys in sorted order (see `sortedCopy`). */
const UNSORTABLE = Symbol('unsortable');

/** Whether an object key is an array index, which JavaScript lists before other keys, in numeric order. */
function isIndexKey(key: string): boolean {
  const first = key.charCodeAt(0);
  return first >= 48 && first <= 57 && /^(?:0|[1-9]\d{0,9})$/.test(key);
}

/**
 * `value` with every object's keys in sorted order, sharing every part that already is, so that
 * the engine's own JSON.stringify writes it canonically; UNSORTABLE when some object has an
 * array-index key (an object cannot list "10" before "9").
 */
function sortedCopy(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const child = sortedCopy(value[i]);
      if (child === UNSORTABLE) return UNSORTABLE;
      if (child !== value[i]) (copy ??= value.slice())[i] = child;
    }
    return copy ?? value;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  let inOrder = true;
  let changed: Map<string, unknown> | null = null;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (isIndexKey(key)) return UNSORTABLE;
    if (i > 0 && (keys[i - 1] as string) > key) inOrder = false;
    const child = sortedCopy(record[key]);
    if (child === UNSORTABLE) return UNSORTABLE;
    if (child !== record[key]) (changed ??= new Map()).set(key, child);
  }
  if (inOrder && changed === null) return value;
  // No prototype: a "__proto__" key stays an ordinary property.
  const copy = Object.create(null) as Record<string, unknown>;
  for (const key of keys.sort()) copy[key] = changed?.has(key) ? changed.get(key) : record[key];
  return copy;
}

/**
 * Whether every object in `value` already lists its keys in sorted order (so JSON.stringify writes
 * it canonically), found without allocating: parsed JSON usually does, in whole or in part.
 */
function inCanonicalOrder(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!inCanonicalOrder(value[i])) return false;
    return true;
  }
  let previous: string | null = null;
  // for…in over a parsed object is its own keys, in Object.keys order (inherited ones would be seen, and refused, below).
  for (const key in value) {
    if (!Object.hasOwn(value, key) || isIndexKey(key) || (previous !== null && previous > key)) return false;
    if (!inCanonicalOrder((value as Record<string, unknown>)[key])) return false;
    previous = key;
  }
  return true;
}

/** The canonical JSON of a value. */
export function canonicalJson(value: unknown): string {
  if (inCanonicalOrder(value)) return JSON.stringify(value) ?? 'null';
  const sorted = sortedCopy(value);
  if (sorted !== UNSORTABLE) return JSON.stringify(sorted) ?? 'null';
  const writer = new Writer(null);
  writer.write(value);
  return writer.text;
}

/** SHA-256 (hex) of the canonical JSON of a value, hashed piece by piece as it is written. */
export function canonicalHash(value: unknown): string {
  const hash = createHash('sha256');
  const writer = new Writer((piece) => hash.update(piece));
  writer.write(value);
  return hash.update(writer.text).digest('hex');
}
