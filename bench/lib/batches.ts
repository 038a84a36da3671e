/**
 * Batches through the HTTP API for benchmarks: realistic manifests of any size, an org with
 * plenty of credits, submit and quote timed from the client, and waiting for a batch to reach a
 * status.
 */
import { request as httpRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

const TERMINAL = ['completed', 'failed', 'cancelled', 'expired'];
/** How often a wait looks at the batch's status. */
const POLL_INTERVAL_MS = 250;

// Prompts are built by a seeded generator from common words plus a made-up customer name and an
// order number per item: varied text (so the tokenizer does real work, not only cache hits) that
// is the same in every run.
const WORDS = (
  'the customer reports that order invoice shipment arrived late damaged missing refund request ' +
  'please summarize classify translate into French extract entities sentiment from this support ' +
  'ticket email review about our product subscription billing account password reset error when ' +
  'loading dashboard mobile app crashes after update payment declined twice warehouse delivery ' +
  'courier tracking number shows delivered but nothing was received neighbour building reception ' +
  'replacement exchange size colour wrong item charged shipping fee discount code expired coupon ' +
  'loyalty points balance disappeared login two-factor authentication SMS never arrives upgrade ' +
  'downgrade plan annual monthly cancellation confirmation receipt VAT number company address'
).split(' ');
const SYLLABLES = ['ka', 'ri', 'mo', 'len', 'tas', 'ver', 'doh', 'min', 'sel', 'quo', 'bra', 'fin', 'zu', 'pel', 'ark', 'wen'];

/** A small deterministic generator (mulberry32), so manifests are the same in every run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function pick<T>(random: () => number, values: readonly T[]): T {
  const value = values[Math.floor(random() * values.length)];
  if (value === undefined) throw new Error('pick from nothing');
  return value;
}

function madeUpName(random: () => number): string {
  const name = Array.from({ length: 2 + Math.floor(random() * 2) }, () => pick(random, SYLLABLES)).join('');
  return name.charAt(0).toUpperCase() + name.slice(1);
}

function prompt(random: () => number, index: number): string {
  const order = String(Math.floor(random() * 10_000_000)).padStart(7, '0');
  const words = [`Ticket ${index} from ${madeUpName(random)} (order #${order}):`];
  let length = words[0]?.length ?? 0;
  while (length < 110) {
    const word = pick(random, WORDS);
    words.push(word);
    length += word.length + 1;
  }
  return `${words.join(' ')}.`;
}

export interface ManifestItem {
  customer_item_id: string;
  operation: 'responses';
  model: string;
  input: Record<string, unknown>;
}

export interface BenchManifest {
  sla_tier: 'flex' | 'standard' | 'priority';
  routing_mode: 'cheapest' | 'sla_aware' | 'fastest';
  allowed_regions?: string[];
  items: ManifestItem[];
}

/**
 * A manifest of `count` responses items for gpt-5.4-mini, about 200 bytes each as JSON (50,000
 * items ≈ 10 MB): three in four carry a plain string prompt, one in four a system and a user
 * message.
 */
export function benchManifest(count: number, routing: Pick<BenchManifest, 'sla_tier' | 'routing_mode' | 'allowed_regions'>): BenchManifest {
  const random = seededRandom(42);
  const items = Array.from({ length: count }, (_, i): ManifestItem => {
    const text = prompt(random, i);
    const input =
      i % 4 === 3
        ? { input: [{ role: 'system', content: 'Answer briefly.' }, { role: 'user', content: text }], max_output_tokens: 200 }
        : { input: text };
    return { customer_item_id: `item-${String(i).padStart(6, '0')}`, operation: 'responses', model: 'gpt-5.4-mini', input };
  });
  return { ...routing, items };
}

export class UnexpectedStatusError extends Error {
  override name = 'UnexpectedStatusError';
}

/** The body of a response that must have `status`, parsed as JSON; anything else throws with the body. */
export async function expectStatus(response: Response, status: number, what: string): Promise<Record<string, unknown>> {
  const text = await response.text();
  if (response.status !== status) throw new UnexpectedStatusError(`${what} answered ${response.status} (expected ${status}): ${text.slice(0, 2_000)}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** Registers an org (the server's starter credits decide its balance) and returns its owner key. */
export async function registerOrg(url: string): Promise<string> {
  const response = await fetch(`${url}/v1/auth/agent-register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  const body = await expectStatus(response, 201, 'POST /v1/auth/agent-register');
  if (typeof body['api_key'] !== 'string') throw new Error('agent-register returned no api_key');
  return body['api_key'];
}

export interface TimedResponse {
  body: Record<string, unknown>;
  /** From sending the request to having read the whole response. */
  ms: number;
  /** `performance.now()` when the request was sent. */
  startedAt: number;
}

/** POSTs an already encoded JSON body and times it from the client, answer included. */
export async function postJsonTimed(url: string, key: string, body: string, expected: number, headers: Record<string, string> = {}): Promise<TimedResponse> {
  const startedAt = performance.now();
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers }, body });
  const parsed = await expectStatus(response, expected, `POST ${new URL(url).pathname}`);
  return { body: parsed, ms: performance.now() - startedAt, startedAt };
}

