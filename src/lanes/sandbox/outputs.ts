/**
 * The sandbox's answers, shaped like the real provider's response bodies so the code that keeps
 * and renders them is exercised: an OpenAI Responses object, a chat.completion, an embeddings list,
 * or an OpenAI error body.
 */
import type { Operation } from '../../domain/catalog.ts';
import type { LaneError, LaneResult, TokenUsage } from '../types.ts';
import { DRAW, hashText, hexDraw, unitDraw } from './draws.ts';
import type { RequestText } from './inputs.ts';
import type { TokenCounter } from './options.ts';

/** Tokens a chat format adds per message (role markers, separators); the quote estimator assumes the same. */
const TOKENS_PER_MESSAGE = 4;
const ECHO_CHARACTERS = 160;
const EMBEDDING_DIMENSIONS = 8;

/** Cuts `text` to at most `length` UTF-16 units without splitting a surrogate pair. */
function cut(text: string, length: number): string {
  const code = text.charCodeAt(length - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? length - 1 : length);
}

/** The longest prefix of `text` within `maxTokens` (binary search: counting is the only tokenizer call needed). */
function truncateToTokens(text: string, maxTokens: number, countTokens: TokenCounter): string {
  let fits = 0;
  let tooLong = text.length;
  while (tooLong - fits > 1) {
    const middle = Math.floor((fits + tooLong) / 2);
    if (countTokens(cut(text, middle)) <= maxTokens) fits = middle;
    else tooLong = middle;
  }
  return cut(text, fits);
}

interface Answer {
  text: string;
  usage: TokenUsage;
  /** True when the answer was cut at the request's output limit. */
  truncated: boolean;
}

/** The answer text: the model's name and an echo of the prompt, cut to the request's output limit. */
function answer(model: string, request: RequestText, countTokens: TokenCounter): Answer {
  // PostgreSQL's jsonb refuses NUL characters and lone surrogates; a stored batch result must not carry them.
  const prompt = request.prompt.toWellFormed().replace(/[\s\u0000]+/g, ' ').trim();
  const echo = prompt.length > ECHO_CHARACTERS ? `${cut(prompt, ECHO_CHARACTERS - 1)}…` : prompt || '(no text input)';
  let text = `[sandbox ${model}] ${echo}`;
  let outputTokens = countTokens(text);
  const truncated = request.maxOutputTokens !== null && outputTokens > request.maxOutputTokens;
  if (truncated && request.maxOutputTokens !== null) {
    text = truncateToTokens(text, request.maxOutputTokens, countTokens);
    outputTokens = countTokens(text);
  }
  return { text, usage: { input_tokens: inputTokens(request, countTokens), output_tokens: outputTokens }, truncated };
}

function inputTokens(request: RequestText, countTokens: TokenCounter): number {
  let total = request.messageCount * TOKENS_PER_MESSAGE;
  for (const text of request.texts) total += countTokens(text);
  return total;
}

function responsesBody(hash: number, model: string, { text, usage, truncated }: Answer) {
  const status = truncated ? 'incomplete' : 'completed';
  return {
    id: `resp_${hexDraw(hash, DRAW.responseId)}${hexDraw(hash, DRAW.responseId + 1)}`,
    object: 'response',
    status,
    incomplete_details: truncated ? { reason: 'max_output_tokens' } : null,
    model,
    output: [
      {
        type: 'message',
        id: `msg_${hexDraw(hash, DRAW.responseId + 2)}${hexDraw(hash, DRAW.responseId + 3)}`,
        status,
        role: 'assistant',
        content: [{ type: 'output_text', text, annotations: [] }],
      },
    ],
    usage: { ...usage, total_tokens: usage.input_tokens + usage.output_tokens },
  };
}

function chatBody(hash: number, model: string, { text, usage, truncated }: Answer) {
  return {
    id: `chatcmpl-${hexDraw(hash, DRAW.responseId)}${hexDraw(hash, DRAW.responseId + 1)}`,
    object: 'chat.completion',
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, finish_reason: truncated ? 'length' : 'stop' }],
    usage: { prompt_tokens: usage.input_tokens, completion_tokens: usage.output_tokens, total_tokens: usage.input_tokens + usage.output_tokens },
  };
}

/**
 * A unit vector that depends only on the model and the text, as a real embedding does: the same
 * text embeds the same in every request.
 */
function embed(model: string, text: string): number[] {
  const hash = hashText(text, hashText(model));
  const vector: number[] = [];
  let squares = 0;
  for (let i = 0; i < EMBEDDING_DIMENSIONS; i++) {
    const value = unitDraw(hash, DRAW.embedding + i) * 2 - 1;
    vector.push(value);
    squares += value * value;
  }
  const length = Math.sqrt(squares);
  // Six decimals keep stored results small and still tell texts apart.
  return vector.map((value) => Math.round((value / length) * 1e6) / 1e6);
}

/** A succeeded result for a readable request; `hash` is the request's draw hash. */
export function succeededResult(customId: string, operation: Operation, model: string, request: RequestText, hash: number, countTokens: TokenCounter): LaneResult {
  if (operation === 'embeddings') {
    const embeddings = request.texts.map((text) => embed(model, text));
    const usage = { input_tokens: inputTokens(request, countTokens), output_tokens: 0 };
    const raw = {
      object: 'list',
      data: embeddings.map((embedding, index) => ({ object: 'embedding', index, embedding })),
      model,
      usage: { prompt_tokens: usage.input_tokens, total_tokens: usage.input_tokens },
    };
    return { customId, status: 'succeeded', outputText: null, embeddings, usage, raw };
  }
  const result = answer(model, request, countTokens);
  const raw = operation === 'responses' ? responsesBody(hash, model, result) : chatBody(hash, model, result);
  return { customId, status: 'succeeded', outputText: result.text, embeddings: null, usage: result.usage, raw };
}

// OpenAI's error `type` and `code` for each lane error code, so `raw` reads like the real thing.
const OPENAI_ERRORS = {
  invalid_request: { type: 'invalid_request_error', code: null },
  server_error: { type: 'server_error', code: null },
  rate_limited: { type: 'requests', code: 'rate_limit_exceeded' },
} as const;

type SandboxErrorCode = keyof typeof OPENAI_ERRORS;

/** A failed result with an OpenAI-style error body as `raw`. */
export function failedResult(customId: string, code: SandboxErrorCode, message: string, param: string | null = null): LaneResult {
  const error: LaneError = { code, message, retryable: code !== 'invalid_request' };
  return { customId, status: 'failed', error, raw: { error: { message, type: OPENAI_ERRORS[code].type, param, code: OPENAI_ERRORS[code].code } } };
}
