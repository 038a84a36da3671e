/**
 * What the emulated model "says": deterministic text, token counts and embedding vectors derived
 * from the request alone, so a test can predict every byte of a response.
 *
 * - reply text: `Echo: ` + the first 60 characters of the last user text
 * - tokens: ceil(characters / 4), the usual rule of thumb for English
 * - embeddings: unit-length vectors from a SHA-256 of the input, float32-exact so the `float`
 *   and `base64` encodings decode to the same numbers
 */
import { stableHash } from './ids.ts';

export const ECHO_PREFIX = 'Echo: ';
export const ECHO_LENGTH = 60;
export const DEFAULT_EMBEDDING_DIMENSIONS = 8;

export function countTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export function echoText(lastUserText: string): string {
  return ECHO_PREFIX + lastUserText.slice(0, ECHO_LENGTH);
}

/** The reply cut to `maxTokens` (4 characters a token), and whether it had to be cut. */
export function limitText(text: string, maxTokens: number | null): { text: string; tokens: number; truncated: boolean } {
  const tokens = countTokens(text);
  if (maxTokens === null || tokens <= maxTokens) return { text, tokens, truncated: false };
  return { text: text.slice(0, maxTokens * 4), tokens: maxTokens, truncated: true };
}

/** A unit vector of `dimensions` float32 values, a pure function of `input`. */
export function embeddingVector(input: string, dimensions: number): number[] {
  const raw: number[] = [];
  for (let block = 0; raw.length < dimensions; block++) {
    const digest = stableHash(`${block}\0${input}`);
    for (let i = 0; i + 1 < digest.length && raw.length < dimensions; i += 2) {
      raw.push(((digest.readUInt16BE(i) / 65535) * 2 - 1) || 0.001);
    }
  }
  const norm = Math.sqrt(raw.reduce((sum, value) => sum + value * value, 0));
  return raw.map((value) => Math.fround(value / norm));
}

/** Little-endian float32 bytes in base64: the `encoding_format: "base64"` wire form. */
export function vectorToBase64(vector: readonly number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((value, index) => bytes.writeFloatLE(value, index * 4));
  return bytes.toString('base64');
}

/**
 * The text of a message `content`: a string, or an array of parts whose text parts
 * (`text`, `input_text`, `output_text`) are joined.
 */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: unknown) => {
      if (typeof part === 'string') return part;
      if (isRecord(part) && typeof part['text'] === 'string') return part['text'];
      return '';
    })
    .join('');
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
