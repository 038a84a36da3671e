/** The OpenAI endpoint of each operation: the client's path, and the `url` of a batch input line. */
import type { Operation } from '../../domain/catalog.ts';

export const ENDPOINTS: Record<Operation, { path: string; batchUrl: '/v1/responses' | '/v1/chat/completions' | '/v1/embeddings' }> = {
  responses: { path: '/responses', batchUrl: '/v1/responses' },
  'chat.completions': { path: '/chat/completions', batchUrl: '/v1/chat/completions' },
  embeddings: { path: '/embeddings', batchUrl: '/v1/embeddings' },
};

/** The operation of a batch's endpoint, or null for one BatchRouter does not send. */
export function operationOfBatchUrl(url: string): Operation | null {
  for (const [operation, endpoint] of Object.entries(ENDPOINTS)) if (endpoint.batchUrl === url) return operation as Operation;
  return null;
}
