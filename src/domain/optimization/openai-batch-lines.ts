/**
 * Lines of OpenAI Batch files, reduced to what pricing needs. An output (or error) file line is
 * `{id, custom_id, response: {status_code, request_id, body}, error}`; an input file line is
 * `{custom_id, method, url, body}`. Usage is `input_tokens`/`output_tokens` in a Responses body,
 * `prompt_tokens`/`completion_tokens` in a Chat Completions body, `prompt_tokens` alone for
 * embeddings. Nothing of a prompt or an answer is kept.
 * @example parseImportLine(JSON.parse(text), 'openai_batch_output', 'lines[3]')
 */
import type { ImportFormat, ImportLinesTable } from '../../db/schema.ts';
import type { Operation } from '../catalog.ts';
import type { ErrorDetail } from '../errors.ts';
import { isRecord } from '../records.ts';

export type { ImportFormat };

/** What one line of an import file keeps; the OpenAI batch it belongs to is stored beside it. */
export type ImportLine = Omit<ImportLinesTable, 'file_id' | 'line_index' | 'batch_id'>;

type Json = Record<string, unknown>;

/** OpenAI allows custom ids of up to 512 characters. */
const MAX_CUSTOM_ID = 512;
const MAX_NAME = 200;
/** More tokens than any one request has: a count beyond it is a broken file, not usage. */
const MAX_LINE_TOKENS = 100_000_000;

/** The batch endpoint of each operation BatchRouter runs. */
export const OPERATION_OF_ENDPOINT: Readonly<Record<string, Operation>> = {
  '/v1/responses': 'responses',
  '/v1/chat/completions': 'chat.completions',
  '/v1/embeddings': 'embeddings',
};

/** The endpoint a response body's `object` belongs to. */
const ENDPOINT_OF_OBJECT: Readonly<Record<string, string>> = {
  response: '/v1/responses',
  'chat.completion': '/v1/chat/completions',
  list: '/v1/embeddings',
  text_completion: '/v1/completions',
};

/** Text PostgreSQL can store: well-formed Unicode without NUL. */
function storable(text: string): boolean {
  return text.isWellFormed() && !text.includes('\u0000');
}

/** A short name (model, code, endpoint) as stored, or null when absent or unusable. */
function name(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_NAME && storable(value) ? value : null;
}

/** Which kind of OpenAI Batch file a parsed line belongs to, or why it belongs to none. */
export function formatOfLine(value: unknown): ImportFormat | string {
  if (!isRecord(value)) return 'is not a JSON object';
  if ('customer_item_id' in value) return 'is a BatchRouter manifest item, not an OpenAI Batch line: upload manifests with purpose=batch';
  if ('url' in value || 'method' in value) return 'openai_batch_input';
  if ('response' in value || 'error' in value) return 'openai_batch_output';
  return 'is neither an OpenAI Batch output line ({id, custom_id, response, error}) nor an input line ({custom_id, method, url, body})';
}

function customIdOf(value: Json, path: string, problems: ErrorDetail[]): string {
  const customId = value['custom_id'];
  if (typeof customId !== 'string' || customId.length === 0 || customId.length > MAX_CUSTOM_ID || !storable(customId)) {
    problems.push({ path: `${path}.custom_id`, message: `must be a non-empty string of at most ${MAX_CUSTOM_ID} characters` });
    return '';
  }
  return customId;
}

/** A token count as reported: a whole number ≥ 0, or a problem. */
function tokens(usage: Json, field: string, path: string, problems: ErrorDetail[]): number {
  const count = usage[field];
  if (typeof count === 'number' && Number.isInteger(count) && count >= 0 && count <= MAX_LINE_TOKENS) return count;
  problems.push({ path: `${path}.${field}`, message: `must be a whole number of tokens from 0 to ${MAX_LINE_TOKENS}` });
  return 0;
}

/** The input and output tokens of a 200 answer's usage, read the way its endpoint reports them. */
function usageOf(usage: Json, endpoint: string | null, path: string, problems: ErrorDetail[]): [number, number] {
  const style = endpoint === '/v1/responses' || (endpoint === null && 'input_tokens' in usage) ? 'responses' : endpoint === '/v1/embeddings' || (endpoint === null && !('completion_tokens' in usage)) ? 'embeddings' : 'chat';
  if (style === 'responses') return [tokens(usage, 'input_tokens', path, problems), tokens(usage, 'output_tokens', path, problems)];
  if (style === 'embeddings') return [tokens(usage, 'prompt_tokens', path, problems), 0];
  return [tokens(usage, 'prompt_tokens', path, problems), tokens(usage, 'completion_tokens', path, problems)];
}

