/**
 * OpenAI's error replies, in one place: `{ "error": { message, type, param, code } }` with its
 * status. Messages copy the wording the real API uses where it is documented or was observed
 * in recorded real responses, so code that matches on them behaves as in production.
 */

export interface OpenAIErrorObject {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

/** A complete HTTP error reply: status, body and any extra headers (rate limits). */
export interface ErrorReply {
  status: number;
  body: { error: OpenAIErrorObject };
  headers?: Record<string, string>;
}

export function errorReply(status: number, message: string, options: Partial<Omit<OpenAIErrorObject, 'message'>> = {}): ErrorReply {
  return {
    status,
    body: { error: { message, type: options.type ?? 'invalid_request_error', param: options.param ?? null, code: options.code ?? null } },
  };
}

export function missingParameter(param: string): ErrorReply {
  return errorReply(400, `Missing required parameter: '${param}'.`, { param, code: 'missing_required_parameter' });
}

/** `Supported values are: 'a', 'b', and 'c'.`, the way OpenAI lists an enum. */
export function invalidValue(param: string, value: unknown, supported: readonly string[]): ErrorReply {
  const quoted = supported.map((item) => `'${item}'`);
  const list = quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')}, and ${quoted.at(-1) ?? ''}` : (quoted[0] ?? '');
  return errorReply(400, `Invalid value: '${String(value)}'. Supported values are: ${list}.`, { param, code: 'invalid_value' });
}

export function invalidType(param: string, expected: string, value: unknown): ErrorReply {
  return errorReply(400, `Invalid type for '${param}': expected ${expected}, but got ${describeType(value)} instead.`, { param, code: 'invalid_type' });
}

export function integerBelowMinimum(param: string, minimum: number, value: number): ErrorReply {
  return errorReply(400, `Invalid '${param}': integer below minimum value. Expected a value >= ${minimum}, but got ${value} instead.`, {
    param,
    code: 'integer_below_min_value',
  });
}

export function invalidJsonBody(): ErrorReply {
  return errorReply(
    400,
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
  );
}

export function unknownRoute(method: string, path: string): ErrorReply {
  return errorReply(404, `Invalid URL (${method} ${path})`);
}

export function fileNotFound(id: string): ErrorReply {
  return errorReply(404, `No such File object: ${id}`, { param: 'id' });
}

export function batchNotFound(id: string): ErrorReply {
  return errorReply(404, `No batch found with id '${id}'.`);
}

export function cannotCancel(status: string): ErrorReply {
  return errorReply(409, `Cannot cancel a batch with status '${status}'.`);
}

export function missingApiKey(): ErrorReply {
  return errorReply(
    401,
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY). You can obtain an API key from https://platform.openai.com/account/api-keys.",
  );
}

export function incorrectApiKey(key: string): ErrorReply {
  const masked = key.length > 8 ? `${key.slice(0, 3)}${'*'.repeat(key.length - 7)}${key.slice(-4)}` : '*'.repeat(key.length);
  return errorReply(401, `Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`, {
    code: 'invalid_api_key',
  });
}

export function serverError(status: number): ErrorReply {
  const message =
    status === 503 ? 'The server is overloaded or not ready yet.' : 'The server had an error while processing your request. Sorry about that!';
  return errorReply(status, message, { type: 'server_error' });
}

/** OpenAI's wording for a request-per-minute limit; `type` is "requests", as the real API sends. */
export function rateLimited(model: string, retryAfterSeconds: number): ErrorReply {
  return errorReply(
    429,
    `Rate limit reached for ${model} in organization org-emulator on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in ${formatDuration(retryAfterSeconds * 1000)}. Visit https://platform.openai.com/account/rate-limits to learn more.`,
    { type: 'requests', code: 'rate_limit_exceeded' },
  );
}

/** The `6m0s` / `1s` / `20ms` spelling OpenAI uses in `x-ratelimit-reset-*` and messages. */
export function formatDuration(milliseconds: number): string {
  const ms = Math.max(0, Math.round(milliseconds));
  if (ms < 1000) return `${ms}ms`;
  const totalSeconds = ms / 1000;
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = Number((totalSeconds - minutes * 60).toFixed(3));
  return minutes > 0 ? `${minutes}m${seconds}s` : `${seconds}s`;
}

function describeType(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a decimal';
  if (typeof value === 'boolean') return 'a boolean';
  return 'a string';
}