/** Submits an encoded manifest as a new batch (a fresh Idempotency-Key) and returns its id with the timing. */
export async function submitBatch(url: string, key: string, body: string, idempotencyKey: string): Promise<TimedResponse & { id: string }> {
  const submitted = await postJsonTimed(`${url}/v1/batches`, key, body, 201, { 'idempotency-key': idempotencyKey });
  const id = submitted.body['id'];
  if (typeof id !== 'string') throw new Error('submit returned no batch id');
  return { ...submitted, id };
}

/** GETs a JSON document with the key, expecting 200. */
export async function getJson(url: string, key: string): Promise<Record<string, unknown>> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  return expectStatus(response, 200, `GET ${new URL(url).pathname}`);
}

/**
 * GETs a JSON document with node:http, which, unlike fetch (300 s), sets no limit on how long the
 * server may take to answer: a status poll that a busy server answers late is a figure, not a crash.
 */
async function getJsonPatiently(url: string, key: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { headers: { authorization: `Bearer ${key}` } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (response.statusCode !== 200) reject(new UnexpectedStatusError(`GET ${new URL(url).pathname} answered ${response.statusCode}: ${text.slice(0, 2_000)}`));
        else resolve(JSON.parse(text) as Record<string, unknown>);
      });
    });
    request.on('error', reject);
    request.end();
  });
}

/** What a wait saw of the server while it worked. */
export interface PollStats {
  polls: number;
  /** The longest a status poll waited for its answer. */
  slowestPollMs: number;
}

/**
 * Polls a batch until its status is one of `statuses` (or any terminal one, which ends the wait
 * too) and returns the batch; throws after `timeoutMs`. It polls `GET …/results?limit=1` for
 * `batch_status`, not `GET /v1/batches/{id}`: that one counts the batch's items by status on every
 * call (about 0.2 s of database time at 100,000 items), which would load the server under test.
 * `stats`, when given, records how quickly the polls were answered.
 */
export async function waitForBatch(
  url: string,
  key: string,
  batchId: string,
  statuses: readonly string[],
  timeoutMs: number,
  stats: PollStats = { polls: 0, slowestPollMs: 0 },
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const sentAt = performance.now();
    const page = await getJsonPatiently(`${url}/v1/batches/${batchId}/results?limit=1`, key);
    stats.polls++;
    stats.slowestPollMs = Math.max(stats.slowestPollMs, performance.now() - sentAt);
    const status = String(page['batch_status']);
    if (statuses.includes(status) || TERMINAL.includes(status)) return getJsonPatiently(`${url}/v1/batches/${batchId}`, key);
    if (Date.now() > deadline) throw new Error(`batch ${batchId} still ${status} after ${timeoutMs / 1000} s`);
    await sleep(POLL_INTERVAL_MS);
  }
}

/** Waits until a batch has finished, and checks that every item succeeded. */
export async function waitForCompletion(url: string, key: string, batchId: string, items: number, timeoutMs: number, stats?: PollStats): Promise<Record<string, unknown>> {
  const batch = await waitForBatch(url, key, batchId, TERMINAL, timeoutMs, stats);
  const succeeded = (batch['counts'] as Record<string, number> | undefined)?.['succeeded'];
  if (batch['status'] !== 'completed' || succeeded !== items) {
    throw new Error(`batch ${batchId} ended ${String(batch['status'])} with ${String(succeeded)} of ${items} items succeeded: ${JSON.stringify(batch)}`);
  }
  return batch;
}
