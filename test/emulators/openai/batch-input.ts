/**
 * Reading a batch input file the way a batch's `validating` step does: one JSON object a line,
 * `{ custom_id, method: "POST", url, body }`, every `url` equal to the batch endpoint, unique
 * `custom_id`s, one model for the whole file. Problems come back as `errors.data` entries
 * (`{ code, line, message, param }`, lines counted from 1), all of them, not just the first.
 *
 * Codes and messages observed from OpenAI: invalid_json_line, missing_required_parameter,
 * invalid_url, invalid_request (body.model / body.messages), streaming_unsupported.
 * From an OpenAI-compatible provider's documentation of the same errors: duplicate_custom_id,
 * mismatched_model. Chosen here, not confirmed: empty_file and the too-many-requests wording.
 */
import type { ModelEndpoint } from './endpoint.ts';
import { isRecord } from './outputs.ts';

export interface BatchError {
  code: string;
  line: number | null;
  message: string;
  param: string | null;
}

export interface BatchLine {
  lineNumber: number;
  customId: string;
  body: Record<string, unknown>;
}

export interface BatchInputLimits {
  maxRequests: number;
  /** Embedding batches also count every input string: at most this many across the file. */
  maxEmbeddingInputs: number;
}

/** Field each endpoint needs in `body`, with the label used in OpenAI's message. */
const REQUIRED_BODY_FIELD: Record<ModelEndpoint, { field: string; label: string }> = {
  '/v1/chat/completions': { field: 'messages', label: 'Messages' },
  '/v1/embeddings': { field: 'input', label: 'Input' },
  '/v1/responses': { field: 'input', label: 'Input' },
};

const ENDPOINT_LABEL: Record<ModelEndpoint, string> = {
  '/v1/chat/completions': 'Chat Completions',
  '/v1/embeddings': 'Embeddings',
  '/v1/responses': 'Responses',
};

export type BatchInput = { ok: true; lines: BatchLine[]; model: string | null } | { ok: false; errors: BatchError[] };

export function parseBatchInput(text: string, endpoint: ModelEndpoint, limits: BatchInputLimits): BatchInput {
  const rawLines = text.split('\n').map((line, index) => ({ text: line.trim(), lineNumber: index + 1 })).filter((line) => line.text !== '');
  if (rawLines.length === 0) return { ok: false, errors: [fileError('empty_file', 'The batch input file is empty.')] };
  if (rawLines.length > limits.maxRequests) {
    return {
      ok: false,
      errors: [fileError('invalid_request', `The batch input file has ${rawLines.length} requests; a batch may include up to ${limits.maxRequests} requests.`)],
    };
  }

  const errors: BatchError[] = [];
  const lines: BatchLine[] = [];
  const seen = new Set<string>();
  let model: string | null = null;
  for (const { text: lineText, lineNumber } of rawLines) {
    const problem = checkLine(lineText, lineNumber, endpoint, seen, model);
    if ('code' in problem) {
      errors.push(problem);
      continue;
    }
    seen.add(problem.customId);
    model ??= typeof problem.body['model'] === 'string' ? problem.body['model'] : null;
    lines.push(problem);
  }
  if (errors.length > 0) return { ok: false, errors };

  if (endpoint === '/v1/embeddings') {
    const inputs = lines.reduce((sum, line) => sum + (Array.isArray(line.body['input']) ? line.body['input'].length : 1), 0);
    if (inputs > limits.maxEmbeddingInputs) {
      return {
        ok: false,
        errors: [fileError('invalid_request', `The batch has ${inputs} embedding inputs; /v1/embeddings batches may include up to ${limits.maxEmbeddingInputs}.`)],
      };
    }
  }
  return { ok: true, lines, model };
}

function checkLine(text: string, lineNumber: number, endpoint: ModelEndpoint, seen: ReadonlySet<string>, model: string | null): BatchLine | BatchError {
  const at = (code: string, message: string, param: string | null): BatchError => ({ code, line: lineNumber, message, param });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return at('invalid_json_line', 'This line is not parseable as valid JSON.', null);
  }
  if (!isRecord(parsed)) return at('invalid_json_line', 'This line is not parseable as valid JSON.', null);
  for (const field of ['custom_id', 'method', 'url', 'body'] as const) {
    if (parsed[field] === undefined || parsed[field] === null) return at('missing_required_parameter', `Missing required parameter: '${field}'.`, field);
  }
  const customId = parsed['custom_id'];
  const body = parsed['body'];
  if (typeof customId !== 'string' || customId === '') return at('invalid_request', "Invalid 'custom_id': expected a non-empty string.", 'custom_id');
  if (parsed['method'] !== 'POST') return at('invalid_value', `Invalid value: '${String(parsed['method'])}'. Supported values are: 'POST'.`, 'method');
  if (parsed['url'] !== endpoint) return at('invalid_url', 'The URL provided for this request does not match the batch endpoint.', 'url');
  if (seen.has(customId)) {
    return at(
      'duplicate_custom_id',
      `The custom_id '${customId}' for this request is a duplicate of another request. The custom_id parameter must be unique for each request in a batch.`,
      'custom_id',
    );
  }
  if (!isRecord(body)) return at('invalid_request', "Invalid 'body': expected an object.", 'body');
  if (typeof body['model'] !== 'string' || body['model'] === '') return at('invalid_request', 'Model parameter is required.', 'body.model');
  const required = REQUIRED_BODY_FIELD[endpoint];
  if (body[required.field] === undefined && !(endpoint === '/v1/responses' && body['prompt'] !== undefined)) {
    return at('invalid_request', `${required.label} parameter is required.`, `body.${required.field}`);
  }
  if (body['stream'] === true) return at('streaming_unsupported', `${ENDPOINT_LABEL[endpoint]}: Streaming is not supported in the Batch API.`, 'body.stream');
  if (model !== null && body['model'] !== model) {
    return at(
      'mismatched_model',
      `The model '${body['model']}' for this request does not match the rest of the batch. Each batch must contain requests for a single model.`,
      'body.model',
    );
  }
  return { lineNumber, customId, body };
}

function fileError(code: string, message: string): BatchError {
  return { code, line: null, message, param: null };
}
