/**
 * Provider API keys an org stores so that BatchRouter can fetch the org's own data from the
 * provider (OpenAI Batch files for the optimization report). A key is sealed with the instance's
 * secret box (AES-256-GCM, key outside the database), shown back only masked, and opened only to
 * make the provider call.
 */
import { deleteProviderKey, findProviderKey, upsertProviderKey } from '../../db/queries/provider-keys.ts';
import type { ProviderKeysTable } from '../../db/schema.ts';
import { isoTimestamp } from '../../clock.ts';
import { recordAudit } from '../audit.ts';
import type { DomainContext, Principal, RequestOrigin } from '../context.ts';
import { ApiError } from '../errors.ts';
import { SecretBoxError, type SecretBox } from '../secret-box.ts';

export const KEY_PROVIDERS = ['openai'] as const satisfies readonly ProviderKeysTable['provider'][];
export type KeyProvider = (typeof KEY_PROVIDERS)[number];

export interface ProviderKeyContext extends DomainContext {
  /** Seals and opens stored secrets (the server's webhook secret box). */
  box: SecretBox;
}

/** The key as it may be shown: its first three and last four characters. @example maskKey('sk-proj-abcd…wxyz') // 'sk-…wxyz' */
export function maskKey(key: string): string {
  return `${key.slice(0, 3)}…${key.slice(-4)}`;
}

type KeyRow = NonNullable<Awaited<ReturnType<typeof findProviderKey>>>;

function present(row: KeyRow) {
  return { object: 'provider_key' as const, provider: row.provider, api_key: row.key_hint, created_at: isoTimestamp(row.created_at), updated_at: isoTimestamp(row.updated_at) };
}

function notFound(provider: KeyProvider): ApiError {
  return new ApiError('provider_key_not_found', `Your org has stored no ${provider} API key: an owner or admin stores one with PUT /v1/auth/account/provider-keys/${provider}.`);
}

/** Stores (or replaces) the org's key for `provider`, sealed; answers it masked. */
export async function saveProviderKey(ctx: ProviderKeyContext, principal: Principal, provider: KeyProvider, apiKey: string, origin: RequestOrigin) {
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    const existed = (await findProviderKey(trx, principal.orgId, provider)) !== undefined;
    await upsertProviderKey(trx, { org_id: principal.orgId, provider, key_encrypted: ctx.box.seal(apiKey), key_hint: maskKey(apiKey), created_at: now, updated_at: now });
    await recordAudit(trx, { orgId: principal.orgId, actor: principal.actor, action: existed ? 'provider_key.replaced' : 'provider_key.saved', target: { type: 'provider_key', id: provider }, origin, at: now });
  });
  return getProviderKey(ctx, principal, provider);
}

/** The org's key for `provider`, masked, or a 404. */
export async function getProviderKey(ctx: DomainContext, principal: Principal, provider: KeyProvider) {
  const row = await findProviderKey(ctx.db, principal.orgId, provider);
  if (!row) throw notFound(provider);
  return present(row);
}

/** Forgets the org's key for `provider`, or a 404 when there is none. */
export async function removeProviderKey(ctx: DomainContext, principal: Principal, provider: KeyProvider, origin: RequestOrigin): Promise<void> {
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    if (!(await deleteProviderKey(trx, principal.orgId, provider))) throw notFound(provider);
    await recordAudit(trx, { orgId: principal.orgId, actor: principal.actor, action: 'provider_key.removed', target: { type: 'provider_key', id: provider }, origin, at: now });
  });
}

/** The org's key for `provider` in clear, to call the provider with; never shown. */
export async function openProviderKey(ctx: ProviderKeyContext, orgId: string, provider: KeyProvider): Promise<string> {
  const row = await findProviderKey(ctx.db, orgId, provider);
  if (!row) throw notFound(provider);
  try {
    return ctx.box.open(row.key_encrypted);
  } catch (error) {
    if (error instanceof SecretBoxError) throw new ApiError('provider_key_unusable', `The stored ${provider} key cannot be decrypted by this server (${error.message}): store it again.`);
    throw error;
  }
}
