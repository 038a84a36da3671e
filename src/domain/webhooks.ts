/**
 * Delivery webhooks: the workspace endpoint (save, read masked, rotate the secret, remove), the
 * per-batch override, and where an event goes. Every URL passes the address policy when it is
 * saved and again when each delivery connects (src/webhooks/safe-post.ts).
 */
import { isoTimestamp } from '../clock.ts';
import { deleteEndpoint, findEndpoint, updateEndpoint, upsertEndpoint, type EndpointRow } from '../db/queries/webhooks.ts';
import type { Executor } from '../db/schema.ts';
import type { WebhookPolicy } from '../webhooks/address-policy.ts';
import { checkWebhookUrl } from '../webhooks/address-policy.ts';
import type { HostResolver } from '../webhooks/resolver.ts';
import { resolveAndCheck } from '../webhooks/safe-post.ts';
import { generateWebhookSecret, maskSecret, webhookSecretProblem } from '../webhooks/signing.ts';
import { recordAudit } from './audit.ts';
import type { JobQueue } from './batches.ts';
import type { DomainContext, Principal, RequestOrigin } from './context.ts';
import { ApiError } from './errors.ts';
import type { SecretBox } from './secret-box.ts';

/** How long a rotated-out secret keeps signing beside the new one. */
export const PREVIOUS_SECRET_MS = 24 * 60 * 60 * 1000;

/** Records in the audit log what a key did to the org's webhooks. */
export async function auditWebhook(
  db: Executor,
  change: { principal: Principal; origin: RequestOrigin; action: string; at: Date; target?: { type: string; id: string }; details?: Record<string, unknown> },
): Promise<void> {
  await recordAudit(db, {
    orgId: change.principal.orgId,
    actor: change.principal.actor,
    action: change.action,
    target: change.target ?? { type: 'webhook', id: change.principal.orgId },
    origin: change.origin,
    ...(change.details !== undefined ? { details: change.details } : {}),
    at: change.at,
  });
}

/** What webhook code runs with, built once at start-up. */
export interface WebhookSettings {
  box: SecretBox;
  policy: WebhookPolicy;
  resolver: HostResolver;
  /** Extra certificate authorities trusted for receivers (PEM), beside the public roots. */
  ca: string | undefined;
  timeoutMs: number;
  retryBaseSeconds: number;
  retryWindowSeconds: number;
}

export interface WebhookContext extends DomainContext {
  webhooks: WebhookSettings;
  jobs: JobQueue;
}

function refused(problem: string, path: string): ApiError {
  return new ApiError('webhook_url_refused', `This webhook URL cannot be used: ${problem}.`, { details: [{ path, message: problem }] });
}

/** A webhook URL that passed the policy and resolves only to allowed addresses, or a 400 naming `path`. */
export async function checkedWebhookUrl(settings: WebhookSettings, raw: string, path: string): Promise<string> {
  const parsed = checkWebhookUrl(raw, settings.policy);
  if ('problem' in parsed) throw refused(parsed.problem, path);
  const resolved = await resolveAndCheck(parsed.url, settings.policy, settings.resolver);
  if ('problem' in resolved) throw refused(resolved.problem, path);
  return parsed.url.href;
}

/** A secret the customer chose, or a 400 naming `path`. */
export function checkedWebhookSecret(secret: string, path: string): string {
  const problem = webhookSecretProblem(secret);
  if (problem !== null) throw new ApiError('invalid_request', `The webhook secret ${problem}.`, { details: [{ path, message: problem }] });
  return secret;
}

/** The workspace endpoint as the API shows it: the secret only masked. */
export function presentEndpoint(endpoint: EndpointRow, now: Date) {
  const previousSigns = endpoint.previous_secret_expires_at !== null && endpoint.previous_secret_expires_at > now;
  return {
    url: endpoint.url,
    secret: endpoint.secret_hint,
    previous_secret_expires_at: previousSigns && endpoint.previous_secret_expires_at ? isoTimestamp(endpoint.previous_secret_expires_at) : null,
    status: endpoint.disabled_at === null ? ('enabled' as const) : ('disabled' as const),
    disabled_at: endpoint.disabled_at ? isoTimestamp(endpoint.disabled_at) : null,
    disabled_reason: endpoint.disabled_reason,
    created_at: isoTimestamp(endpoint.created_at),
    updated_at: isoTimestamp(endpoint.updated_at),
  };
}

async function endpointOrThrow(ctx: DomainContext, orgId: string): Promise<EndpointRow> {
  const endpoint = await findEndpoint(ctx.db, orgId);
  if (!endpoint) throw new ApiError('webhook_not_found', 'This workspace has no delivery webhook: save one with PUT /v1/auth/account/delivery-webhook.');
  return endpoint;
}

/** The workspace endpoint, masked; 404 when none is saved. */
export async function getEndpoint(ctx: WebhookContext, principal: Principal) {
  return presentEndpoint(await endpointOrThrow(ctx, principal.orgId), ctx.clock.now());
}

/**
 * Saves the workspace endpoint (and enables it again after a 410). Without a secret the current
 * one is kept, or one is generated for a new endpoint; a generated secret is returned this once.
 */
