/**
 * Errors of the OpenAI drop-in. They are ApiErrors like every other (same codes, statuses and
 * docs), and may carry what OpenAI's error body has besides a message: the `param` at fault and
 * OpenAI's own `code` for the problem (`invalid_value`, `duplicate_custom_id`…).
 */
import { ApiError, type ErrorCode, type ErrorDetail } from '../errors.ts';

export interface OpenAiErrorFields {
  /** The request field at fault (`endpoint`, `metadata.batchrouter_sla_tier`, `body.model`), or null. */
  param: string | null;
  /** OpenAI's code for the problem; null leaves the HTTP layer to use BatchRouter's code. */
  code: string | null;
}

/** An ApiError with OpenAI's `param` and `code`. */
export class OpenAiRequestError extends ApiError {
  override name = 'OpenAiRequestError';
  readonly openAi: OpenAiErrorFields;

  constructor(code: ErrorCode, message: string, openAi: OpenAiErrorFields, options: { details?: ErrorDetail[]; headers?: Record<string, string> } = {}) {
    super(code, message, options);
    this.openAi = openAi;
  }
}

/** A 400 naming the field at fault, with OpenAI's code for the problem. */
export function invalidParameter(param: string, message: string, code = 'invalid_value'): OpenAiRequestError {
  return new OpenAiRequestError('invalid_request', message, { param, code }, { details: [{ path: param, message }] });
}

/** `Supported values are: 'a', 'b', and 'c'.`, the way OpenAI lists the values it takes. */
export function supportedValues(values: readonly string[]): string {
  const quoted = values.map((value) => `'${value}'`);
  if (quoted.length < 2) return `Supported values are: ${quoted.join('')}.`;
  return `Supported values are: ${quoted.slice(0, -1).join(', ')}, and ${quoted.at(-1) ?? ''}.`;
}

/** ` (and 3 more problems)`, or nothing when there are none. */
export function moreProblems(count: number): string {
  return count <= 0 ? '' : ` (and ${count} more problem${count === 1 ? '' : 's'})`;
}
