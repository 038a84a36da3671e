/**
 * Measuring a manifest's items: what quote and submit need of each item besides its routing
 * fields. Each item's input tokens (a real tokenizer), its input's canonical JSON (stored with the
 * item; its UTF-8 size counts against provider byte limits), and a digest of the items' canonical
 * JSON for the manifest and request hashes.
 *
 * Items are digested in runs of ITEMS_PER_DIGEST: a run's digest is the SHA-256 of its items'
 * canonical JSON joined by commas, so a manifest's digests are the same however its items were
 * cut across the tokenizer threads (src/tokenizer), which measure a large manifest in slices of
 * whole runs while the request thread checks it.
 *
 * Measuring may start before the request body has been validated (so that the threads start
 * early), so `measureItems` accepts anything: what is not a well-formed item measures as nothing,
 * and its figures are never used, since the request is then refused.
 */
import { createHash } from 'node:crypto';
import { OPERATIONS, type Operation } from './catalog.ts';
import { canonicalJson } from './canonical-json.ts';
import { countInputTokens } from './tokens.ts';
import { isRecord } from './records.ts';

/** Items per digested run (see above). */
export const ITEMS_PER_DIGEST = 1024;

export interface MeasuredItems {
  /** Input tokens of each item. */
  tokens: ArrayLike<number>;
  /** UTF-8 bytes of each item's input as canonical JSON. */
  bytes: ArrayLike<number>;
  /** Each item's input as canonical JSON, when it was asked for (submit stores it). */
  inputJson: string[] | null;
  /** SHA-256 (hex) of each run of ITEMS_PER_DIGEST items, in order. */
  digests: string[];
}

/** Measures items; the same array with the same option is measured once (see `measuringOnce`). */
export interface ItemMeasurer {
  measure(items: readonly unknown[], keepJson: boolean): Promise<MeasuredItems>;
}

function operationOf(value: unknown): Operation | null {
  return OPERATIONS.find((operation) => operation === value) ?? null;
}

/**
 * An item's canonical JSON, written field by field in sorted order: the manifest schema allows
 * exactly these fields, all strings or a list of strings besides the input, so for a valid item
 * this is `canonicalJson(item)` without looking at its keys.
 */
function itemJson(item: Record<string, unknown>, inputJson: string): string {
  const options = item['model_options'] === undefined ? '' : `"model_options":${JSON.stringify(item['model_options'])},`;
  return `{"customer_item_id":${JSON.stringify(item['customer_item_id'])},"input":${inputJson},"model":${JSON.stringify(item['model'])},${options}"operation":${JSON.stringify(item['operation'])}}`;
}

/** Measures `items`, the first of which must start a run (its index a multiple of ITEMS_PER_DIGEST). */
export function measureItems(items: readonly unknown[], keepJson: boolean): MeasuredItems {
  const tokens = new Uint32Array(items.length);
  const bytes = new Uint32Array(items.length);
  const inputJson: string[] | null = keepJson ? [] : null;
  const digests: string[] = [];
  let run: string[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = isRecord(items[i]) ? (items[i] as Record<string, unknown>) : {};
    const input = item['input'];
    const operation = operationOf(item['operation']);
    const json = canonicalJson(input ?? null);
    tokens[i] = operation !== null && isRecord(input) ? countInputTokens(operation, input) : 0;
    bytes[i] = Buffer.byteLength(json);
    inputJson?.push(json);
    run.push(itemJson(item, json));
    if (run.length === ITEMS_PER_DIGEST || i === items.length - 1) {
      digests.push(createHash('sha256').update(run.join(',')).digest('hex'));
      run = [];
    }
  }
  return { tokens, bytes, inputJson, digests };
}

/** Joins the measures of consecutive slices, in order. */
export function joinMeasured(parts: readonly MeasuredItems[], keepJson: boolean): MeasuredItems {
  let count = 0;
  for (const part of parts) count += part.tokens.length;
  const tokens = new Uint32Array(count);
  const bytes = new Uint32Array(count);
  let offset = 0;
  for (const part of parts) {
    tokens.set(part.tokens, offset);
    bytes.set(part.bytes, offset);
    offset += part.tokens.length;
  }
  return {
    tokens,
    bytes,
    inputJson: keepJson ? parts.flatMap((part) => part.inputJson ?? []) : null,
    digests: parts.flatMap((part) => part.digests),
  };
}

/**
 * `measure` run at most once per items array and option: a request's items can be measured as
 * soon as its body is parsed, and the quote or submit that validated them later gets that same
 * measurement. A measurement that keeps JSON also serves one that does not.
 */
export function measuringOnce(measure: (items: readonly unknown[], keepJson: boolean) => Promise<MeasuredItems>): ItemMeasurer {
  const started = new WeakMap<readonly unknown[], { keepJson: boolean; result: Promise<MeasuredItems> }>();
  return {
    measure(items, keepJson) {
      const earlier = started.get(items);
      if (earlier !== undefined && (earlier.keepJson || !keepJson)) return earlier.result;
      const result = measure(items, keepJson);
      // A measurement started early is of no interest once its request is refused.
      result.catch(() => undefined);
      started.set(items, { keepJson, result });
      return result;
    },
  };
}

/** Measures in the calling thread. */
export const inlineMeasurer: ItemMeasurer = measuringOnce(async (items, keepJson) => measureItems(items, keepJson));
