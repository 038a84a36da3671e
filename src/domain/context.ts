/**
 * What domain functions receive: their dependencies as plain arguments, and who is acting.
 */
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.ts';
import type { Environment } from '../config.ts';
import type { DB, Role } from '../db/schema.ts';
import type { Caches, Invalidation } from './cache.ts';

export interface DomainContext {
  db: Kysely<DB>;
  clock: Clock;
  environment: Environment;
  caches: Caches;
  invalidation: Invalidation;
}

/** Where a request came from, for the audit log and rate limits. */
export interface RequestOrigin {
  ip: string | null;
  userAgent: string | null;
}

/** Who acts: an API key, or a person signed in to the dashboard (through one browser session). */
export type Actor = { type: 'api_key'; id: string } | { type: 'user'; id: string; sessionId: string };

/** An authenticated caller (an API key, or a dashboard session), as every authorised action sees it. */
export interface Principal {
  orgId: string;
  actor: Actor;
  role: Role;
  scopes: readonly string[];
  expiresAt: Date | null;
}