export async function saveEndpoint(ctx: WebhookContext, principal: Principal, input: { url: string; secret?: string }, origin: RequestOrigin) {
  const url = await checkedWebhookUrl(ctx.webhooks, input.url, 'url').catch(async (error: unknown) => {
    // A refused URL may be someone probing the network through us: the audit log keeps each try.
    if (error instanceof ApiError && error.code === 'webhook_url_refused') {
      await auditWebhook(ctx.db, { principal, origin, action: 'webhook.url_refused', at: ctx.clock.now(), details: { url: input.url.slice(0, 512), reason: error.message } });
    }
    throw error;
  });
  const chosen = input.secret !== undefined ? checkedWebhookSecret(input.secret, 'secret') : undefined;
  const now = ctx.clock.now();
  const existing = await findEndpoint(ctx.db, principal.orgId);
  // A new secret replaces both the current and any rotated-out one; no secret keeps them as they are.
  const fresh = (secret: string) => ({ secret_encrypted: ctx.webhooks.box.seal(secret), secret_hint: maskSecret(secret), previous_secret_encrypted: null, previous_secret_expires_at: null });
  let generated: string | undefined;
  let secretColumns: Pick<EndpointRow, 'secret_encrypted' | 'secret_hint' | 'previous_secret_encrypted' | 'previous_secret_expires_at'>;
  if (chosen !== undefined) secretColumns = fresh(chosen);
  else if (existing) secretColumns = existing;
  else {
    generated = generateWebhookSecret();
    secretColumns = fresh(generated);
  }
  await ctx.db.transaction().execute(async (trx) => {
    await upsertEndpoint(trx, {
      org_id: principal.orgId,
      url,
      secret_encrypted: secretColumns.secret_encrypted,
      secret_hint: secretColumns.secret_hint,
      previous_secret_encrypted: secretColumns.previous_secret_encrypted,
      previous_secret_expires_at: secretColumns.previous_secret_expires_at,
      created_at: now,
      updated_at: now,
    });
    await auditWebhook(trx, { principal, origin, action: 'webhook.saved', at: now, details: { url, secret: chosen !== undefined ? 'chosen' : generated !== undefined ? 'generated' : 'kept' } });
  });
  return { ...presentEndpoint(await endpointOrThrow(ctx, principal.orgId), now), ...(generated !== undefined ? { secret: generated } : {}) };
}

/** Replaces the signing secret; the new one is returned this once, the old one keeps signing for 24 hours. */
export async function rotateEndpointSecret(ctx: WebhookContext, principal: Principal, origin: RequestOrigin) {
  const now = ctx.clock.now();
  const secret = generateWebhookSecret();
  await ctx.db.transaction().execute(async (trx) => {
    const endpoint = await findEndpoint(trx, principal.orgId);
    if (!endpoint) throw new ApiError('webhook_not_found', 'This workspace has no delivery webhook to rotate: save one first.');
    await updateEndpoint(trx, principal.orgId, {
      secret_encrypted: ctx.webhooks.box.seal(secret),
      secret_hint: maskSecret(secret),
      previous_secret_encrypted: endpoint.secret_encrypted,
      previous_secret_expires_at: new Date(now.getTime() + PREVIOUS_SECRET_MS),
      updated_at: now,
    });
    await auditWebhook(trx, { principal, origin, action: 'webhook.secret_rotated', at: now });
  });
  return { ...presentEndpoint(await endpointOrThrow(ctx, principal.orgId), now), secret };
}

/** Removes the workspace endpoint; deliveries still pending for it are cancelled when they come up. */
export async function removeEndpoint(ctx: WebhookContext, principal: Principal, origin: RequestOrigin): Promise<void> {
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    if (!(await deleteEndpoint(trx, principal.orgId))) throw new ApiError('webhook_not_found', 'This workspace has no delivery webhook.');
    await auditWebhook(trx, { principal, origin, action: 'webhook.removed', at: now });
  });
}

/** Where a delivery goes and the secrets that sign it (newest first), or why it cannot go. */
export type DeliveryTarget = { url: string; secrets: string[] } | { stopped: string };

/** Disables the workspace endpoint after a 410 Gone. */
export async function disableEndpoint(db: Executor, orgId: string, reason: string, at: Date): Promise<void> {
  await updateEndpoint(db, orgId, { disabled_at: at, disabled_reason: reason, updated_at: at });
}

/** The workspace endpoint's URL and secrets now, for a delivery to it. */
export async function workspaceTarget(ctx: WebhookContext, db: Executor, orgId: string): Promise<DeliveryTarget> {
  const endpoint = await findEndpoint(db, orgId);
  if (!endpoint) return { stopped: 'the workspace endpoint was removed' };
  if (endpoint.disabled_at !== null) return { stopped: `the workspace endpoint is disabled: ${endpoint.disabled_reason ?? 'by the receiver'}` };
  const secrets = [ctx.webhooks.box.open(endpoint.secret_encrypted)];
  const now = ctx.clock.now();
  if (endpoint.previous_secret_encrypted !== null && endpoint.previous_secret_expires_at !== null && endpoint.previous_secret_expires_at > now) {
    secrets.push(ctx.webhooks.box.open(endpoint.previous_secret_encrypted));
  }
  return { url: endpoint.url, secrets };
}
