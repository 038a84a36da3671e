/**
 * API keys: authenticating a request, creating keys (never above the creator), listing them
 * (metadata and masked display only), revoking them, and importing legacy keys by hash.
 */
import type { Environment } from '../config.ts';
import type { Executor, Role } from '../db/schema.ts';
import { isoTimestamp } from '../clock.ts';
import { newId } from '../ids.ts';
import {
  findKeyByHash,
  findKeyOfOrg,
  insertApiKey,
  insertApiKeyUnlessHashExists,
  listKeysOfOrg,
  revokeKeyOfOrg,
  touchKey,
} from '../db/queries/api-keys.ts';
import { findOrg } from '../db/queries/orgs.ts';
import { KEY_MANAGER_ROLES, ROLE_SCOPES, SCOPES, roleAtMost, type Scope } from './access.ts';
import { describeSecret, generateSecret, hashSecret, MAX_SECRET_LENGTH, parseSecret } from './api-key-secrets.ts';
import { recordAudit } from './audit.ts';
import type { DomainContext, Principal, RequestOrigin } from './context.ts';
import { ApiError, type ErrorDetail } from './errors.ts';

/** A key as authentication needs it; cached per process, dropped everywhere on revocation. */
export type CachedKey = NonNullable<Awaited<ReturnType<typeof findKeyByHash>>>;

/** How stale `last_used_at` may get before a request refreshes it: most requests write nothing. */
const LAST_USED_GRANULARITY_MS = 60_000;
const BEARER = /^Bearer +(\S+)$/i;

/**
 * Turns an Authorization header into the key's principal, or throws the precise 401:
 * required, malformed, wrong environment, invalid, revoked or expired. Every check that needs no
 * database (shape, checksum, environment) runs first.
 */
export async function authenticate(ctx: DomainContext, authorization: string | undefined): Promise<Principal> {
  if (authorization === undefined || authorization === '') {
    throw new ApiError('api_key_required', 'Supply a BatchRouter API key using Authorization: Bearer <key>.');
  }
  if (authorization.length > MAX_SECRET_LENGTH + 16) {
    throw new ApiError('api_key_malformed', 'The Authorization header is far longer than any BatchRouter key.');
  }
  const bearer = BEARER.exec(authorization);
  if (!bearer?.[1]) {
    throw new ApiError('api_key_malformed', 'The Authorization header must be exactly "Bearer <key>".');
  }
  const secret = bearer[1];
  const parsed = parseSecret(secret);
  if (parsed === 'checksum') {
    throw new ApiError('api_key_malformed', 'The key fails its checksum: it was mistyped or cut short.');
  }
  if (parsed === 'malformed') {
    throw new ApiError('api_key_malformed', 'The bearer token is not a BatchRouter key (br_live_… or br_test_…).');
  }
  if (parsed.environment !== ctx.environment) {
    throw new ApiError(
      'api_key_wrong_environment',
      `This is the ${ctx.environment} environment, which takes br_${ctx.environment}_ keys; this is a ${parsed.environment} key. Send it to the ${parsed.environment} base URL instead.`,
    );
  }
  const secretHash = hashSecret(secret);
  const key = await ctx.caches.keys.getOrLoad(secretHash, () => findKeyByHash(ctx.db, secretHash), ctx.invalidation.cachesUsable);
  if (!key || key.environment !== ctx.environment) {
    throw new ApiError('api_key_invalid', 'No such API key exists on this instance.');
  }
  if (key.revoked_at !== null) {
    throw new ApiError('api_key_revoked', `This API key was revoked at ${isoTimestamp(key.revoked_at)}.`);
  }
  const now = ctx.clock.now();
  if (key.expires_at !== null && key.expires_at.getTime() <= now.getTime()) {
    throw new ApiError('api_key_expired', `This API key expired at ${isoTimestamp(key.expires_at)}.`);
  }
  if (key.last_used_at === null || now.getTime() - key.last_used_at.getTime() > LAST_USED_GRANULARITY_MS) {
    await touchKey(ctx.db, key.id, now, LAST_USED_GRANULARITY_MS);
    key.last_used_at = now;
  }
  return { orgId: key.org_id, actor: { type: 'api_key', id: key.id }, role: key.role, scopes: key.scopes, expiresAt: key.expires_at };
}

export interface IssuedKey {
  id: string;
  /** The secret: returned to the caller once, never stored. */
  secret: string;
  display: string;
}

