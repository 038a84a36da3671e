/** A short, readable excerpt of a result's output, whatever the operation. */

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function textOf(output: unknown): string | null {
  if (!isRecord(output)) return typeof output === 'string' ? output : null;
  // A result's output is {text, embeddings?, raw}: the text when there is one, else the provider's answer.
  if (typeof output['text'] === 'string') return output['text'];
  if (Array.isArray(output['embeddings'])) {
    const first: unknown = output['embeddings'][0];
    return `${output['embeddings'].length} embedding${output['embeddings'].length === 1 ? '' : 's'}${Array.isArray(first) ? ` of ${first.length} dimensions` : ''}`;
  }
  if (output['raw'] !== undefined) return textOf(output['raw']);
  if (typeof output['output_text'] === 'string') return output['output_text'];
  // Responses API: output[].content[].text
  if (Array.isArray(output['output'])) {
    const texts = output['output'].flatMap((part) => (isRecord(part) && Array.isArray(part['content']) ? part['content'] : [])).map((content) => (isRecord(content) && typeof content['text'] === 'string' ? content['text'] : '')).filter(Boolean);
    if (texts.length > 0) return texts.join(' ');
  }
  // Chat completions: choices[0].message.content
  if (Array.isArray(output['choices'])) {
    const first: unknown = output['choices'][0];
    if (isRecord(first) && isRecord(first['message']) && typeof first['message']['content'] === 'string') return first['message']['content'];
  }
  // Embeddings: data[0].embedding
  if (Array.isArray(output['data'])) {
    const first: unknown = output['data'][0];
    if (isRecord(first) && Array.isArray(first['embedding'])) return `Embedding of ${first['embedding'].length} dimensions`;
  }
  return null;
}

export function outputExcerpt(output: unknown, length = 140): string {
  if (output === null || output === undefined) return '';
  const text = textOf(output) ?? JSON.stringify(output);
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}
