/**
 * The results artifact of a finished batch: a JSONL download behind a signed, expiring link that
 * needs no API key (so it can be handed to a download tool), streamed from the database page by
 * page so memory stays flat however many rows there are.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { resultsPage, type ResultRow } from '../db/queries/batch-items.ts';
import { formatUsd } from '../money.ts';
import type { RouteReceipt } from './batches.ts';
import { textPieces } from './text-pieces.ts';

export const ARTIFACT_LINK_LIFETIME_SECONDS = 15 * 60;
/** Rows per page of an artifact: about 300 KB of JSONL, few enough that the garbage of each page stays small. */
const PAGE = 250;
const SECRET_NAME = 'artifact_links';

/** The instance's link-signing key, shared by every process through the database. */
export async function loadSigningSecret(db: Kysely<DB>, now: Date): Promise<Buffer> {
  await db
    .insertInto('instance_secrets')
    .values({ name: SECRET_NAME, secret: randomBytes(32).toString('base64url'), created_at: now })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db.selectFrom('instance_secrets').select('secret').where('name', '=', SECRET_NAME).executeTakeFirstOrThrow();
  return Buffer.from(row.secret, 'base64url');
}

function signature(secret: Buffer, batchId: string, expires: number): string {
  return createHmac('sha256', secret).update(`${batchId}.${expires}`).digest('base64url');
}

/** A signed link's query part: `expires` (unix seconds) and `signature`. */
export function signArtifactLink(secret: Buffer, batchId: string, now: Date): { expires: number; signature: string } {
  const expires = Math.floor(now.getTime() / 1000) + ARTIFACT_LINK_LIFETIME_SECONDS;
  return { expires, signature: signature(secret, batchId, expires) };
}

/** True when the signature is this instance's for that batch and expiry, and it has not expired. */
export function verifyArtifactLink(secret: Buffer, batchId: string, expires: number, given: string, now: Date): boolean {
  if (!Number.isSafeInteger(expires) || expires * 1000 <= now.getTime()) return false;
  const expected = Buffer.from(signature(secret, batchId, expires));
  const actual = Buffer.from(given);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** One result row as the API and the artifact show it. */
export function presentResult(row: ResultRow) {
  const receipt = row.route_receipt as RouteReceipt;
  return {
    customer_item_id: row.customer_item_id,
    status: row.status,
    model: row.assigned_model,
    provider: receipt.selected.provider,
    lane: row.lane_id,
    output: row.output,
    usage: row.usage,
    cost: row.cost_micros === null ? null : formatUsd(row.cost_micros),
    error: row.error,
    route_receipt: receipt,
  };
}

/** Every result of a batch as JSONL lines, read a page at a time. */
export async function* artifactLines(db: Kysely<DB>, batchId: string): AsyncGenerator<string> {
  let after = 0;
  for (;;) {
    const rows = await resultsPage(db, batchId, after, PAGE);
    if (rows.length === 0) return;
    yield* textPieces(rows.map((row) => `${JSON.stringify(presentResult(row))}\n`));
    after = rows.at(-1)?.result_sequence ?? after;
    if (rows.length < PAGE) return;
  }
}
