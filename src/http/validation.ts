/**
 * Request validation: bodies are checked strictly (no type coercion, unknown fields rejected,
 * strings well-formed Unicode, nesting bounded, every problem reported); path and query strings
 * are coerced, as they are text on the wire.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import type { ErrorDetail } from '../domain/errors.ts';

type AddFormats = (ajv: Ajv) => Ajv;
const addFormats = addFormatsModule as unknown as AddFormats;

function makeAjv(coerceTypes: boolean): Ajv {
  const ajv = new Ajv({ allErrors: true, coerceTypes, removeAdditional: false, useDefaults: true, strict: false });
  addFormats(ajv);
  return ajv;
}

const bodyAjv = makeAjv(false);
const textAjv = makeAjv(true);

/** Deeper than any body this API takes. Checked before ajv, whose recursive checks (uniqueItems) would overflow the stack. */
export const MAX_BODY_DEPTH = 64;

function problem(instancePath: string, keyword: string, message: string): ErrorObject {
  return { keyword, instancePath, schemaPath: '#', params: {}, message };
}

/** Why a string cannot be stored as text, or null when it can. */
function storableProblem(text: string): string | null {
  if (!text.isWellFormed()) return 'be well-formed Unicode (it holds an unpaired surrogate)';
  if (text.includes('\u0000')) return 'not contain NUL characters';
  return null;
}

/**
 * `\u0000`, or an escaped surrogate (`\uD800`–`\uDFFF`) that may stand alone: the only ways a
 * string parsed from JSON text can hold NUL or an unpaired surrogate, since raw control characters
 * are not JSON and decoding UTF-8 never yields a surrogate.
 */
const UNSTORABLE_ESCAPE = /\\u(?:0000|[dD][89a-fA-F])/;

/** Bodies parsed from text without such an escape: every string in them is storable, unchecked. */
const storableTextBodies = new WeakSet<object>();

/** The keys whose JSON spelling makes Fastify's parser (secure-json-parse) look deeper: prototype poisoning. */
const POISON_KEYS = ['"__proto__"', '"constructor"'];

/**
 * Parses a JSON request body, or returns null when Fastify's own parser must: for text that is
 * not JSON, or that may spell `__proto__` or `constructor` as a key (with escapes, or plainly),
 * which that parser refuses. Any other text parses the same there, after two regular-expression
 * scans of it that this spares (milliseconds a megabyte). Notes what the text shows about the
 * body's strings: with no `\u` escape at all, every string is storable (see `structuralProblems`).
 */
export function parsePlainJson(text: string): { body: unknown } | null {
  if (text.includes('\\u') || POISON_KEYS.some((key) => text.includes(key))) return null;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof body === 'object' && body !== null) storableTextBodies.add(body);
  return { body };
}

/**
 * Notes a JSON body parsed from `text`: when the text holds no escape that could make a string
 * unstorable, validation skips looking at each string of it (a 100,000-item manifest has many).
 */
export function noteParsedJson(text: string, body: unknown): void {
  if (typeof body === 'object' && body !== null && !UNSTORABLE_ESCAPE.test(text)) storableTextBodies.add(body);
}

/** Whether containers in `value` (itself at `depth`) nest MAX_BODY_DEPTH deep or more. */
function nestsTooDeep(value: unknown, depth: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (depth >= MAX_BODY_DEPTH) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (nestsTooDeep(value[i], depth + 1)) return true;
    return false;
  }
  // for…in over a parsed object is its own keys: nothing is allocated.
  for (const key in value) if (nestsTooDeep((value as Record<string, unknown>)[key], depth + 1)) return true;
  return false;
}

/**
 * What a JSON Schema cannot say about a parsed body: every string and key is storable text, that
 * is well-formed Unicode (JSON allows an unpaired surrogate such as "\ud800", which has no UTF-8
 * form) without NUL (which PostgreSQL text and jsonb refuse), and containers nest at most
 * MAX_BODY_DEPTH deep. Visits in document order; a path is only written for a problem. Strings
 * are not looked at in a body whose text showed they are all storable (`noteParsedJson`).
 */
