/** The per-process caches: bounded, and never refilled with what an invalidation just dropped. */
import { describe, expect, it } from 'vitest';
import { LruCache } from '../../src/domain/cache.ts';

describe('LruCache', () => {
  it('forgets the least recently used entry beyond its capacity', () => {
    const cache = new LruCache<number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.get('a');
    cache.set('c', 3);
    expect(cache.get('a')).toBe(1);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('c')).toBe(3);
  });

  it('drops a value read before an invalidation that landed while it was being read', async () => {
    const cache = new LruCache<string>(10);
    let release: () => void = () => undefined;
    const slowRead = cache.getOrLoad('key', () => new Promise<string>((resolve) => (release = () => resolve('stale'))), true);
    cache.evictWhere(() => true);
    release();
    expect(await slowRead).toBe('stale');
    expect(cache.get('key')).toBeUndefined();
  });

  it('caches nothing and reads through while caches are not usable', async () => {
    const cache = new LruCache<string>(10);
    let reads = 0;
    const load = async () => `read ${++reads}`;
    expect(await cache.getOrLoad('k', load, false)).toBe('read 1');
    expect(await cache.getOrLoad('k', load, false)).toBe('read 2');
    expect(await cache.getOrLoad('k', load, true)).toBe('read 3');
    expect(await cache.getOrLoad('k', load, true)).toBe('read 3');
  });
});
