/**
 * OpenAI batch input lines (`{custom_id, method: "POST", url, body: {model, …}}`) read, checked
 * and translated into manifest items: `customer_item_id` = custom_id, the operation from the url,
 * `model` = body.model, `input` = the body without `model`. Every problem names its line
 * (counted from 1, blank lines included) and the field at fault, with OpenAI's code for it.
 */
import type { Catalog, Operation } from '../catalog.ts';
import type { ErrorDetail } from '../errors.ts';
import { checkManifest, type ManifestItem } from '../manifest.ts';

/** The endpoints the drop-in runs, and the native operation of each. */
export const DROP_IN_ENDPOINTS = {
  '/v1/chat/completions': 'chat.completions',
  '/v1/responses': 'responses',
  '/v1/embeddings': 'embeddings',
} as const satisfies Record<string, Operation>;

export type DropInEndpoint = keyof typeof DROP_IN_ENDPOINTS;
export const DROP_IN_ENDPOINT_NAMES = Object.keys(DROP_IN_ENDPOINTS) as DropInEndpoint[];

export function isDropInEndpoint(value: unknown): value is DropInEndpoint {
  return typeof value === 'string' && Object.hasOwn(DROP_IN_ENDPOINTS, value);
}

/** One problem of a line's shape, as the schema check reports it. */
export interface ShapeProblem {
  param: string | null;
  code: string;
  message: string;
}

/** Checks a parsed line against the line schema (types, bounds, storable text). */
export type LineShapeCheck = (line: unknown) => ShapeProblem[];

export interface LineProblem extends ShapeProblem {
  /** The line, counted from 1; null for a problem of the whole file. */
  line: number | null;
}

/** A line as the schema guarantees it. */
interface InputLine {
  custom_id: string;
  method: 'POST';
  url: DropInEndpoint;
  body: Record<string, unknown> & { model: string };
}

/** The manifest item a checked line stands for. */
export function itemOfLine(line: InputLine): ManifestItem {
  const { model, ...input } = line.body;
  return { customer_item_id: line.custom_id, operation: DROP_IN_ENDPOINTS[line.url], model, input };
}

/** The item of a stored line (checked when it was uploaded). */
export function itemOfStoredLine(text: string): ManifestItem {
  return itemOfLine(JSON.parse(text) as InputLine);
}

/**
 * The request field an item path stands for: `items[3].model` → `body.model`,
 * `items[3].input.messages` → `body.messages`, `items[3].customer_item_id` → `custom_id`.
 */
export function paramOfItemPath(path: string): { index: number; param: string } | null {
  const match = /^items\[(\d+)\](?:\.(.*))?$/.exec(path);
  if (!match) return null;
  const rest = match[2] ?? '';
  const param =
    rest === '' ? 'body' : rest === 'customer_item_id' ? 'custom_id' : rest.startsWith('input.') ? `body.${rest.slice('input.'.length)}` : rest === 'input' ? 'body' : `body.${rest}`;
  return { index: Number(match[1]), param };
}

/** Problems of the items of lines already checked for shape, against the catalog: models, operations, inputs. */
function catalogProblems(items: ManifestItem[], lines: number[], catalog: Catalog): LineProblem[] {
  const checked = checkManifest({ items }, catalog);
  if (!('problems' in checked)) return [];
  return checked.problems.map((problem: ErrorDetail) => {
    const at = paramOfItemPath(problem.path);
    return { line: at === null ? null : (lines[at.index] ?? null), param: at?.param ?? null, code: 'invalid_request', message: problem.message };
  });
}

const CATALOG_CHUNK = 1_000;

/**
 * Checks the lines of one file in order: each line alone (JSON, shape, no streaming), then
 * across lines (one url for the whole file, unique custom_ids), then the items against the
 * catalog a chunk at a time. Problems pile up in `problems`.
 */
export class InputFileChecker {
  readonly problems: LineProblem[] = [];
  /** The url every line so far names. */
  endpoint: DropInEndpoint | null = null;
  /** The model every line so far names; null once two differ. */
  model: string | null = null;
  requests = 0;
  private mixedModels = false;
  private readonly seen = new Set<string>();
  private pending: ManifestItem[] = [];
  private pendingLines: number[] = [];
  private readonly catalog: Catalog;
  private readonly checkShape: LineShapeCheck;

  constructor(catalog: Catalog, checkShape: LineShapeCheck) {
    this.catalog = catalog;
    this.checkShape = checkShape;
  }

  /** Checks the text of one non-blank line (without its line break). */
  add(text: string, line: number): void {
    this.requests++;
    const problem = (param: string | null, code: string, message: string) => this.problems.push({ line, param, code, message });
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return void problem(null, 'invalid_json_line', 'This line is not parseable as valid JSON.');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return void problem(null, 'invalid_json_line', 'This line is not a JSON object.');
    const shape = this.checkShape(parsed);
    if (shape.length > 0) return void this.problems.push(...shape.map((found) => ({ line, ...found })));
    const request = parsed as InputLine;
    if (request.body['stream'] === true) return void problem('body.stream', 'streaming_unsupported', 'Streaming is not supported in the Batch API.');
    this.endpoint ??= request.url;
    if (request.url !== this.endpoint) {
      return void problem('url', 'invalid_url', `The url ${request.url} differs from the ${this.endpoint} of the lines before: every request of a batch input file uses one endpoint.`);
    }
    if (this.seen.has(request.custom_id)) {
      return void problem('custom_id', 'duplicate_custom_id', `The custom_id '${request.custom_id}' is a duplicate of another request's: custom_id must be unique in the file.`);
    }
    this.seen.add(request.custom_id);
    if (!this.mixedModels && this.model !== null && this.model !== request.body.model) this.mixedModels = true;
    this.model = this.mixedModels ? null : request.body.model;
    this.pending.push(itemOfLine(request));
    this.pendingLines.push(line);
    if (this.pending.length >= CATALOG_CHUNK) this.flush();
  }

  /** Checks what is still pending against the catalog; call once the last line was added. */
  flush(): void {
    if (this.pending.length > 0) this.problems.push(...catalogProblems(this.pending, this.pendingLines, this.catalog));
    this.pending = [];
    this.pendingLines = [];
  }
}
