/**
 * What the server's thread and the embedded database's thread (pglite-host.ts) say to each other:
 * one request, one reply with the same id; notifications on their own.
 */

/** Which transaction a statement belongs to, or null for none. */
export type TransactionId = number | null;

export type HostRequest =
  | { id: number; op: 'query'; sql: string; params: unknown[]; tx: TransactionId }
  | { id: number; op: 'exec'; sql: string; tx: TransactionId }
  | { id: number; op: 'begin'; tx: number; characteristics: string | null }
  | { id: number; op: 'end'; tx: number; outcome: 'commit' | 'rollback' }
  | { id: number; op: 'listen'; channel: string; subscription: number }
  | { id: number; op: 'unlisten'; subscription: number }
  | { id: number; op: 'close' };

export interface StatementResult {
  rows: unknown[];
  affectedRows?: number;
}

/** An error as it crosses threads: its message and PostgreSQL's fields (code, constraint, …). */
export interface SentError {
  name: string;
  message: string;
  fields: Record<string, string>;
}

export type HostMessage =
  | { kind: 'ready' }
  | { kind: 'failed'; error: SentError }
  | { kind: 'reply'; id: number; result: StatementResult | StatementResult[] | null }
  | { kind: 'error'; id: number; error: SentError }
  | { kind: 'notification'; subscription: number; payload: string };

/** The fields of PostgreSQL's error report (pg-protocol's DatabaseError), where they are set. */
export const ERROR_FIELDS = [
  'severity',
  'code',
  'detail',
  'hint',
  'position',
  'internalPosition',
  'internalQuery',
  'where',
  'schema',
  'table',
  'column',
  'dataType',
  'constraint',
  'file',
  'line',
  'routine',
] as const;

export function sendableError(error: unknown): SentError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), fields: {} };
  const fields: Record<string, string> = {};
  const source = error as unknown as Record<string, unknown>;
  for (const field of ERROR_FIELDS) {
    const value = source[field];
    if (typeof value === 'string') fields[field] = value;
  }
  return { name: error.name, message: error.message, fields };
}
