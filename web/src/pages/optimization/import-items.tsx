/**
 * The lines of an imported OpenAI workload, a page at a time (items_limit / items_cursor): in
 * output-file order, then the input lines that got no answer, each priced on both sides or
 * saying why not.
 */
import type { ImportItem, ImportOptimizationReport, NotPricedReason } from '../../api/types.ts';
import { DataTable } from '../../components/data-table.tsx';
import { StatusBadge } from '../../components/display.tsx';
import { formatCount, formatUsd } from '../../format.ts';

const NOT_PRICED_SHORT: Record<NotPricedReason, string> = {
  model_not_in_catalog: 'not priced: model not in the catalog',
  not_an_openai_model: 'not priced: not an OpenAI model',
  endpoint_not_supported: 'not priced: endpoint not supported',
  operation_not_supported: 'not priced: operation not offered',
  no_lane: 'not priced: no lane runs it',
};

function noteOf(item: ImportItem): string {
  if (item.not_priced_reason) return NOT_PRICED_SHORT[item.not_priced_reason];
  if (item.status === 'failed') return `failed${item.error_code ? `: ${item.error_code}` : ''}; charged by neither side`;
  if (item.status === 'missing') return 'no answer in the output file';
  return '';
}

/** Lines per page. */
export const ITEMS_PER_PAGE = 10;

const money = (amount: string | null) => (amount === null ? '--' : formatUsd(amount));

interface ImportItemsProps {
  report: ImportOptimizationReport;
  /** 0 for the first page. */
  page: number;
  loading: boolean;
  /** Next page (its cursor), or the previous one (null). */
  onPage(cursor: string | null): void;
}

export function ImportItems({ report, page, loading, onPage }: ImportItemsProps) {
  const first = page * ITEMS_PER_PAGE + 1;
  const last = page * ITEMS_PER_PAGE + report.items.length;
  const range = report.items.length === 0 ? 'No lines' : `Lines ${formatCount(first)}–${formatCount(last)} of ${formatCount(report.totals.items.total)}`;
  return (
    <>
      <h3 id="import-lines-title">Lines</h3>
      <DataTable
        caption="Lines of the OpenAI workload"
        testId="import-items"
        columns={['Custom id', 'Model', 'Status', { label: 'Tokens in / out', numeric: true }, { label: 'OpenAI', numeric: true }, { label: 'BatchRouter', numeric: true }, 'Lane', { label: 'Saved', numeric: true }, 'Note']}
      >
        {report.items.map((item) => (
          <tr key={`${item.batch_id ?? ''}/${item.custom_id}`}>
            <th scope="row" className="breakable">
              <code>{item.custom_id}</code>
              {item.batch_id && <span className="hint block">{item.batch_id}</span>}
            </th>
            <td>{item.model ?? '--'}</td>
            <td>
              <StatusBadge status={item.status} />
            </td>
            <td className="number">{item.input_tokens === null ? '--' : `${formatCount(item.input_tokens)} / ${formatCount(item.output_tokens ?? 0)}`}</td>
            <td className="number">{money(item.openai_cost)}</td>
            <td className="number">{money(item.batchrouter_cost)}</td>
            <td>{item.lane ? <code>{item.lane}</code> : '--'}</td>
            <td className={`number ${item.savings?.startsWith('-') ? 'negative' : ''}`}>{money(item.savings)}</td>
            <td>{noteOf(item)}</td>
          </tr>
        ))}
      </DataTable>
      <nav className="pager" aria-label="Pages of lines">
        <button type="button" className="button small" disabled={page === 0 || loading} onClick={() => onPage(null)}>
          Previous page
        </button>
        <span role="status" data-testid="import-items-range">
          {loading ? 'Loading lines…' : range}
        </span>
        <button type="button" className="button small" disabled={report.next_items_cursor === null || loading} onClick={() => report.next_items_cursor !== null && onPage(report.next_items_cursor)}>
          Next page
        </button>
      </nav>
    </>
  );
}
