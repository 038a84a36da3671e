/**
 * Model calls. `makeModelRunner` answers one request body for one endpoint (the per-item
 * failure rule first, then the endpoint itself): batch lines go through it, so a line's
 * `response.body` is exactly what the sync endpoint would have sent. `handleSyncCall` adds what
 * only live calls see: in-flight counting, injected 429s and 5xx, latency, rate-limit headers.
 */
import { createChatCompletion } from './chat-completions.ts';
import { createEmbeddings } from './embeddings.ts';
import { errorReply, formatDuration, invalidJsonBody, rateLimited, serverError } from './errors.ts';
import { isErrorResult, type EndpointContext, type EndpointResult, type ModelEndpoint } from './endpoint.ts';
import type { FaultState } from './faults.ts';
import { sleep, type Reply } from './http.ts';
import type { IdMaker } from './ids.ts';
import { isRecord } from './outputs.ts';
import { createResponse } from './responses.ts';

/** The limits reported in `x-ratelimit-*` headers; the emulator never enforces them by itself. */
const REQUESTS_PER_MINUTE = 500;
const TOKENS_PER_MINUTE = 200_000;

export interface ModelRunner {
  run(endpoint: ModelEndpoint, body: Record<string, unknown>, customId: string | null): EndpointResult;
}

export function makeModelRunner(state: FaultState, ids: IdMaker, nowSeconds: () => number, embeddingDimensions: number): ModelRunner {
  return {
    run(endpoint, body, customId) {
      const failure = state.itemRule?.({ customId, endpoint, body });
      if (failure) {
        if (failure.status_code < 400 || failure.status_code > 599) {
          // A misconfigured rule must be visible, not a plausible OpenAI answer (nor a crash in a batch timer).
          return errorReply(500, `OpenAI emulator: failItems returned status_code ${failure.status_code}; use a 4xx or 5xx.`, { type: 'emulator_error' });
        }
        const serverSide = failure.status_code >= 500;
        return errorReply(failure.status_code, failure.error.message, {
          type: failure.error.type ?? (serverSide ? 'server_error' : 'invalid_request_error'),
          param: failure.error.param ?? null,
          code: failure.error.code ?? null,
        });
      }
      const context: EndpointContext = { ids, nowSeconds: nowSeconds() };
      if (endpoint === '/v1/responses') return createResponse(body, context);
      if (endpoint === '/v1/chat/completions') return createChatCompletion(body, context);
      return createEmbeddings(body, context, embeddingDimensions);
    },
  };
}

export async function handleSyncCall(endpoint: ModelEndpoint, payload: Buffer, state: FaultState, runner: ModelRunner): Promise<Reply> {
  let body: unknown;
  try {
    body = JSON.parse(payload.toString('utf8'));
  } catch {
    return invalidJsonBody();
  }
  if (!isRecord(body)) return errorReply(400, 'The request body must be a JSON object.');

  state.inFlight += 1;
  state.maxConcurrent = Math.max(state.maxConcurrent, state.inFlight);
  try {
    if (state.rateLimitsLeft > 0) {
      state.rateLimitsLeft -= 1;
      const model = typeof body['model'] === 'string' ? body['model'] : 'this model';
      const reply = rateLimited(model, state.retryAfterSeconds);
      const waitMs = state.retryAfterSeconds * 1000;
      return { ...reply, headers: { 'retry-after': String(state.retryAfterSeconds), ...rateLimitHeaders(0, waitMs, TOKENS_PER_MINUTE) } };
    }
    if (state.serverErrorsLeft > 0) {
      state.serverErrorsLeft -= 1;
      return serverError(state.serverErrorStatus);
    }
    await sleep(state.latencyMs);
    const result = runner.run(endpoint, body, null);
    const tokens = isErrorResult(result) ? 0 : result.usage.input + result.usage.output;
    return { status: result.status, body: result.body, headers: rateLimitHeaders(REQUESTS_PER_MINUTE - 1, 120, TOKENS_PER_MINUTE - tokens) };
  } finally {
    state.inFlight -= 1;
  }
}

function rateLimitHeaders(remainingRequests: number, resetMs: number, remainingTokens: number): Record<string, string> {
  return {
    'x-ratelimit-limit-requests': String(REQUESTS_PER_MINUTE),
    'x-ratelimit-remaining-requests': String(remainingRequests),
    'x-ratelimit-reset-requests': formatDuration(resetMs),
    'x-ratelimit-limit-tokens': String(TOKENS_PER_MINUTE),
    'x-ratelimit-remaining-tokens': String(Math.max(0, remainingTokens)),
    'x-ratelimit-reset-tokens': formatDuration(resetMs),
  };
}
