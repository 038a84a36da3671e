/**
 * Read-through caches of what every request needs (API keys by hash, account summaries by org),
 * kept correct by invalidation events that every process receives (see `Invalidation`).
 *
 * A fill that raced an invalidation is dropped: each cache counts invalidations, and a value read
 * from the database is stored only if no invalidation happened while it was being read.
 */
import type { Executor } from '../db/schema.ts';
import type { AccountSummary } from './accounts.ts';
import type { CachedKey } from './api-keys.ts';

/** What changed: the cached things that must be dropped everywhere. */
export type InvalidationEvent = { kind: 'api_key'; id: string } | { kind: 'org'; id: string };

/** A bounded map that forgets its least recently used entries. */
export class LruCache<V> {
  readonly #entries = new Map<string, V>();
  readonly #capacity: number;
  #generation = 0;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get(key: string): V | undefined {
    const value = this.#entries.get(key);
    if (value !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, value);
    }
    return value;
  }

  /** Returns the cached value, or loads it and caches it unless invalidated meanwhile. */
  async getOrLoad(key: string, load: () => Promise<V | undefined>, enabled: boolean): Promise<V | undefined> {
    if (enabled) {
      const hit = this.get(key);
      if (hit !== undefined) return hit;
    }
    const generation = this.#generation;
    const value = await load();
    if (enabled && value !== undefined && generation === this.#generation) this.set(key, value);
    return value;
  }

  set(key: string, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }

  /** Drops every entry for which `matches` is true. */
  evictWhere(matches: (key: string, value: V) => boolean): void {
    this.#generation++;
    for (const [key, value] of this.#entries) if (matches(key, value)) this.#entries.delete(key);
  }

  clear(): void {
    this.#generation++;
    this.#entries.clear();
  }
}

/**
 * How a process learns of changes made anywhere. Inside the writing transaction, `publish` records
 * the event (delivered to every process only if the transaction commits); after the commit,
 * `settle` drops it here and waits until every other live process has dropped it too.
 */
export interface Invalidation {
  /** Whether caches may be used now (false while this process could miss an event). */
  readonly cachesUsable: boolean;
  publish(transaction: Executor, event: InvalidationEvent): Promise<void>;
  settle(events: InvalidationEvent[]): Promise<void>;
}

/** The caches of one process. */
export interface Caches {
  keys: LruCache<CachedKey>;
  accounts: LruCache<AccountSummary>;
}

export function makeCaches(capacity = 10_000): Caches {
  return { keys: new LruCache(capacity), accounts: new LruCache(capacity) };
}

/** Drops what an event names from this process's caches. */
export function evict(caches: Caches, event: InvalidationEvent): void {
  if (event.kind === 'api_key') caches.keys.evictWhere((_hash, key) => key.id === event.id);
  else caches.accounts.evictWhere((orgId) => orgId === event.id);
}

export function clearCaches(caches: Caches): void {
  caches.keys.clear();
  caches.accounts.clear();
}

/**
 * The embedded shape: one process owns the database (the data-directory lock guarantees it), so
 * dropping the entry here, after the commit, is all there is to do.
 */
export function makeLocalInvalidation(caches: Caches): Invalidation {
  return {
    cachesUsable: true,
    publish: async () => undefined,
    settle: async (events) => {
      for (const event of events) evict(caches, event);
    },
  };
}
