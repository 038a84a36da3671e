/**
 * The Messages API without a model: validates a `POST /v1/messages` body the way the API does and
 * composes a deterministic Message ("Echo: " and the first 60 characters of the last user text),
 * with `max_tokens` and `stop_sequences` honoured and usage counted as ceil(characters / 4).
 */
import type { Message, StopReason } from '@anthropic-ai/sdk/resources/messages/messages';
import { EmulatorError } from './errors.ts';

export interface ValidatedParams {
  model: string;
  maxTokens: number;
  systemText: string;
  turns: Array<{ role: 'user' | 'assistant' | 'system'; text: string }>;
  stopSequences: string[];
}

/** Documented limit on messages in one request. */
const MAX_MESSAGES = 100_000;
const ECHO_PREFIX = 'Echo: ';
const ECHO_CHARACTERS = 60;
const ROLES = new Set(['user', 'assistant', 'system']);

function invalid(message: string): EmulatorError {
  return new EmulatorError('invalid_request_error', message);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Characters as the user sees them (code points), so truncation never splits a surrogate pair. */
function characters(text: string): string[] {
  return Array.from(text);
}

/** The emulator's tokenizer: one token per started group of four characters. */
export function countTokens(text: string): number {
  return Math.ceil(characters(text).length / 4);
}

/** Text of a content value (string or blocks); blocks other than text add nothing. */
function contentText(content: unknown, path: string): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw invalid(`${path}: Input should be a valid string or a valid list`);
  const texts: string[] = [];
  content.forEach((block, index) => {
    const blockPath = `${path}.${index}`;
    if (!isRecord(block) || typeof block['type'] !== 'string') throw invalid(`${blockPath}.type: Field required`);
    if (block['type'] !== 'text') return;
    const text = block['text'];
    if (typeof text !== 'string') throw invalid(`${blockPath}.text: Field required`);
    if (text.length === 0) throw invalid('messages: text content blocks must be non-empty');
    texts.push(text);
  });
  return texts.join('\n');
}

function validateSystem(system: unknown): string {
  if (system === undefined || system === null) return '';
  if (typeof system === 'string') return system;
  if (!Array.isArray(system)) throw invalid('system: Input should be a valid string or a valid list');
  return system
    .map((block, index) => {
      if (!isRecord(block) || block['type'] !== 'text' || typeof block['text'] !== 'string') {
        throw invalid(`system.${index}: Input should be a text block ({"type": "text", "text": ...})`);
      }
      if (block['text'].length === 0) throw invalid('system: text content blocks must be non-empty');
      return block['text'];
    })
    .join('\n');
}

function validateTurns(messages: unknown): ValidatedParams['turns'] {
  if (messages === undefined) throw invalid('messages: Field required');
  if (!Array.isArray(messages)) throw invalid('messages: Input should be a valid list');
  if (messages.length === 0) throw invalid('messages: at least one message is required');
  if (messages.length > MAX_MESSAGES) throw invalid(`messages: a request may hold at most ${MAX_MESSAGES} messages`);
  const turns = messages.map((message, index) => {
    const path = `messages.${index}`;
    if (!isRecord(message)) throw invalid(`${path}: Input should be a valid dictionary`);
    const role = message['role'];
    if (role === undefined) throw invalid(`${path}.role: Field required`);
    if (typeof role !== 'string' || !ROLES.has(role)) throw invalid(`${path}.role: Input should be 'user', 'assistant' or 'system'`);
    if (message['content'] === undefined) throw invalid(`${path}.content: Field required`);
    return { role: role as 'user' | 'assistant' | 'system', text: contentText(message['content'], `${path}.content`), raw: message['content'] };
  });
  // Only the final assistant turn (a prefill) may be empty, and it may not end in whitespace.
  turns.forEach((turn, index) => {
    const isFinalAssistant = index === turns.length - 1 && turn.role === 'assistant';
    const empty = typeof turn.raw === 'string' ? turn.raw.length === 0 : Array.isArray(turn.raw) && turn.raw.length === 0;
    if (empty && !isFinalAssistant) {
      throw invalid('messages: all messages must have non-empty content except for the optional final assistant message');
    }
    if (isFinalAssistant && /\s$/u.test(turn.text)) throw invalid('messages: final assistant content cannot end with trailing whitespace');
  });
  return turns.map(({ role, text }) => ({ role, text }));
}

