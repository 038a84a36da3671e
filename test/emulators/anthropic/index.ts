/**
 * A local emulator of the Anthropic HTTP API (Messages and Message Batches) for tests: real HTTP
 * on 127.0.0.1, Anthropic's paths, headers, objects and error bodies, deterministic answers and
 * run-time fault injection. Point the official client at it with `new Anthropic({ baseURL, apiKey })`.
 *
 * @example
 * const emulator = await startAnthropicEmulator();
 * const client = new Anthropic({ baseURL: emulator.baseURL, apiKey: emulator.apiKey });
 * await client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] });
 * emulator.control.overloadedNext(1);
 * await emulator.close();
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BatchStore } from './batches.ts';
import { makeControl, type EmulatorControl } from './control.ts';
import { EmulatorError } from './errors.ts';
import { FaultState } from './faults.ts';
import { makeIdSource } from './ids.ts';
import { handleRequest, type RecordedRequest } from './routes.ts';

export type { EmulatorControl } from './control.ts';
export type { RecordedRequest, RecordedHeader } from './routes.ts';
export type { FaultScope } from './faults.ts';
export type { ItemFailureRule, ResultLine } from './batches.ts';
export type { AnthropicErrorType } from './errors.ts';

export interface AnthropicEmulatorOptions {
  /** The only `x-api-key` accepted. */
  apiKey?: string;
  /** `anthropic-version` values accepted; by default the documented ones and the one this SDK sends. */
  acceptedVersions?: readonly string[];
  /** When given, other models get 404 `not_found_error` ("model: …"); by default any model is served. */
  knownModels?: readonly string[];
  /** Delay before each `POST /v1/messages` answers (default 0). */
  latencyMs?: number;
  /** Time per request in a batch (default 5 ms). */
  batchItemMs?: number;
  /** Time a canceled batch stays `canceling` (default 20 ms). */
  cancelMs?: number;
  /** Time from batch creation to `expires_at` (default 24 hours, as documented). */
  batchExpiryMs?: number;
  /** How often the batch engine runs (default 5 ms). */
  tickMs?: number;
  /** Body size limits (defaults: 32 MB for Messages, 256 MB for Batches, 100,000 requests per batch). */
  maxMessageBytes?: number;
  maxBatchBytes?: number;
  maxBatchRequests?: number;
  /** The clock, in epoch milliseconds (default Date.now). */
  now?: () => number;
  /** Fixes the instance part of generated ids, for repeatable runs (default random). */
  idSeed?: number;
}

export interface AnthropicEmulator {
  /** e.g. http://127.0.0.1:PORT, exactly what `new Anthropic({ baseURL })` takes. */
  baseURL: string;
  apiKey: string;
  /** Every request received, in arrival order. */
  requests: RecordedRequest[];
  control: EmulatorControl;
  close(): Promise<void>;
}

const MEGABYTE = 1024 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;
/** 2023-01-01 and 2023-06-01 are the documented versions; 2026-10-21 is what @anthropic-ai/sdk 1.x sends. */
const DEFAULT_VERSIONS = ['2023-01-01', '2023-06-01', '2026-10-21'];

/** Starts an emulator on 127.0.0.1 on a free port. */
export async function startAnthropicEmulator(options: AnthropicEmulatorOptions = {}): Promise<AnthropicEmulator> {
  const now = options.now ?? Date.now;
  const apiKey = options.apiKey ?? 'sk-ant-emulator-0123456789';
  const ids = makeIdSource(options.idSeed);
  const faults = new FaultState();
  faults.latencyMs = options.latencyMs ?? 0;
  const knownModels = options.knownModels ? new Set(options.knownModels) : null;
  const checkModel = (model: string): void => {
    if (knownModels && !knownModels.has(model)) throw new EmulatorError('not_found_error', `model: ${model}`);
  };
  let baseURL = '';
  const batches = new BatchStore({
    ids,
    now,
    checkModel,
    resultsUrl: (id) => `${baseURL}/v1/messages/batches/${id}/results`,
    timing: { itemMs: options.batchItemMs ?? 5, cancelMs: options.cancelMs ?? 20, expiryMs: options.batchExpiryMs ?? DAY_MS },
    maxRequests: options.maxBatchRequests ?? 100_000,
  });
  const requests: RecordedRequest[] = [];
  const context = {
    apiKey,
    acceptedVersions: new Set(options.acceptedVersions ?? DEFAULT_VERSIONS),
    ids,
    faults,
    batches,
    checkModel,
    limits: { messageBytes: options.maxMessageBytes ?? 32 * MEGABYTE, batchBytes: options.maxBatchBytes ?? 256 * MEGABYTE },
    now,
    record: (entry: RecordedRequest) => requests.push(entry),
  };
  const server = createServer((request, response) => void handleRequest(request, response, context));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ticker = setInterval(() => batches.tick(), options.tickMs ?? 5);
  ticker.unref();
  return {
    baseURL,
    apiKey,
    requests,
    control: makeControl(faults, batches),
    async close() {
      clearInterval(ticker);
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
