/** Row types of every table, as Kysely sees them after the normalisation in database.ts. */
import type { ColumnType, Generated } from 'kysely';

export type Role = 'owner' | 'admin' | 'member';
export type LedgerEntryType = 'grant' | 'reservation' | 'capture' | 'release' | 'adjustment';
export type ActorType = 'api_key' | 'user' | 'operator' | 'anonymous';
type Timestamp = ColumnType<Date, Date, Date>;
type Json = ColumnType<Record<string, unknown>, string | undefined, string>;

export interface OrgsTable {
  id: string;
  display_name: string;
  plan: Generated<string>;
  credit_balance_micros: Generated<number>;
  created_via: 'agent_register' | 'signup' | 'operator';
  created_at: Timestamp;
}

export interface UsersTable {
  id: string;
  email: string;
  created_at: Timestamp;
}

export interface MembershipsTable {
  org_id: string;
  user_id: string;
  role: Role;
  created_at: Timestamp;
}

export interface ApiKeysTable {
  id: string;
  org_id: string;
  environment: 'live' | 'test';
  name: string | null;
  role: Role;
  scopes: string[];
  secret_hash: string;
  prefix: string;
  display: string;
  legacy: Generated<boolean>;
  created_by_key_id: string | null;
  created_by_user_id: string | null;
  created_at: Timestamp;
  expires_at: Timestamp | null;
  revoked_at: Timestamp | null;
  last_used_at: Timestamp | null;
}

export interface CreditLedgerTable {
  id: string;
  org_id: string;
  entry_type: LedgerEntryType;
  amount_micros: number;
  balance_after_micros: number;
  reason: string;
  actor: string;
  created_at: Timestamp;
}

export interface RateLimitWindowsTable {
  bucket: string;
  window_started_at: Timestamp;
  hits: number;
}

export interface AuditEventsTable {
  id: string;
  org_id: string | null;
  actor_type: ActorType;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  user_agent: string | null;
  details: Json;
  created_at: Timestamp;
}

export interface SchemaMigrationsTable {
  version: number;
  name: string;
  applied_at: Timestamp;
}

export interface DB {
  orgs: OrgsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  api_keys: ApiKeysTable;
  credit_ledger: CreditLedgerTable;
  rate_limit_windows: RateLimitWindowsTable;
  audit_events: AuditEventsTable;
  schema_migrations: SchemaMigrationsTable;
}

/** Anything a query can run on: the database or an open transaction. */
export type Executor = import('kysely').Kysely<DB> | import('kysely').Transaction<DB>;
