/** Anthropic answers as normalised lane results: the text blocks joined, usage with cache tokens counted as input. */
import { laneErrorOfStatus } from '../provider-calls.ts';
import type { LaneError, LaneResult } from '../types.ts';
import { isRecord } from '../../domain/records.ts';

const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value) : 0);

/** A Message as a succeeded result. */
export function resultOfMessage(customId: string, message: unknown): LaneResult {
  if (!isRecord(message)) return { customId, status: 'failed', error: { code: 'bad_provider_response', message: 'the provider answered with no message', retryable: true }, raw: message };
  const blocks = Array.isArray(message['content']) ? message['content'] : [];
  const texts = blocks.filter(isRecord).filter((block) => block['type'] === 'text' && typeof block['text'] === 'string').map((block) => block['text'] as string);
  const usage = isRecord(message['usage']) ? message['usage'] : {};
  return {
    customId,
    status: 'succeeded',
    outputText: texts.length > 0 ? texts.join('') : null,
    embeddings: null,
    usage: {
      // Cache writes and reads are input tokens the provider bills too.
      input_tokens: count(usage['input_tokens']) + count(usage['cache_creation_input_tokens']) + count(usage['cache_read_input_tokens']),
      output_tokens: count(usage['output_tokens']),
    },
    raw: message,
  };
}

/** The HTTP status Anthropic uses for each error type. */
const STATUS_OF_TYPE: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  overloaded_error: 529,
};

/** An Anthropic error body (`{type: "error", error: {type, message}}`) as a lane error. */
export function laneErrorOfBody(body: unknown): LaneError {
  const error = isRecord(body) && isRecord(body['error']) ? body['error'] : {};
  const type = typeof error['type'] === 'string' ? error['type'] : 'api_error';
  const message = typeof error['message'] === 'string' ? error['message'] : type;
  return laneErrorOfStatus(STATUS_OF_TYPE[type] ?? 500, message);
}
