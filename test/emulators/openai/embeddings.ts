/**
 * `POST /v1/embeddings`: `{ object: "list", data: [{ object: "embedding", index, embedding }],
 * model, usage: { prompt_tokens, total_tokens } }`. Honours `dimensions` and
 * `encoding_format` ("float" or "base64": the official Node client asks for base64 by default
 * and decodes it, so both must work).
 */
import { errorReply, invalidType, invalidValue, missingParameter } from './errors.ts';
import { checkModel, readTokenLimit, type EndpointContext, type EndpointResult } from './endpoint.ts';
import { countTokens, DEFAULT_EMBEDDING_DIMENSIONS, embeddingVector, vectorToBase64 } from './outputs.ts';

const ENCODINGS = ['float', 'base64'] as const;

export function createEmbeddings(body: Record<string, unknown>, _context: EndpointContext, defaultDimensions = DEFAULT_EMBEDDING_DIMENSIONS): EndpointResult {
  const problem = checkModel(body);
  if (problem) return problem;
  const inputs = readInputs(body['input']);
  if (!Array.isArray(inputs)) return inputs;
  const dimensions = readTokenLimit(body, 'dimensions', 1) ?? defaultDimensions;
  if (typeof dimensions === 'object') return dimensions;
  const encoding = body['encoding_format'] ?? 'float';
  if (encoding !== 'float' && encoding !== 'base64') return invalidValue('encoding_format', encoding, ENCODINGS);

  const promptTokens = inputs.reduce((sum, input) => sum + input.tokens, 0);
  return {
    status: 200,
    usage: { input: promptTokens, output: 0 },
    body: {
      object: 'list',
      data: inputs.map((input, index) => {
        const vector = embeddingVector(input.text, dimensions);
        return { object: 'embedding', index, embedding: encoding === 'base64' ? vectorToBase64(vector) : vector };
      }),
      model: String(body['model']),
      usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
    },
  };
}

interface EmbeddingInput {
  text: string;
  tokens: number;
}

/** `input` is a string, a list of strings, a token list, or a list of token lists. */
function readInputs(input: unknown): EmbeddingInput[] | ReturnType<typeof errorReply> {
  if (input === undefined || input === null) return missingParameter('input');
  const invalid = errorReply(400, "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.");
  if (typeof input === 'string') return input === '' ? invalid : [{ text: input, tokens: countTokens(input) }];
  if (!Array.isArray(input)) return invalidType('input', 'a string or an array', input);
  if (input.length === 0) return invalid;
  if (input.every((item: unknown) => typeof item === 'number')) return [{ text: input.join(','), tokens: input.length }];
  const inputs: EmbeddingInput[] = [];
  for (const item of input as unknown[]) {
    if (typeof item === 'string' && item !== '') inputs.push({ text: item, tokens: countTokens(item) });
    else if (Array.isArray(item) && item.length > 0 && item.every((token: unknown) => typeof token === 'number')) {
      inputs.push({ text: item.join(','), tokens: item.length });
    } else return invalid;
  }
  return inputs;
}
