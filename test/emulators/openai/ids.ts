/**
 * Deterministic ids in OpenAI's shapes (`file-…`, `batch_…`, `resp_…`, `chatcmpl-…`, `req_…`).
 * Each id is a hash of the emulator's seed, the prefix and a per-prefix counter, so the same
 * sequence of calls yields the same ids run after run, while still looking like the real ones.
 */
import { createHash } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** How each kind of id is spelled: its prefix, alphabet and length, copied from real ids. */
const ID_SHAPES = {
  file: { prefix: 'file-', alphabet: 'base62', length: 22 },
  batch: { prefix: 'batch_', alphabet: 'hex', length: 32 },
  batchRequest: { prefix: 'batch_req_', alphabet: 'hex', length: 32 },
  request: { prefix: 'req_', alphabet: 'hex', length: 32 },
  response: { prefix: 'resp_', alphabet: 'hex', length: 48 },
  message: { prefix: 'msg_', alphabet: 'hex', length: 48 },
  chatCompletion: { prefix: 'chatcmpl-', alphabet: 'base62', length: 29 },
  fingerprint: { prefix: 'fp_', alphabet: 'hex', length: 10 },
} as const;

export type IdKind = keyof typeof ID_SHAPES;

export interface IdMaker {
  next(kind: IdKind): string;
}

/** Makes ids from `seed`; two makers with the same seed hand out the same sequence. */
export function makeIdMaker(seed: string): IdMaker {
  const counters = new Map<IdKind, number>();
  return {
    next(kind) {
      const count = (counters.get(kind) ?? 0) + 1;
      counters.set(kind, count);
      const shape = ID_SHAPES[kind];
      const digest = createHash('sha256').update(`${seed}\0${kind}\0${count}`).digest();
      return shape.prefix + (shape.alphabet === 'hex' ? digest.toString('hex').slice(0, shape.length) : toBase62(digest, shape.length));
    },
  };
}

function toBase62(bytes: Buffer, length: number): string {
  let text = '';
  for (let i = 0; text.length < length; i++) text += BASE62[(bytes[i % bytes.length] ?? 0) % 62];
  return text;
}

/** A stable hex hash of a string, for orderings and vectors that must not change between runs. */
export function stableHash(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
