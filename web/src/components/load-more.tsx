/** The "Load more" button under a cursor-paged list. */
import type { PagedList } from '../hooks.ts';

export function LoadMore<T>({ list, what }: { list: PagedList<T>; what: string }) {
  if (!list.hasMore) return null;
  return (
    <p className="load-more">
      <button type="button" className="button" onClick={() => void list.loadMore()} disabled={list.loading}>
        {list.loading ? 'Loading…' : `Load more ${what}`}
      </button>
    </p>
  );
}