/**
 * Checks a Messages request body; throws an `invalid_request_error` EmulatorError naming the field
 * the way the API does (`max_tokens: Field required`). Unknown fields are accepted and ignored.
 */
export function validateMessageParams(body: unknown): ValidatedParams {
  if (!isRecord(body)) throw invalid('Input should be a valid dictionary');
  const model = body['model'];
  if (model === undefined) throw invalid('model: Field required');
  if (typeof model !== 'string') throw invalid('model: Input should be a valid string');
  if (model.length === 0) throw invalid('model: String should have at least 1 character');
  const maxTokens = body['max_tokens'];
  if (maxTokens === undefined) throw invalid('max_tokens: Field required');
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens)) throw invalid('max_tokens: Input should be a valid integer');
  // Documented minimum is 0 (0 only warms the prompt cache), see MessageCreateParamsBase.max_tokens.
  if (maxTokens < 0) throw invalid('max_tokens: Input should be greater than or equal to 0');
  const turns = validateTurns(body['messages']);
  const systemText = validateSystem(body['system']);
  const stopSequences = body['stop_sequences'];
  if (stopSequences !== undefined && (!Array.isArray(stopSequences) || stopSequences.some((s) => typeof s !== 'string'))) {
    throw invalid('stop_sequences: Input should be a valid list of strings');
  }
  if (body['stream'] === true) throw invalid('stream: streaming is not implemented by this emulator; send stream: false');
  return { model, maxTokens, systemText, turns, stopSequences: (stopSequences as string[] | undefined) ?? [] };
}

interface Completion {
  text: string;
  stopReason: StopReason;
  stopSequence: string | null;
}

/** The deterministic answer: cut at the earliest stop sequence, then at `max_tokens` tokens. */
export function complete(params: ValidatedParams): Completion {
  const lastUser = [...params.turns].reverse().find((turn) => turn.role === 'user');
  let text = ECHO_PREFIX + characters(lastUser?.text ?? '').slice(0, ECHO_CHARACTERS).join('');
  let stopReason: StopReason = 'end_turn';
  let stopSequence: string | null = null;
  let earliest = -1;
  for (const sequence of params.stopSequences) {
    const at = sequence.length > 0 ? text.indexOf(sequence) : -1;
    if (at >= 0 && (earliest < 0 || at < earliest)) {
      earliest = at;
      stopSequence = sequence;
    }
  }
  if (stopSequence !== null) {
    text = text.slice(0, earliest);
    stopReason = 'stop_sequence';
  }
  if (countTokens(text) > params.maxTokens) {
    text = characters(text).slice(0, params.maxTokens * 4).join('');
    stopReason = 'max_tokens';
    stopSequence = null;
  }
  return { text, stopReason, stopSequence };
}

/** Input tokens: the system prompt and every turn's text, at least 1. */
export function countInputTokens(params: ValidatedParams): number {
  const all = [params.systemText, ...params.turns.map((turn) => turn.text)].join('');
  return Math.max(1, countTokens(all));
}

/** A full Message object as `POST /v1/messages` returns it (and a batch `succeeded` result holds). */
export function composeMessage(params: ValidatedParams, id: string, serviceTier: 'standard' | 'batch'): Message {
  const completion = complete(params);
  return {
    id,
    type: 'message',
    role: 'assistant',
    model: params.model,
    content: completion.text.length > 0 ? [{ type: 'text', text: completion.text, citations: null }] : [],
    stop_reason: completion.stopReason,
    stop_sequence: completion.stopSequence,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage: {
      input_tokens: countInputTokens(params),
      output_tokens: countTokens(completion.text),
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
      inference_geo: null,
      output_tokens_details: null,
      server_tool_use: null,
      service_tier: serviceTier,
      speed: null,
    },
  };
}
