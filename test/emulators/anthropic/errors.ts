/**
 * Anthropic's closed set of error types, the HTTP status each is sent with, and the error body:
 * `{ "type": "error", "error": { "type", "message" }, "request_id" }` (docs: /en/api/errors).
 */

/** The documented error types; `request_too_large` is sent by Cloudflare in front of the API. */
export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'billing_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'timeout_error'
  | 'overloaded_error';

/** One mapping from error type to status, so a type can never be sent with the wrong status. */
export const STATUS_BY_ERROR_TYPE: Readonly<Record<AnthropicErrorType, number>> = Object.freeze({
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
});

export interface ErrorObject {
  type: AnthropicErrorType;
  message: string;
}

/** The body of every error response, and the `error` of an `errored` batch result. */
export interface ErrorBody {
  type: 'error';
  error: ErrorObject;
  request_id: string | null;
}

/** Thrown by validation and routes; the server turns it into status, headers and body. */
export class EmulatorError extends Error {
  readonly type: AnthropicErrorType;
  readonly headers: Readonly<Record<string, string>>;

  constructor(type: AnthropicErrorType, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'EmulatorError';
    this.type = type;
    this.headers = headers;
  }

  get status(): number {
    return STATUS_BY_ERROR_TYPE[this.type];
  }
}

export function errorBody(type: AnthropicErrorType, message: string, requestId: string | null): ErrorBody {
  return { type: 'error', error: { type, message }, request_id: requestId };
}

/** The message Anthropic's examples show for each type, for injected faults. */
export const DEFAULT_MESSAGES: Readonly<Record<AnthropicErrorType, string>> = Object.freeze({
  invalid_request_error: 'Invalid request.',
  authentication_error: 'invalid x-api-key',
  billing_error: 'Your credit balance is too low to access the Anthropic API.',
  permission_error: 'Your API key does not have permission to use the specified resource.',
  not_found_error: 'Not found.',
  request_too_large: 'Request exceeds the maximum allowed number of bytes.',
  rate_limit_error: 'Number of requests has exceeded your rate limit.',
  api_error: 'Internal server error',
  timeout_error: 'Request timed out.',
  overloaded_error: 'Overloaded',
});
