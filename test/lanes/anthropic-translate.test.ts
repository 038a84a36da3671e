/**
 * Item inputs in OpenAI's shapes as Anthropic Messages parameters, against the Messages API's
 * documented request: system apart, user/assistant turns, text and image blocks, max_tokens
 * always set; what has no faithful translation refused, final, with the reason.
 */
import { describe, expect, it } from 'vitest';
import { toMessagesParams } from '../../src/lanes/anthropic/translate.ts';
import type { LaneRequest } from '../../src/lanes/types.ts';

const MODEL = 'claude-haiku-4-5';
const request = (operation: LaneRequest['operation'], body: Record<string, unknown>): LaneRequest => ({ customId: '1-1', operation, model: MODEL, body: { ...body, model: MODEL }, estimatedTokens: 0 });

describe('chat.completions to Messages', () => {
  it('moves system and developer messages to `system`, keeps the turns, sets max_tokens from the item, leaves sampling out', () => {
    const translated = toMessagesParams(
      request('chat.completions', {
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
          { role: 'user', content: 'Summarise the ticket.' },
          { role: 'assistant', content: 'Which ticket?' },
          { role: 'user', content: [{ type: 'text', text: 'Ticket 7.' }] },
        ],
        max_completion_tokens: 200,
        temperature: 1.6,
        top_p: 0.9,
        stop: ['END'],
        user: 'customer-42',
      }),
      1_024,
    );
    expect(translated).toEqual({
      params: {
        model: MODEL,
        max_tokens: 200,
        system: 'You are terse.\n\nAnswer in French.',
        messages: [
          { role: 'user', content: 'Summarise the ticket.' },
          { role: 'assistant', content: 'Which ticket?' },
          { role: 'user', content: [{ type: 'text', text: 'Ticket 7.' }] },
        ],
        stop_sequences: ['END'],
      },
    });
    // The current Messages API takes no sampling settings: temperature and top_p are left out.
    expect(translated).not.toHaveProperty('params.temperature');
  });

  it('joins consecutive turns of one role, and uses the model\'s default output limit when the item sets none', () => {
    const translated = toMessagesParams(request('chat.completions', { messages: [{ role: 'user', content: 'One.' }, { role: 'user', content: 'Two.' }], max_tokens: undefined, stop: 'STOP' }), 777);
    expect(translated).toEqual({
      params: {
        model: MODEL,
        max_tokens: 777,
        messages: [{ role: 'user', content: [{ type: 'text', text: 'One.' }, { type: 'text', text: 'Two.' }] }],
        stop_sequences: ['STOP'],
      },
    });
  });

  it('turns image parts into image blocks: URLs as url sources, data URLs as base64', () => {
    const translated = toMessagesParams(
      request('chat.completions', {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is this?' },
              { type: 'image_url', image_url: { url: 'https://images.example/cat.png' } },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            ],
          },
        ],
      }),
      64,
    );
    expect(translated).toMatchObject({
      params: {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is this?' },
              { type: 'image', source: { type: 'url', url: 'https://images.example/cat.png' } },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            ],
          },
        ],
      },
    });
  });
});

describe('responses to Messages', () => {
  it('takes a string input as the user turn and instructions as the system prompt', () => {
    expect(toMessagesParams(request('responses', { input: 'Classify: refund please', instructions: 'One word.', max_output_tokens: 5 }), 1_024)).toEqual({
      params: { model: MODEL, max_tokens: 5, system: 'One word.', messages: [{ role: 'user', content: 'Classify: refund please' }] },
    });
  });

  it('takes message items with input_text and output_text parts', () => {
    const translated = toMessagesParams(
      request('responses', {
        input: [
          { role: 'developer', content: 'Be kind.' },
          { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hi' }] },
          { role: 'assistant', content: [{ type: 'output_text', text: 'Hello' }] },
          { role: 'user', content: 'Bye' },
        ],
      }),
      300,
    );
    expect(translated).toEqual({
      params: {
        model: MODEL,
        max_tokens: 300,
        system: 'Be kind.',
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
          { role: 'assistant', content: [{ type: 'text', text: 'Hello' }] },
          { role: 'user', content: 'Bye' },
        ],
      },
    });
  });
});

describe('what has no faithful translation is refused, final, with the reason', () => {
  it.each([
    ['tools', request('chat.completions', { messages: [{ role: 'user', content: 'x' }], tools: [] }), /tools has no Anthropic equivalent/],
    ['structured output', request('chat.completions', { messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_object' } }), /response_format/],
    ['tool messages', request('chat.completions', { messages: [{ role: 'user', content: 'x' }, { role: 'tool', content: 'y' }] }), /role tool/],
    ['audio parts', request('chat.completions', { messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: {} }] }] }), /input_audio/],
    ['an unsupported image type', request('chat.completions', { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/bmp;base64,AA==' } }] }] }), /image\/bmp/],
    ['only a system prompt', request('chat.completions', { messages: [{ role: 'system', content: 'x' }] }), /no user message/],
    ['several choices', request('chat.completions', { messages: [{ role: 'user', content: 'x' }], n: 3 }), /n above 1/],
    ['embeddings', request('embeddings', { input: 'x' }), /embeddings/],
  ])('%s', (_name, input, reason) => {
    const translated = toMessagesParams(input, 100);
    expect(translated).toMatchObject({ error: { code: 'unsupported_by_provider', retryable: false } });
    expect('error' in translated && translated.error.message).toMatch(reason);
  });
});
