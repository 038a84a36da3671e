/**
 * Token estimates for quotes, counted with a real tokenizer (o200k_base, the encoding of current
 * OpenAI models; a close estimate for other providers' models).
 */
import { countTokens } from 'gpt-tokenizer';
import type { Operation } from './catalog.ts';

/** Customer text is text: special-token markers such as <|endoftext|> are counted, not refused. */
const AS_PLAIN_TEXT = { disallowedSpecial: new Set<string>() };
/**
 * The tokenizer's time grows with the square of a run without whitespace (100 kB takes seconds);
 * longer runs are counted in pieces of this many characters, which changes the count by at most a
 * token per piece.
 */
const PIECE = 2_000;

/** Tokens of a text, in time linear in its length. */
export function countTextTokens(text: string): number {
  if (text.length <= PIECE) return countTokens(text, AS_PLAIN_TEXT);
  let total = 0;
  for (let start = 0; start < text.length; ) {
    let end = Math.min(text.length, start + PIECE);
    if (end < text.length) {
      // Cut after whitespace where there is some, so words stay whole.
      const space = text.lastIndexOf(' ', end);
      if (space > start) end = space + 1;
    }
    total += countTokens(text.slice(start, end), AS_PLAIN_TEXT);
    start = end;
  }
  return total;
}

/** Tokens a chat format adds per message (role markers and separators). */
const PER_MESSAGE_OVERHEAD = 4;

function textOfContent(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (typeof part === 'object' && part !== null && 'text' in part && typeof part.text === 'string' ? part.text : ''))
      .join('\n');
  }
  return '';
}

/** What of an input is counted: its texts, and the tokens its format adds around them. */
export interface CountedTexts {
  texts: string[];
  overhead: number;
}

/** The texts of an item's input that the provider bills as input tokens, for its operation. */
export function inputTexts(operation: Operation, input: Record<string, unknown>): CountedTexts {
  const main = input['input'];
  if (operation === 'embeddings') return { texts: Array.isArray(main) ? main.map(String) : [String(main ?? '')], overhead: 0 };
  // Instructions are billed as input by the providers, so they are counted too.
  const texts = typeof input['instructions'] === 'string' ? [input['instructions']] : [];
  if (typeof main === 'string') return { texts: [...texts, main], overhead: 0 };
  const messages = Array.isArray(main) ? main : input['messages'];
  if (!Array.isArray(messages)) return { texts, overhead: 0 };
  for (const message of messages) {
    texts.push(textOfContent(typeof message === 'object' && message !== null && 'content' in message ? message.content : message));
  }
  return { texts, overhead: messages.length * PER_MESSAGE_OVERHEAD };
}

/** Input tokens of an item's input for its operation. */
export function countInputTokens(operation: Operation, input: Record<string, unknown>): number {
  const { texts, overhead } = inputTexts(operation, input);
  return texts.reduce((sum, text) => sum + countTextTokens(text), overhead);
}

/** The output-limit fields, and the largest value any of them may take. */
export const OUTPUT_LIMIT_FIELDS = ['max_output_tokens', 'max_completion_tokens', 'max_tokens'] as const;
export const MAX_OUTPUT_LIMIT = 1_000_000;

/** The output limit an item sets, under any of the names the operations use. */
export function requestedMaxOutput(input: Record<string, unknown>): number | null {
  for (const name of OUTPUT_LIMIT_FIELDS) {
    const value = input[name];
    if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  }
  return null;
}
