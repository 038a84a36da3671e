/**
 * `POST /v1/responses`: a complete Response object (`object: "response"`, one assistant
 * `message` output item with an `output_text` part, `usage` with input/output token details).
 * `max_output_tokens` (at least 16, as OpenAI enforces) truncates the reply and turns the
 * response `incomplete` with `incomplete_details.reason = "max_output_tokens"`.
 */
import { invalidType, missingParameter } from './errors.ts';
import { checkModel, checkNotStreaming, readTokenLimit, type EndpointContext, type EndpointResult } from './endpoint.ts';
import { contentText, countTokens, echoText, isRecord, limitText } from './outputs.ts';

/** OpenAI refuses smaller `max_output_tokens` with `integer_below_min_value`. */
const MIN_OUTPUT_TOKENS = 16;

export function createResponse(body: Record<string, unknown>, context: EndpointContext): EndpointResult {
  const problem = checkModel(body) ?? checkNotStreaming(body);
  if (problem) return problem;
  const input = body['input'];
  if (input === undefined || input === null) {
    if (body['prompt'] === undefined && body['previous_response_id'] === undefined) return missingParameter('input');
  } else if (typeof input !== 'string' && !Array.isArray(input)) {
    return invalidType('input', 'a string or an array', input);
  }
  const limit = readTokenLimit(body, 'max_output_tokens', MIN_OUTPUT_TOKENS);
  if (typeof limit === 'object' && limit !== null) return limit;

  const instructions = typeof body['instructions'] === 'string' ? body['instructions'] : null;
  const inputTokens = countTokens((instructions ?? '') + allInputText(input));
  const reply = limitText(echoText(lastUserText(input)), limit);
  const status = reply.truncated ? 'incomplete' : 'completed';
  const model = String(body['model']);
  return {
    status: 200,
    usage: { input: inputTokens, output: reply.tokens },
    body: {
      id: context.ids.next('response'),
      object: 'response',
      created_at: context.nowSeconds,
      status,
      background: false,
      completed_at: reply.truncated ? null : context.nowSeconds,
      error: null,
      incomplete_details: reply.truncated ? { reason: 'max_output_tokens' } : null,
      instructions,
      max_output_tokens: limit,
      max_tool_calls: null,
      model,
      output: [
        {
          id: context.ids.next('message'),
          type: 'message',
          status,
          role: 'assistant',
          content: [{ type: 'output_text', text: reply.text, annotations: [], logprobs: [] }],
        },
      ],
      parallel_tool_calls: true,
      previous_response_id: typeof body['previous_response_id'] === 'string' ? body['previous_response_id'] : null,
      prompt_cache_key: null,
      reasoning: { effort: null, summary: null },
      safety_identifier: null,
      service_tier: 'default',
      store: body['store'] !== false,
      temperature: typeof body['temperature'] === 'number' ? body['temperature'] : 1,
      text: { format: { type: 'text' }, verbosity: 'medium' },
      tool_choice: 'auto',
      tools: [],
      top_logprobs: 0,
      top_p: typeof body['top_p'] === 'number' ? body['top_p'] : 1,
      truncation: 'disabled',
      usage: {
        input_tokens: inputTokens,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: reply.tokens,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: inputTokens + reply.tokens,
      },
      user: null,
      metadata: isRecord(body['metadata']) ? body['metadata'] : {},
    },
  };
}

/** `input` is a string, or a list of items; user items carry `content` as text or parts. */
function lastUserText(input: unknown): string {
  if (typeof input === 'string') return input;
  if (!Array.isArray(input)) return '';
  for (let i = input.length - 1; i >= 0; i--) {
    const item: unknown = input[i];
    if (isRecord(item) && item['role'] === 'user') return contentText(item['content']);
  }
  return '';
}

function allInputText(input: unknown): string {
  if (typeof input === 'string') return input;
  if (!Array.isArray(input)) return '';
  return input.map((item: unknown) => (isRecord(item) ? contentText(item['content']) : '')).join('');
}
