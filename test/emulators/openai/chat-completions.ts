/**
 * `POST /v1/chat/completions`: a complete `chat.completion` object (`choices[].message`,
 * `finish_reason`, `usage` with prompt/completion token details, `system_fingerprint`).
 * `max_completion_tokens` (or the older `max_tokens`) truncates the reply, and the choice
 * finishes with `"length"` as OpenAI documents.
 */
import { errorReply, invalidType, missingParameter } from './errors.ts';
import { checkModel, checkNotStreaming, readTokenLimit, type EndpointContext, type EndpointResult } from './endpoint.ts';
import { contentText, countTokens, echoText, isRecord, limitText } from './outputs.ts';

export function createChatCompletion(body: Record<string, unknown>, context: EndpointContext): EndpointResult {
  const problem = checkModel(body) ?? checkNotStreaming(body);
  if (problem) return problem;
  const messages = body['messages'];
  if (messages === undefined || messages === null) return missingParameter('messages');
  if (!Array.isArray(messages)) return invalidType('messages', 'an array', messages);
  if (messages.length === 0) {
    return errorReply(400, "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", {
      param: 'messages',
      code: 'empty_array',
    });
  }
  const completionLimit = readTokenLimit(body, 'max_completion_tokens', 1);
  if (typeof completionLimit === 'object' && completionLimit !== null) return completionLimit;
  const legacyLimit = readTokenLimit(body, 'max_tokens', 1);
  if (typeof legacyLimit === 'object' && legacyLimit !== null) return legacyLimit;
  const choiceCount = readTokenLimit(body, 'n', 1) ?? 1;
  if (typeof choiceCount === 'object') return choiceCount;

  const promptTokens = countTokens(messages.map((message: unknown) => (isRecord(message) ? contentText(message['content']) : '')).join(''));
  const reply = limitText(echoText(lastUserText(messages)), completionLimit ?? legacyLimit);
  const completionTokens = reply.tokens * choiceCount;
  const choices = Array.from({ length: choiceCount }, (_, index) => ({
    index,
    message: { role: 'assistant', content: reply.text, refusal: null, annotations: [] },
    logprobs: null,
    finish_reason: reply.truncated ? 'length' : 'stop',
  }));
  return {
    status: 200,
    usage: { input: promptTokens, output: completionTokens },
    body: {
      id: context.ids.next('chatCompletion'),
      object: 'chat.completion',
      created: context.nowSeconds,
      model: String(body['model']),
      choices,
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
        prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
      },
      service_tier: 'default',
      system_fingerprint: context.ids.next('fingerprint'),
    },
  };
}

function lastUserText(messages: readonly unknown[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (isRecord(message) && message['role'] === 'user') return contentText(message['content']);
  }
  return '';
}