/** Makes a new secret and stores its key row (hash, prefix and masked display only). */
export async function issueKey(
  trx: Executor,
  environment: Environment,
  key: { orgId: string; name: string | null; role: Role; scopes: string[]; createdByKeyId: string | null; createdByUserId?: string | null; expiresAt: Date | null; at: Date },
): Promise<IssuedKey> {
  const secret = generateSecret(environment);
  const { prefix, display } = describeSecret(secret);
  const id = newId('key');
  await insertApiKey(trx, {
    id,
    org_id: key.orgId,
    environment,
    name: key.name,
    role: key.role,
    scopes: key.scopes,
    secret_hash: hashSecret(secret),
    prefix,
    display,
    created_by_key_id: key.createdByKeyId,
    created_by_user_id: key.createdByUserId ?? null,
    created_at: key.at,
    expires_at: key.expiresAt,
  });
  return { id, secret, display };
}

export interface CreateKeyInput {
  name?: string;
  label?: string;
  expires_at?: string;
  scopes?: string[];
  role?: Role;
}

export interface CreatedKey {
  api_key: string;
  api_key_id: string;
  name: string | null;
  expires_at: string | null;
  role: Role;
  scopes: string[];
  display: string;
  created_at: string;
}

function resolveName(input: CreateKeyInput, problems: ErrorDetail[]): string | null {
  const name = input.name?.trim();
  const label = input.label?.trim();
  if (name !== undefined && label !== undefined && name !== label) {
    problems.push({ path: 'label', message: 'label is another name for name: send one of them, or the same value in both' });
  }
  const chosen = name ?? label;
  return chosen === undefined || chosen === '' ? null : chosen;
}

function resolveExpiry(input: CreateKeyInput, now: Date, problems: ErrorDetail[]): Date | null {
  if (input.expires_at === undefined) return null;
  const expiresAt = new Date(input.expires_at);
  if (Number.isNaN(expiresAt.getTime())) {
    problems.push({ path: 'expires_at', message: 'must be an RFC 3339 date-time such as 2027-01-01T00:00:00Z' });
    return null;
  }
  if (expiresAt.getTime() <= now.getTime()) {
    problems.push({ path: 'expires_at', message: 'must be in the future' });
  }
  return expiresAt;
}

/**
 * Creates a key in the principal's org and returns its secret, the only time it is ever shown.
 * The new key's role, scopes and expiry never exceed the creating key's.
 */
export async function createKey(
  ctx: DomainContext,
  principal: Principal,
  input: CreateKeyInput,
  origin: RequestOrigin,
): Promise<CreatedKey> {
  const now = ctx.clock.now();
  const problems: ErrorDetail[] = [];
  const name = resolveName(input, problems);
  const requestedExpiry = resolveExpiry(input, now, problems);
  if (problems.length > 0) throw new ApiError('invalid_request', 'The key request is not valid.', { details: problems });

  if (!KEY_MANAGER_ROLES.includes(principal.role)) {
    throw new ApiError('role_not_allowed', 'Only workspace owners and admins can create API keys.');
  }
  const role = input.role ?? principal.role;
  if (!roleAtMost(role, principal.role)) {
    throw new ApiError('grant_exceeds_creator', `A ${principal.role} key cannot create an ${role} key.`);
  }
  const creatorScopes = SCOPES.filter((scope) => principal.scopes.includes(scope));
  const requested = input.scopes ?? creatorScopes.filter((scope) => ROLE_SCOPES[role].includes(scope));
  const beyondCreator = requested.filter((scope) => !principal.scopes.includes(scope));
  if (beyondCreator.length > 0) {
    throw new ApiError('grant_exceeds_creator', `The creating key does not hold ${beyondCreator.join(', ')}, so it cannot grant it.`);
  }
  const beyondRole = requested.filter((scope) => !(ROLE_SCOPES[role] as readonly string[]).includes(scope));
  if (beyondRole.length > 0) {
    throw new ApiError('grant_exceeds_creator', `A ${role} key cannot hold ${beyondRole.join(', ')}.`);
  }
  if (principal.expiresAt !== null && (requestedExpiry === null || requestedExpiry > principal.expiresAt)) {
    throw new ApiError(
      'grant_exceeds_creator',
      `The creating key expires at ${isoTimestamp(principal.expiresAt)}; a key it creates must expire no later.`,
    );
  }
  const scopes = SCOPES.filter((scope: Scope) => requested.includes(scope));
  const { id, secret, display } = await ctx.db.transaction().execute(async (trx) => {
    const issued = await issueKey(trx, ctx.environment, {
      orgId: principal.orgId,
      name,
      role,
      scopes,
      createdByKeyId: principal.actor.type === 'api_key' ? principal.actor.id : null,
      createdByUserId: principal.actor.type === 'user' ? principal.actor.id : null,
      expiresAt: requestedExpiry,
      at: now,
    });
    await recordAudit(trx, {
      orgId: principal.orgId,
      actor: principal.actor,
      action: 'api_key.created',
      target: { type: 'api_key', id: issued.id },
      origin,
      details: { role, scopes, expires_at: requestedExpiry ? isoTimestamp(requestedExpiry) : null },
      at: now,
    });
    return issued;
  });
  return {
    api_key: secret,
    api_key_id: id,
    name,
    expires_at: requestedExpiry ? isoTimestamp(requestedExpiry) : null,
    role,
    scopes,
    display,
    created_at: isoTimestamp(now),
  };
}

