/**
 * Identifiers shaped like Anthropic's (`msg_01…`, `msgbatch_01…`, `req_01…`: a prefix, `01` and
 * 22 base62 characters): 6 characters naming the emulator instance, then a 16-character counter,
 * so ids sort by creation, two emulators never hand out the same id, and a fixed seed repeats a run.
 */
import { randomBytes } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export type AnthropicIdPrefix = 'msg' | 'msgbatch' | 'req';

export interface IdSource {
  next(prefix: AnthropicIdPrefix): string;
}

function fixedBase62(value: number, width: number): string {
  let rest = value;
  let out = '';
  for (let i = 0; i < width; i++) {
    out = BASE62[rest % 62] + out;
    rest = Math.floor(rest / 62);
  }
  return out;
}

/** A random instance tag unless `seed` (any whole number) fixes it. */
function instanceTag(seed: number | undefined): string {
  const value = seed ?? randomBytes(4).readUInt32BE(0);
  return fixedBase62(Math.abs(Math.trunc(value)) % 62 ** 6, 6);
}

/** One counter per prefix, so creating messages does not shift batch ids (and the other way round). */
export function makeIdSource(seed?: number): IdSource {
  const tag = instanceTag(seed);
  const counters = new Map<AnthropicIdPrefix, number>();
  return {
    next(prefix) {
      const count = (counters.get(prefix) ?? 0) + 1;
      counters.set(prefix, count);
      return `${prefix}_01${tag}${fixedBase62(count, 16)}`;
    },
  };
}
