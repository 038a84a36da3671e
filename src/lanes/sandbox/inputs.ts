/**
 * Reads what the sandbox needs from a provider request body: the texts a provider would bill, the
 * prompt to answer, and the output limit. A body a real provider would refuse is refused here too,
 * naming the field, so router bugs show up in tests rather than in production.
 */
import type { Operation } from '../../domain/catalog.ts';
import { isRecord } from '../../domain/records.ts';

export interface RequestText {
  /** Every input text (for embeddings, one per vector). */
  texts: string[];
  /** Messages in the input; each adds chat-format tokens. */
  messageCount: number;
  /** What the answer echoes: the last user message, else the last text. */
  prompt: string;
  maxOutputTokens: number | null;
}

/** A field of the body that a provider would refuse. */
export interface BodyProblem {
  param: string;
  message: string;
}

export type ReadOutcome = { ok: true; text: RequestText } | { ok: false; problem: BodyProblem };

class InvalidBody extends Error {
  param: string;

  constructor(param: string, message: string) {
    super(`${param} ${message}`);
    this.param = param;
  }
}

// Parts of other types (images, files, audio) carry no text the sandbox reads.
const TEXT_PART_TYPES: ReadonlySet<unknown> = new Set(['input_text', 'output_text', 'text']);

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

function contentText(content: unknown, param: string): string {
  if (typeof content === 'string') return content;
  // An assistant message that only calls tools has no content.
  if (content === null || content === undefined) return '';
  if (!Array.isArray(content)) throw new InvalidBody(param, 'must be a string or a list of content parts');
  const texts: string[] = [];
  for (const [index, part] of content.entries()) {
    if (!isRecord(part)) throw new InvalidBody(`${param}[${index}]`, 'must be an object');
    if (!TEXT_PART_TYPES.has(part['type'])) continue;
    const text = part['text'];
    if (typeof text !== 'string') throw new InvalidBody(`${param}[${index}].text`, 'must be a string');
    texts.push(text);
  }
  return texts.join('\n');
}

function readMessages(items: readonly unknown[], param: string, maxOutputTokens: number | null): RequestText {
  const texts: string[] = [];
  let lastUserText: string | null = null;
  for (const [index, item] of items.entries()) {
    const itemParam = `${param}[${index}]`;
    if (!isRecord(item)) throw new InvalidBody(itemParam, 'must be an object');
    // Responses input may hold tool calls and their outputs beside messages; only messages have text here.
    if (item['type'] !== undefined && item['type'] !== 'message') continue;
    if (typeof item['role'] !== 'string') throw new InvalidBody(`${itemParam}.role`, 'must be a string');
    const text = contentText(item['content'], `${itemParam}.content`);
    texts.push(text);
    if (item['role'] === 'user') lastUserText = text;
  }
  return { texts, messageCount: texts.length, prompt: lastUserText ?? texts.at(-1) ?? '', maxOutputTokens };
}

function readMaxTokens(body: Record<string, unknown>, name: string): number | null {
  const value = body[name];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new InvalidBody(name, 'must be a positive integer');
  return value;
}

function readResponses(body: Record<string, unknown>): RequestText {
  const maxOutputTokens = readMaxTokens(body, 'max_output_tokens');
  const input = body['input'];
  let text: RequestText;
  if (typeof input === 'string') text = { texts: [input], messageCount: 0, prompt: input, maxOutputTokens };
  else if (Array.isArray(input)) text = readMessages(input, 'input', maxOutputTokens);
  else throw new InvalidBody('input', 'must be a string or a list of messages');
  const instructions = body['instructions'];
  if (typeof instructions === 'string') text.texts.push(instructions);
  else if (instructions !== undefined && instructions !== null) throw new InvalidBody('instructions', 'must be a string');
  return text;
}

function readChat(body: Record<string, unknown>): RequestText {
  const messages = body['messages'];
  if (!Array.isArray(messages) || messages.length === 0) throw new InvalidBody('messages', 'must be a non-empty list of messages');
  // The newer name wins, as on OpenAI's API.
  const maxOutputTokens = readMaxTokens(body, 'max_completion_tokens') ?? readMaxTokens(body, 'max_tokens');
  return readMessages(messages, 'messages', maxOutputTokens);
}

function readEmbeddings(body: Record<string, unknown>): RequestText {
  const input = body['input'];
  const texts: unknown[] = typeof input === 'string' ? [input] : Array.isArray(input) ? input : [];
  if (texts.length === 0 || !texts.every(isNonEmptyString)) {
    throw new InvalidBody('input', 'must be a non-empty string or a non-empty list of non-empty strings');
  }
  return { texts, messageCount: 0, prompt: '', maxOutputTokens: null };
}

/** Reads a request body for `operation`, or names the field a provider would refuse. */
export function readRequest(operation: Operation, body: Record<string, unknown>): ReadOutcome {
  try {
    if (operation === 'responses') return { ok: true, text: readResponses(body) };
    if (operation === 'chat.completions') return { ok: true, text: readChat(body) };
    return { ok: true, text: readEmbeddings(body) };
  } catch (error) {
    if (error instanceof InvalidBody) return { ok: false, problem: { param: error.param, message: error.message } };
    throw error;
  }
}
