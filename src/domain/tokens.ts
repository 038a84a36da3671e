/**
 * Token estimates for quotes, counted with a real tokenizer (o200k_base, the encoding of current
 * OpenAI models; a close estimate for other providers' models).
 */
import { countTokens } from 'gpt-tokenizer';
import type { Operation } from './catalog.ts';

/** Customer text is text: special-token markers such as <|endoftext|> are counted, not refused. */
const AS_PLAIN_TEXT = { disallowedSpecial: new Set<string>() };
const count = (text: string): number => countTokens(text, AS_PLAIN_TEXT);

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

function countMessages(messages: unknown[]): number {
  let total = 0;
  for (const message of messages) {
    const content = typeof message === 'object' && message !== null && 'content' in message ? message.content : message;
    total += count(textOfContent(content)) + PER_MESSAGE_OVERHEAD;
  }
  return total;
}

/** Input tokens of an item's input for its operation. */
export function countInputTokens(operation: Operation, input: Record<string, unknown>): number {
  const main = input['input'];
  if (operation === 'embeddings') {
    return Array.isArray(main) ? main.reduce<number>((sum, text) => sum + count(String(text)), 0) : count(String(main ?? ''));
  }
  if (typeof main === 'string') return count(main);
  const messages = Array.isArray(main) ? main : input['messages'];
  return Array.isArray(messages) ? countMessages(messages) : 0;
}

/** The output limit an item sets, under any of the names the operations use. */
export function requestedMaxOutput(input: Record<string, unknown>): number | null {
  for (const name of ['max_output_tokens', 'max_completion_tokens', 'max_tokens']) {
    const value = input[name];
    if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  }
  return null;
}
