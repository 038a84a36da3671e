/** Loading data and running actions against the API, with their pending and error states. */
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiRequestError } from './api/client.ts';

function asApiError(error: unknown): ApiRequestError {
  return error instanceof ApiRequestError ? error : new ApiRequestError(0, 'unexpected', error instanceof Error ? error.message : String(error));
}

export interface Resource<T> {
  data: T | undefined;
  error: ApiRequestError | undefined;
  loading: boolean;
  reload(): Promise<void>;
}

/** GETs `path` (nothing while it is null) and again whenever it changes or `reload` is called. */
export function useResource<T>(path: string | null): Resource<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiRequestError>();
  const [loading, setLoading] = useState(path !== null);
  const latest = useRef(0);

  const load = useCallback(async () => {
    if (path === null) return;
    const request = ++latest.current;
    setLoading(true);
    try {
      const answer = await api.get<T>(path);
      if (request !== latest.current) return;
      setData(answer);
      setError(undefined);
    } catch (caught) {
      if (request !== latest.current) return;
      setError(asApiError(caught));
    } finally {
      if (request === latest.current) setLoading(false);
    }
  }, [path]);

  useEffect(() => {
    void load();
  }, [load]);

  return { data, error, loading, reload: load };
}

export interface Action<A extends unknown[], R> {
  run(...args: A): Promise<R | undefined>;
  pending: boolean;
  error: ApiRequestError | undefined;
  reset(): void;
}

/** Wraps an API call made on the user's request: one at a time, its error kept for display. */
export function useAction<A extends unknown[], R>(perform: (...args: A) => Promise<R>): Action<A, R> {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiRequestError>();
  const performRef = useRef(perform);
  performRef.current = perform;

  const run = useCallback(async (...args: A) => {
    setPending(true);
    setError(undefined);
    try {
      return await performRef.current(...args);
    } catch (caught) {
      setError(asApiError(caught));
      return undefined;
    } finally {
      setPending(false);
    }
  }, []);

  const reset = useCallback(() => setError(undefined), []);
  return { run, pending, error, reset };
}

/** Runs `tick` every `ms` while `active`; stops when the page is hidden. */
export function useInterval(tick: () => void, ms: number, active: boolean): void {
  const tickRef = useRef(tick);
  tickRef.current = tick;
  useEffect(() => {
    if (!active) return;
    const timer = window.setInterval(() => {
      if (document.visibilityState === 'visible') tickRef.current();
    }, ms);
    return () => window.clearInterval(timer);
  }, [ms, active]);
}

/** Sets the document title for a page. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · BatchRouter`;
  }, [title]);
}

export interface PagedList<T> {
  items: T[];
  hasMore: boolean;
  loading: boolean;
  error: ApiRequestError | undefined;
  loadMore(): Promise<void>;
  reload(): Promise<void>;
}

/** A cursor-paged list (`{data, has_more, next_cursor}`): the first page, then more on request. */
export function usePagedList<T>(path: string): PagedList<T> {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<ApiRequestError>();
  const latest = useRef(0);

  const fetchPage = useCallback(
    async (after: string | null) => {
      const request = ++latest.current;
      setLoading(true);
      try {
        const separator = path.includes('?') ? '&' : '?';
        const page = await api.get<{ data: T[]; has_more: boolean; next_cursor: string | null }>(after === null ? path : `${path}${separator}cursor=${encodeURIComponent(after)}`);
        if (request !== latest.current) return;
        setItems((earlier) => (after === null ? page.data : [...earlier, ...page.data]));
        setCursor(page.next_cursor);
        setHasMore(page.has_more);
        setError(undefined);
      } catch (caught) {
        if (request === latest.current) setError(asApiError(caught));
      } finally {
        if (request === latest.current) setLoading(false);
      }
    },
    [path],
  );

  useEffect(() => {
    void fetchPage(null);
  }, [fetchPage]);

  const loadMore = useCallback(() => fetchPage(cursor), [fetchPage, cursor]);
  const reload = useCallback(() => fetchPage(null), [fetchPage]);
  return { items, hasMore, loading, error, loadMore, reload };
}
