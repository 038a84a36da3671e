/**
 * What every emulated model endpoint shares: the result type (a status and the JSON body the
 * real endpoint would send, plus the token usage a batch sums up) and the checks OpenAI applies
 * to every model request before looking at the endpoint's own fields.
 */
import { errorReply, integerBelowMinimum, invalidType, missingParameter, type ErrorReply } from './errors.ts';
import type { IdMaker } from './ids.ts';

export const MODEL_ENDPOINTS = ['/v1/responses', '/v1/chat/completions', '/v1/embeddings'] as const;
export type ModelEndpoint = (typeof MODEL_ENDPOINTS)[number];

export function isModelEndpoint(value: unknown): value is ModelEndpoint {
  return typeof value === 'string' && (MODEL_ENDPOINTS as readonly string[]).includes(value);
}

export interface EndpointContext {
  ids: IdMaker;
  nowSeconds: number;
}

export interface TokenUsage {
  input: number;
  output: number;
}

/** A reply from a model endpoint: success (200, the full object) or an OpenAI error. */
export type EndpointResult = { status: 200; body: Record<string, unknown>; usage: TokenUsage } | ErrorReply;

export function isErrorResult(result: EndpointResult): result is ErrorReply {
  return result.status !== 200;
}

/** `model` must be a non-empty string. */
export function checkModel(body: Record<string, unknown>): ErrorReply | null {
  const model = body['model'];
  if (model === undefined || model === null || model === '') return missingParameter('model');
  if (typeof model !== 'string') return invalidType('model', 'a string', model);
  return null;
}

/** The emulator answers with whole objects only; a streaming request is refused plainly. */
export function checkNotStreaming(body: Record<string, unknown>): ErrorReply | null {
  if (body['stream'] !== true) return null;
  return errorReply(400, 'The OpenAI emulator does not implement streaming; send the request without "stream": true.', {
    param: 'stream',
    code: 'unsupported_value',
  });
}

/** An optional token limit: absent (null), or an integer at least `minimum`. */
export function readTokenLimit(body: Record<string, unknown>, param: string, minimum: number): number | null | ErrorReply {
  const value = body[param];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value)) return invalidType(param, 'an integer', value);
  if (value < minimum) return integerBelowMinimum(param, minimum, value);
  return value;
}