/** The code of a failed answer: the body's error code or type, else the status. */
function errorCodeOf(body: unknown, status: number): string {
  const error = isRecord(body) && isRecord(body['error']) ? body['error'] : null;
  return name(error?.['code']) ?? name(error?.['type']) ?? `http_${status}`;
}

function parseOutputLine(value: Json, path: string, problems: ErrorDetail[]): ImportLine {
  const line: ImportLine = { custom_id: customIdOf(value, path, problems), status_code: null, error_code: null, model: null, endpoint: null, input_tokens: null, output_tokens: null };
  const response = value['response'] ?? null;
  const error = value['error'] ?? null;
  if (response !== null && !isRecord(response)) problems.push({ path: `${path}.response`, message: 'must be an object or null' });
  if (error !== null && !isRecord(error)) problems.push({ path: `${path}.error`, message: 'must be an object or null' });
  if (response === null && error === null) problems.push({ path, message: 'has neither a response nor an error' });
  if (isRecord(error)) line.error_code = name(error['code']) ?? 'batch_error';
  if (!isRecord(response)) return line;
  const status = response['status_code'];
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
    problems.push({ path: `${path}.response.status_code`, message: 'must be an HTTP status (100 to 599)' });
    return line;
  }
  line.status_code = status;
  const body = response['body'];
  if (isRecord(body)) {
    line.model = name(body['model']);
    line.endpoint = ENDPOINT_OF_OBJECT[typeof body['object'] === 'string' ? body['object'] : ''] ?? null;
  }
  if (status !== 200) {
    line.error_code ??= errorCodeOf(body, status);
    return line;
  }
  if (line.error_code !== null) return line;
  if (!isRecord(body)) {
    problems.push({ path: `${path}.response.body`, message: 'a 200 answer must carry its body' });
    return line;
  }
  // A Responses answer can end "failed" with a 200: OpenAI bills no output for it, and neither does BatchRouter.
  if (body['status'] === 'failed') {
    line.error_code = errorCodeOf(body, status) === 'http_200' ? 'response_failed' : errorCodeOf(body, status);
    return line;
  }
  const usage = body['usage'];
  if (!isRecord(usage)) {
    problems.push({ path: `${path}.response.body.usage`, message: 'is missing: every answer in an OpenAI Batch output file reports its usage' });
    return line;
  }
  const [input, output] = usageOf(usage, line.endpoint, `${path}.response.body.usage`, problems);
  line.input_tokens = input;
  line.output_tokens = output;
  if (line.endpoint === null) line.endpoint = 'input_tokens' in usage ? '/v1/responses' : 'completion_tokens' in usage ? '/v1/chat/completions' : '/v1/embeddings';
  return line;
}

function parseInputLine(value: Json, path: string, problems: ErrorDetail[]): ImportLine {
  const line: ImportLine = { custom_id: customIdOf(value, path, problems), status_code: null, error_code: null, model: null, endpoint: null, input_tokens: null, output_tokens: null };
  if (value['method'] !== 'POST') problems.push({ path: `${path}.method`, message: 'must be "POST"' });
  const url = value['url'];
  if (typeof url !== 'string' || !url.startsWith('/v1/') || name(url) === null) problems.push({ path: `${path}.url`, message: 'must be an OpenAI endpoint path such as /v1/chat/completions' });
  else line.endpoint = url;
  const body = value['body'];
  if (!isRecord(body)) problems.push({ path: `${path}.body`, message: 'must be the request body, an object' });
  else line.model = name(body['model']);
  return line;
}

/**
 * One parsed line of an import file of `format`, reduced to what is kept, or every problem found
 * in it (named under `path`).
 */
export function parseImportLine(value: unknown, format: ImportFormat, path: string): { line: ImportLine } | { problems: ErrorDetail[] } {
  const kind = formatOfLine(value);
  if (kind !== format) {
    const message = kind === 'openai_batch_input' || kind === 'openai_batch_output' ? `is an OpenAI Batch ${kind === 'openai_batch_input' ? 'input' : 'output'} line, but the file's first line made it an ${format === 'openai_batch_input' ? 'input' : 'output'} file` : kind;
    return { problems: [{ path, message }] };
  }
  const problems: ErrorDetail[] = [];
  const line = format === 'openai_batch_output' ? parseOutputLine(value as Json, path, problems) : parseInputLine(value as Json, path, problems);
  return problems.length > 0 ? { problems } : { line };
}