export function structuralProblems(body: unknown): ErrorObject[] {
  const checkStrings = typeof body !== 'object' || body === null || !storableTextBodies.has(body);
  // Most bodies have no problem: the depth alone is checked first, without writing any path.
  if (!checkStrings && !nestsTooDeep(body, 0)) return [];
  const problems: ErrorObject[] = [];
  // The keys and indexes leading to the value being visited.
  const trail: (string | number)[] = [];
  const pathHere = () => trail.map((key) => `/${String(key).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
  // Without strings to check, only containers need a visit (for their depth).
  const worthVisiting = (value: unknown) => checkStrings || (typeof value === 'object' && value !== null);
  const visit = (value: unknown, depth: number): void => {
    if (typeof value !== 'object' || value === null) {
      const unstorable = checkStrings && typeof value === 'string' ? storableProblem(value) : null;
      if (unstorable !== null) problems.push(problem(pathHere(), 'storable', `must ${unstorable}`));
      return;
    }
    if (depth >= MAX_BODY_DEPTH) {
      problems.push(problem(pathHere(), 'maxDepth', `is nested more than ${MAX_BODY_DEPTH} levels deep`));
      return;
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        if (!worthVisiting(value[i])) continue;
        trail.push(i);
        visit(value[i], depth + 1);
        trail.pop();
      }
      return;
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const badKey = checkStrings ? storableProblem(key) : null;
      if (badKey !== null) problems.push(problem(pathHere(), 'storable', `has a key that must ${badKey}`));
      if (!worthVisiting(record[key])) continue;
      trail.push(key);
      visit(record[key], depth + 1);
      trail.pop();
    }
  };
  visit(body, 0);
  return problems;
}

/** A body validator: the structural checks, then the schema (skipped when the body is too deep to walk). */
function bodyValidator(validate: ValidateFunction): ReturnType<FastifySchemaCompiler<object>> {
  const check = (data: unknown, dataCxt?: Parameters<ValidateFunction>[1]): boolean => {
    const structural = structuralProblems(data);
    const tooDeep = structural.some((p) => p.keyword === 'maxDepth');
    const valid = !tooDeep && validate(data, dataCxt);
    const errors = [...(valid || tooDeep ? [] : (validate.errors ?? [])), ...structural];
    result.errors = errors.length > 0 ? errors : null;
    return errors.length === 0;
  };
  // Fastify passes parent data to ajv validators (so they may replace the root) when it sees schemaEnv.
  const result: ReturnType<FastifySchemaCompiler<object>> = Object.assign(check, { errors: null, schemaEnv: validate.schemaEnv });
  return result;
}

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  httpPart === 'body' ? bodyValidator(bodyAjv.compile(schema)) : textAjv.compile(schema);

/** `/items/3/model` → `items[3].model`: the path style every `details` entry uses. */
export function pathOf(instancePath: string, prefix: string): string {
  let out = prefix;
  for (const segment of instancePath.split('/').slice(1)) {
    const name = segment.replaceAll('~1', '/').replaceAll('~0', '~');
    out += /^\d+$/.test(name) ? `[${name}]` : out === '' ? name : `.${name}`;
  }
  return out;
}

const PART_PREFIX: Record<string, string> = { body: '', querystring: 'query', params: 'path', headers: 'headers' };

/** Turns ajv's errors into `details`: one entry per problem, named by where it is. */
export function detailsOf(errors: ErrorObject[], part: string): ErrorDetail[] {
  const prefix = PART_PREFIX[part] ?? part;
  const details = errors.map((error): ErrorDetail => {
    const base = pathOf(error.instancePath, prefix);
    const join = (name: string) => (base === '' ? name : `${base}.${name}`);
    if (error.keyword === 'additionalProperties') {
      return { path: join(String(error.params['additionalProperty'])), message: 'is not a known field' };
    }
    if (error.keyword === 'required') {
      return { path: join(String(error.params['missingProperty'])), message: 'is required' };
    }
    return { path: base === '' ? (prefix === '' ? 'body' : prefix) : base, message: error.message ?? 'is not valid' };
  });
  return details.filter((d, i) => details.findIndex((o) => o.path === d.path && o.message === d.message) === i);
}

/**
 * A validator for documents that arrive outside a request body (the lines of an uploaded file):
 * the same strict checks, with problems named under `prefix`, e.g. `lines[41].model`.
 */
export function compileDocumentValidator(schema: object): (document: unknown, prefix: string) => ErrorDetail[] {
  const validate = bodyValidator(bodyAjv.compile(schema));
  return (document, prefix) => (validate(document) ? [] : detailsOf((validate.errors ?? []) as ErrorObject[], prefix));
}
