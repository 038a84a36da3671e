/**
 * Measuring a manifest's items: what quote and submit need of each item besides its routing
 * fields. Each item's input tokens (a real tokenizer), its input as JSON (stored with the item; its
 * UTF-8 size counts against provider byte limits), and one digest of all the items for the
 * manifest and request hashes.
 *
 * Counting tokens is most of the work. The tokenizer threads (src/tokenizer) count a large
 * manifest's texts, handed over as plain strings (`itemTexts`), while the request thread writes
 * the JSON and the digest (`measureShape`) and then checks the manifest: the items themselves are
 * never copied to another thread.
 *
 * Measuring may start before the request body has been validated (so that the threads start
 * early), so everything here accepts anything: what is not a well-formed item measures as nothing,
 * and its figures are never used, since the request is then refused.
 */
import { createHash } from 'node:crypto';
import { OPERATIONS, type Operation } from './catalog.ts';
import { countTextTokens, inputTexts, type CountedTexts } from './tokens.ts';
import { isRecord } from './records.ts';

export interface MeasuredItems {
  /** Input tokens of each item. */
  tokens: Uint32Array;
  /** UTF-8 bytes of each item's input as JSON. */
  bytes: Uint32Array;
  /** Each item's input as JSON, when it was asked for (submit stores it). */
  inputJson: string[] | null;
  /**
   * SHA-256 (hex) of the items as a JSON array, each item written with its fields in one fixed
   * order (customer_item_id, input, model, model_options, operation) and its input as sent.
   */
  digest: string;
}

/** Measures items; the same array with the same option is measured once (see `measuringOnce`). */
export interface ItemMeasurer {
  measure(items: readonly unknown[], keepJson: boolean): Promise<MeasuredItems>;
}

/** Characters of the digest's text hashed at a time. */
const HASH_PIECE = 64 * 1024;

const NOTHING_TO_COUNT: CountedTexts = { texts: [], overhead: 0 };

function operationOf(value: unknown): Operation | null {
  return OPERATIONS.find((operation) => operation === value) ?? null;
}

/** The texts of an item's input that are billed as input tokens, or none for what is not an item. */
export function itemTexts(item: unknown): CountedTexts {
  if (!isRecord(item)) return NOTHING_TO_COUNT;
  const operation = operationOf(item['operation']);
  const input = item['input'];
  return operation !== null && isRecord(input) ? inputTexts(operation, input) : NOTHING_TO_COUNT;
}

/**
 * An item as the digest writes it: the manifest schema allows exactly these fields, all strings or
 * a list of strings besides the input, so the item's own key order never matters.
 */
function itemJson(item: Record<string, unknown>, inputJson: string): string {
  const options = item['model_options'] === undefined ? '' : `"model_options":${JSON.stringify(item['model_options'])},`;
  return `{"customer_item_id":${JSON.stringify(item['customer_item_id'])},"input":${inputJson},"model":${JSON.stringify(item['model'])},${options}"operation":${JSON.stringify(item['operation'])}}`;
}

/** Everything but the tokens (left at zero): each input's JSON and size, and the digest. */
export function measureShape(items: readonly unknown[], keepJson: boolean): MeasuredItems {
  const bytes = new Uint32Array(items.length);
  const inputJson: string[] | null = keepJson ? new Array<string>(items.length) : null;
  const hash = createHash('sha256');
  // Hashed a piece of about HASH_PIECE characters at a time: one call per item would cost more.
  let pending = '[';
  for (let i = 0; i < items.length; i++) {
    const value = items[i];
    const item = isRecord(value) ? value : {};
    const json = JSON.stringify(item['input'] ?? null);
    bytes[i] = Buffer.byteLength(json);
    if (inputJson !== null) inputJson[i] = json;
    pending += i === 0 ? itemJson(item, json) : `,${itemJson(item, json)}`;
    if (pending.length >= HASH_PIECE) {
      hash.update(pending);
      pending = '';
    }
  }
  return { tokens: new Uint32Array(items.length), bytes, inputJson, digest: hash.update(`${pending}]`).digest('hex') };
}

/** Measures items in the calling thread. */
export function measureItems(items: readonly unknown[], keepJson: boolean): MeasuredItems {
  const measured = measureShape(items, keepJson);
  for (let i = 0; i < items.length; i++) {
    const { texts, overhead } = itemTexts(items[i]);
    let tokens = overhead;
    for (const text of texts) tokens += countTextTokens(text);
    measured.tokens[i] = tokens;
  }
  return measured;
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
