/**
 * OpenAI response bodies as normalised lane results: the answer's text (responses, chat) or
 * vectors (embeddings), and the usage billing counts, the same for a sync answer and a batch line.
 */
import type { Operation } from '../../domain/catalog.ts';
import type { LaneResult, TokenUsage } from '../types.ts';
import { isRecord } from '../../domain/records.ts';

type Json = Record<string, unknown>;

const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value) : 0);

/** The text of a Responses API answer: every output_text part of every message item, in order. */
function responsesText(body: Json): string | null {
  const parts: string[] = [];
  for (const item of Array.isArray(body['output']) ? body['output'] : []) {
    if (!isRecord(item) || item['type'] !== 'message' || !Array.isArray(item['content'])) continue;
    for (const part of item['content']) if (isRecord(part) && part['type'] === 'output_text' && typeof part['text'] === 'string') parts.push(part['text']);
  }
  return parts.length > 0 ? parts.join('') : null;
}

function chatText(body: Json): string | null {
  const first = Array.isArray(body['choices']) ? body['choices'][0] : undefined;
  const message = isRecord(first) && isRecord(first['message']) ? first['message'] : undefined;
  if (!message) return null;
  if (typeof message['content'] === 'string') return message['content'];
  return typeof message['refusal'] === 'string' ? message['refusal'] : null;
}

/** A vector as floats: the API sends arrays, or base64 of little-endian float32 when asked to. */
function vector(value: unknown): number[] {
  if (Array.isArray(value)) return value.map((n) => (typeof n === 'number' ? n : 0));
  if (typeof value !== 'string') return [];
  const bytes = Buffer.from(value, 'base64');
  const floats: number[] = [];
  for (let offset = 0; offset + 4 <= bytes.length; offset += 4) floats.push(bytes.readFloatLE(offset));
  return floats;
}

function embeddings(body: Json): number[][] {
  const data = Array.isArray(body['data']) ? body['data'].filter(isRecord) : [];
  return [...data].sort((a, b) => count(a['index']) - count(b['index'])).map((entry) => vector(entry['embedding']));
}

function usageOf(operation: Operation, body: Json): TokenUsage {
  const usage = isRecord(body['usage']) ? body['usage'] : {};
  if (operation === 'responses') return { input_tokens: count(usage['input_tokens']), output_tokens: count(usage['output_tokens']) };
  if (operation === 'embeddings') return { input_tokens: count(usage['prompt_tokens']), output_tokens: 0 };
  return { input_tokens: count(usage['prompt_tokens']), output_tokens: count(usage['completion_tokens']) };
}

/** The lane result of a 200 answer for `operation`. A Responses answer with status "failed" is a failure. */
export function resultOfAnswer(customId: string, operation: Operation, body: unknown): LaneResult {
  if (!isRecord(body)) return { customId, status: 'failed', error: { code: 'bad_provider_response', message: 'the provider answered with no JSON object', retryable: true }, raw: body };
  if (operation === 'responses' && body['status'] === 'failed') {
    const error = isRecord(body['error']) ? body['error'] : {};
    const code = typeof error['code'] === 'string' ? error['code'] : 'response_failed';
    return { customId, status: 'failed', error: { code, message: typeof error['message'] === 'string' ? error['message'] : 'the response failed', retryable: code === 'server_error' || code === 'rate_limit_exceeded' }, raw: body };
  }
  return {
    customId,
    status: 'succeeded',
    outputText: operation === 'embeddings' ? null : operation === 'responses' ? responsesText(body) : chatText(body),
    embeddings: operation === 'embeddings' ? embeddings(body) : null,
    usage: usageOf(operation, body),
    raw: body,
  };
}
