/**
 * Tables of records: scrolling sideways on narrow screens, named for screen readers by a hidden
 * caption, their columns headed in one row; the rows are the caller's. `PagedTable` adds what a
 * cursor-paged list needs around one.
 * @example <DataTable caption="Grants" columns={['When', { label: 'Amount', numeric: true }]}>{rows}</DataTable>
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { PagedList } from '../hooks.ts';
import { ErrorNotice, Loading } from './feedback.tsx';
import { LoadMore } from './load-more.tsx';

export interface Column {
  label: string;
  /** Right-aligned with tabular figures, like the cells under it. */
  numeric?: boolean;
}

interface DataTableProps {
  caption: string;
  /** Columns in order; `false` leaves one out (`canManage && 'Actions'`). */
  columns: readonly (string | Column | false)[];
  children: ReactNode;
  testId?: string;
  /** Extra classes of the scrolling wrapper (`card` for a table standing alone on a page). */
  className?: string;
}

/**
 * Whether the wrapper scrolls sideways (a wide table on a narrow screen): then it must be
 * reachable with the keyboard, as a named region, to be scrolled without a mouse.
 */
function useScrollsSideways() {
  const wrapper = useRef<HTMLDivElement>(null);
  const [scrolls, setScrolls] = useState(false);
  useEffect(() => {
    const element = wrapper.current;
    if (!element) return;
    const check = () => setScrolls(element.scrollWidth > element.clientWidth);
    check();
    const observer = new ResizeObserver(check);
    observer.observe(element);
    if (element.firstElementChild) observer.observe(element.firstElementChild);
    return () => observer.disconnect();
  }, []);
  return { wrapper, scrolls };
}

export function DataTable({ caption, columns, children, testId, className }: DataTableProps) {
  const shown = columns.filter((column): column is string | Column => column !== false).map((column) => (typeof column === 'string' ? { label: column } : column));
  const { wrapper, scrolls } = useScrollsSideways();
  return (
    <div ref={wrapper} className={className ? `table-wrap ${className}` : 'table-wrap'} {...(scrolls ? { tabIndex: 0, role: 'region', 'aria-label': caption } : {})}>
      <table data-testid={testId}>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {shown.map((column) => (
              <th key={column.label} scope="col" className={column.numeric ? 'number' : undefined}>
                {column.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

interface PagedTableProps<T> extends Omit<DataTableProps, 'children'> {
  list: PagedList<T>;
  /** One `<tr>` per item. */
  row(item: T): ReactNode;
  /** Shown when the list has loaded with nothing in it. */
  empty: ReactNode;
  /** What the items are, for "Load more …". */
  what: string;
  loadingText?: string;
}

/** A cursor-paged list as a table: its error, loading and empty states, the rows so far, and "Load more". */
export function PagedTable<T>({ list, row, empty, what, loadingText, ...table }: PagedTableProps<T>) {
  return (
    <>
      <ErrorNotice error={list.error} />
      {list.loading && list.items.length === 0 && <Loading>{loadingText ?? 'Loading…'}</Loading>}
      {!list.loading && !list.error && list.items.length === 0 && empty}
      {list.items.length > 0 && <DataTable {...table}>{list.items.map(row)}</DataTable>}
      <LoadMore list={list} what={what} />
    </>
  );
}
