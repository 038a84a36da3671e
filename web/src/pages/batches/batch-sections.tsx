/** The lower parts of a batch's page: the lanes it used or rejected, and its first results. */
import type { BillingReceipt, ResultsPage } from '../../api/types.ts';
import { DataTable } from '../../components/data-table.tsx';
import { Section, StatusBadge } from '../../components/display.tsx';
import { ErrorNotice, Loading } from '../../components/feedback.tsx';
import { formatCount, formatUsd } from '../../format.ts';
import type { Resource } from '../../hooks.ts';
import { outputExcerpt } from './result-text.ts';

export function BatchLanes({ receipt }: { receipt: BillingReceipt }) {
  return (
    <Section id="batch-lanes" title="Lanes" description="Where the items ran, what each lane cost, and the lanes the router passed over and why.">
      {receipt.lanes_used.length === 0 ? (
        <p className="hint">No lane has finished an item yet.</p>
      ) : (
        <DataTable caption="Lanes used" testId="lanes-used" columns={['Lane', 'Items succeeded', 'Provider cost']}>
          {receipt.lanes_used.map((lane) => (
            <tr key={lane.lane_id}>
              <th scope="row">
                <code>{lane.lane_id}</code>
              </th>
              <td>{formatCount(lane.items_succeeded)}</td>
              <td>{formatUsd(lane.provider_cost)}</td>
            </tr>
          ))}
        </DataTable>
      )}
      {receipt.lanes_rejected.length > 0 && (
        <details className="rejected">
          <summary>{receipt.lanes_rejected.length} lanes not used</summary>
          <ul className="plain-list">
            {receipt.lanes_rejected.map((lane) => (
              <li key={lane.lane_id}>
                <code>{lane.lane_id}</code>: {lane.rejection ? `${lane.rejection.reason.replaceAll('_', ' ')}: ${lane.rejection.message}` : 'not needed'}
              </li>
            ))}
          </ul>
        </details>
      )}
    </Section>
  );
}

export function ResultsPreview({ results, itemCount }: { results: Resource<ResultsPage>; itemCount: number }) {
  const rows = results.data?.data ?? [];
  return (
    <Section id="batch-results" title="Results" description={`The first results in the order items finished${itemCount > rows.length ? `; download the JSONL for all ${formatCount(itemCount)}` : ''}.`}>
      {results.loading && !results.data && <Loading>Loading results…</Loading>}
      <ErrorNotice error={results.error} />
      {results.data && rows.length === 0 && <p className="hint">No item has finished yet.</p>}
      {rows.length > 0 && (
        <DataTable caption="Results" testId="results-table" columns={['Item', 'Status', 'Model', 'Lane', 'Cost', 'Output']}>
          {rows.map((row) => (
            <tr key={row.customer_item_id}>
              <th scope="row">{row.customer_item_id}</th>
              <td>
                <StatusBadge status={row.status} />
              </td>
              <td>{row.model ?? '--'}</td>
              <td>{row.lane ? <code>{row.lane}</code> : '--'}</td>
              <td>{row.cost ? formatUsd(row.cost) : '--'}</td>
              <td className="output">{row.error ? `${row.error.code ?? 'error'}: ${row.error.message ?? ''}` : outputExcerpt(row.output)}</td>
            </tr>
          ))}
        </DataTable>
      )}
    </Section>
  );
}
