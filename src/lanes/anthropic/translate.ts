/**
 * OpenAI-shaped item inputs (responses and chat.completions) as Anthropic Messages parameters:
 * system and developer turns become the `system` prompt, user and assistant turns the messages
 * (consecutive turns of one role joined), text and image parts their blocks, the output limit
 * `max_tokens` (always set: Anthropic requires it), stop strings its `stop_sequences`. Sampling
 * settings (temperature, top_p) are left out: the current Messages API takes none.
 * What has no faithful translation (tools, structured output, audio…) is refused with a clear,
 * final error instead of being dropped.
 */
import { requestedMaxOutput } from '../../domain/tokens.ts';
import type { LaneError, LaneRequest } from '../types.ts';
import { isRecord } from '../../domain/records.ts';

export type TextBlock = { type: 'text'; text: string };
export type ImageBlock = { type: 'image'; source: { type: 'url'; url: string } | { type: 'base64'; media_type: ImageMediaType; data: string } };
type ImageMediaType = 'image/jpeg' | 'image/png' | 'image/gif' | 'image/webp';
export type Block = TextBlock | ImageBlock;

export interface MessagesParams {
  model: string;
  max_tokens: number;
  messages: { role: 'user' | 'assistant'; content: string | Block[] }[];
  system?: string;
  stop_sequences?: string[];
}

export type Translation = { params: MessagesParams } | { error: LaneError };


/** Fields translated below, or that Anthropic has no use for (sampling settings among them): left out. */
const IGNORED = new Set(['model', 'input', 'messages', 'instructions', 'max_output_tokens', 'max_completion_tokens', 'max_tokens', 'temperature', 'top_p', 'stop', 'metadata', 'user', 'store', 'seed', 'service_tier', 'parallel_tool_calls', 'stream', 'n']);
const IMAGE_TYPES: readonly ImageMediaType[] = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];

class Untranslatable extends Error {}

function refuse(message: string): never {
  throw new Untranslatable(message);
}

function image(url: unknown): ImageBlock {
  if (typeof url !== 'string') refuse('an image part needs a URL');
  const data = /^data:([^;]+);base64,(.*)$/s.exec(url);
  if (!data) return { type: 'image', source: { type: 'url', url } };
  const mediaType = IMAGE_TYPES.find((type) => type === data[1]);
  if (!mediaType) refuse(`images of type ${data[1] ?? 'unknown'} are not supported by Anthropic (jpeg, png, gif, webp are)`);
  return { type: 'image', source: { type: 'base64', media_type: mediaType, data: data[2] ?? '' } };
}

function block(part: unknown): Block {
  if (typeof part === 'string') return { type: 'text', text: part };
  if (!isRecord(part)) refuse('a content part must be an object');
  const type = part['type'];
  if ((type === 'text' || type === 'input_text' || type === 'output_text') && typeof part['text'] === 'string') return { type: 'text', text: part['text'] };
  if (type === 'image_url') return image(isRecord(part['image_url']) ? part['image_url']['url'] : part['image_url']);
  if (type === 'input_image') return image(part['image_url']);
  return refuse(`content parts of type ${String(type)} have no Anthropic equivalent`);
}

function text(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) refuse('a system message needs text content');
  return content.map((part) => {
    const converted = block(part);
    return converted.type === 'text' ? converted.text : refuse('a system message can hold only text');
  }).join('\n');
}

/** Turns as Anthropic takes them: system text apart, consecutive user or assistant turns joined. */
function turns(messages: unknown[], system: string[]): MessagesParams['messages'] {
  const out: MessagesParams['messages'] = [];
  for (const message of messages) {
    if (!isRecord(message)) refuse('each message must be an object');
    if (message['type'] !== undefined && message['type'] !== 'message') refuse(`input items of type ${String(message['type'])} have no Anthropic equivalent`);
    const role = message['role'];
    if (role === 'system' || role === 'developer') {
      system.push(text(message['content']));
      continue;
    }
    if (role !== 'user' && role !== 'assistant') refuse(`messages of role ${String(role)} (tool calls) have no Anthropic equivalent here`);
    const content = message['content'];
    const blocks: Block[] = typeof content === 'string' ? [{ type: 'text', text: content }] : Array.isArray(content) ? content.map(block) : refuse('message content must be text or an array of parts');
    const last = out.at(-1);
    if (last && last.role === role) {
      const earlier: Block[] = typeof last.content === 'string' ? [{ type: 'text', text: last.content }] : last.content;
      last.content = [...earlier, ...blocks];
    } else {
      out.push({ role, content: typeof content === 'string' ? content : blocks });
    }
  }
  if (out.length === 0) refuse('there is no user message to answer');
  return out;
}

/** The Messages parameters of a request, or why it cannot run on Anthropic. */
export function toMessagesParams(request: LaneRequest, defaultMaxTokens: number): Translation {
  const body = request.body;
  try {
    if (request.operation === 'embeddings') refuse('Anthropic does not serve embeddings');
    for (const key of Object.keys(body)) if (!IGNORED.has(key)) refuse(`${key} has no Anthropic equivalent; run this item on an OpenAI lane`);
    if (body['stream'] === true) refuse('streaming is not available in batches');
    if (typeof body['n'] === 'number' && body['n'] !== 1) refuse('n above 1 has no Anthropic equivalent');
    const system: string[] = typeof body['instructions'] === 'string' ? [body['instructions']] : [];
    const input = body['input'];
    const source = request.operation === 'chat.completions' ? body['messages'] : typeof input === 'string' ? [{ role: 'user', content: input }] : Array.isArray(input) ? input : body['messages'];
    if (!Array.isArray(source)) refuse('the request holds no messages');
    const messages = turns(source, system);
    const params: MessagesParams = { model: request.model, max_tokens: Math.max(1, requestedMaxOutput(body) ?? defaultMaxTokens), messages };
    if (system.length > 0) params.system = system.join('\n\n');
    const stop = body['stop'];
    if (typeof stop === 'string') params.stop_sequences = [stop];
    else if (Array.isArray(stop)) params.stop_sequences = stop.filter((s): s is string => typeof s === 'string');
    return { params };
  } catch (error) {
    if (!(error instanceof Untranslatable)) throw error;
    return { error: { code: 'unsupported_by_provider', message: error.message, retryable: false } };
  }
}