type StoredKey = NonNullable<Awaited<ReturnType<typeof findKeyOfOrg>>>;

/** A key as lists show it: metadata and the masked display, never the secret or its hash. */
export function presentKey(key: StoredKey) {
  return {
    api_key_id: key.id,
    name: key.name,
    environment: key.environment,
    role: key.role,
    scopes: key.scopes,
    prefix: key.prefix,
    display: key.display,
    legacy: key.legacy,
    created_by: key.created_by_key_id ?? key.created_by_user_id,
    created_at: isoTimestamp(key.created_at),
    expires_at: key.expires_at ? isoTimestamp(key.expires_at) : null,
    revoked_at: key.revoked_at ? isoTimestamp(key.revoked_at) : null,
    last_used_at: key.last_used_at ? isoTimestamp(key.last_used_at) : null,
  };
}

export type PresentedKey = ReturnType<typeof presentKey>;

/** Every key of the principal's org, newest first. */
export async function listKeys(ctx: DomainContext, principal: Principal): Promise<PresentedKey[]> {
  return (await listKeysOfOrg(ctx.db, principal.orgId)).map(presentKey);
}

/**
 * Revokes a key of the principal's org; it answers 401 from the very next request on. Revoking a
 * revoked key changes nothing and answers the same. Another org's key is a 404, as if absent.
 */
export async function revokeKey(ctx: DomainContext, principal: Principal, keyId: string, origin: RequestOrigin): Promise<PresentedKey> {
  if (!KEY_MANAGER_ROLES.includes(principal.role)) {
    throw new ApiError('role_not_allowed', 'Only workspace owners and admins can revoke API keys.');
  }
  const now = ctx.clock.now();
  const revoked = await ctx.db.transaction().execute(async (trx) => {
    const key = await findKeyOfOrg(trx, principal.orgId, keyId);
    if (!key) throw new ApiError('api_key_not_found', `No API key ${keyId} exists in your org.`);
    if (!roleAtMost(key.role, principal.role)) {
      throw new ApiError('role_not_allowed', `A ${principal.role} key cannot revoke an ${key.role} key.`);
    }
    if (key.revoked_at !== null) return presentKey(key);
    const revoked = await revokeKeyOfOrg(trx, principal.orgId, keyId, now);
    if (!revoked) throw new ApiError('api_key_not_found', `No API key ${keyId} exists in your org.`);
    await ctx.invalidation.publish(trx, { kind: 'api_key', id: keyId });
    await recordAudit(trx, {
      orgId: principal.orgId,
      actor: principal.actor,
      action: 'api_key.revoked',
      target: { type: 'api_key', id: keyId },
      origin,
      at: now,
    });
    return presentKey(revoked);
  });
  // Every process drops the key before this answers: the next request anywhere is refused.
  await ctx.invalidation.settle([{ kind: 'api_key', id: keyId }]);
  return revoked;
}

export interface LegacyKeyImport {
  orgId: string;
  secretHash: string;
  prefix: string;
  display: string;
  name: string | null;
}

/**
 * Stores a legacy `ob_live_` key by its hash (the operator CLI hashes it; the secret never reaches
 * the server). It works as an owner key with every scope until revoked.
 */
export async function importLegacyKey(ctx: DomainContext, input: LegacyKeyImport, origin: RequestOrigin): Promise<PresentedKey> {
  const now = ctx.clock.now();
  const id = newId('key');
  return ctx.db.transaction().execute(async (trx) => {
    if (!(await findOrg(trx, input.orgId))) throw new ApiError('org_not_found', `No org ${input.orgId} exists on this instance.`);
    const inserted = await insertApiKeyUnlessHashExists(trx, {
      id,
      org_id: input.orgId,
      environment: 'live',
      name: input.name,
      role: 'owner',
      scopes: [...SCOPES],
      secret_hash: input.secretHash,
      prefix: input.prefix,
      display: input.display,
      legacy: true,
      created_by_key_id: null,
      created_by_user_id: null,
      created_at: now,
      expires_at: null,
    });
    if (!inserted) throw new ApiError('legacy_key_exists', 'That key was imported already.');
    await recordAudit(trx, {
      orgId: input.orgId,
      actor: { type: 'operator', id: null },
      action: 'api_key.legacy_imported',
      target: { type: 'api_key', id },
      origin,
      at: now,
    });
    const stored = await findKeyOfOrg(trx, input.orgId, id);
    if (!stored) throw new Error('imported key vanished inside its own transaction');
    return presentKey(stored);
  });
}
