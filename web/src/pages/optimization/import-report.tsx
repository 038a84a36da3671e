/**
 * The report of a workload that ran on OpenAI Batch (the files just uploaded or fetched, else the
 * workspace's latest import): what OpenAI charged against what BatchRouter would have, savings by
 * model, the lines that could not be priced and why, the recommendations, and the lines a page
 * at a time.
 */
import { useState } from 'react';
import { withQuery } from '../../api/client.ts';
import type { ImportFigures, ImportOptimizationReport, NotPricedReason } from '../../api/types.ts';
import { BarChart, ChartFigures, chartSummary } from '../../components/bar-chart.tsx';
import { Section, Stat } from '../../components/display.tsx';
import { ErrorNotice, Loading } from '../../components/feedback.tsx';
import { formatCount, formatUsd, usdValue } from '../../format.ts';
import { useResource } from '../../hooks.ts';
import { REPORT_PATH } from './batches-report.tsx';
import { ImportItems, ITEMS_PER_PAGE } from './import-items.tsx';
import type { ImportSelection } from './import-upload.tsx';
import { RecommendationList } from './recommendations.tsx';

const NOT_PRICED_REASONS: Record<NotPricedReason, string> = {
  model_not_in_catalog: 'The model is not in this instance’s catalog.',
  not_an_openai_model: 'The catalog lists the model under another provider than OpenAI.',
  endpoint_not_supported: 'BatchRouter does not run requests of that endpoint.',
  operation_not_supported: 'The catalog does not offer that operation for the model.',
  no_lane: 'No enabled lane of this instance runs the model.',
};

/** `selection` null: the workspace's latest import. */
export function ImportReportSection({ selection }: { selection: ImportSelection | null }) {
  // Paging the latest import pins it, so that a newer import does not change the pages under the reader.
  const [pinned, setPinned] = useState<ImportSelection | null>(null);
  const [cursors, setCursors] = useState<string[]>([]);
  const files = selection ?? pinned;
  const report = useResource<ImportOptimizationReport>(
    withQuery(REPORT_PATH, {
      import_provider: 'openai',
      import_file_id: files?.outputFileId,
      import_input_file_id: files?.inputFileId,
      items_limit: ITEMS_PER_PAGE,
      items_cursor: cursors[cursors.length - 1],
    }),
  );
  const data = report.data;
  const turnPage = (next: string | null) => {
    if (files === null && data?.import_file_id) setPinned({ outputFileId: data.import_file_id, inputFileId: data.import_input_file_id });
    setCursors((earlier) => (next === null ? earlier.slice(0, -1) : [...earlier, next]));
  };
  return (
    <Section
      id="openai-report"
      title="OpenAI workload report"
      description={
        data && data.import_file_id
          ? `What OpenAI Batch charged for the lines (list price less its 50% batch discount) against what BatchRouter would have, routed as one ${data.routed_as.sla_tier} batch, ${data.routed_as.routing_mode.replaceAll('_', ' ')}.`
          : undefined
      }
    >
      <ErrorNotice error={report.error} />
      {report.loading && !data && <Loading>Loading the OpenAI workload report…</Loading>}
      {data && data.import_file_id === null && <p className="hint">No OpenAI workload yet: upload its files or fetch it from OpenAI above.</p>}
      {data && data.import_file_id !== null && (
        <>
          <p className="hint" data-testid="import-files">
            Output file <code>{data.import_file_id}</code>
            {data.import_input_file_id ? (
              <>
                , input file <code>{data.import_input_file_id}</code>
              </>
            ) : (
              ', no input file'
            )}
            {selection === null && pinned === null ? ' (the latest import)' : ''}.
          </p>
          <ImportTotals report={data} />
          <h3>Savings by model</h3>
          {data.by_model.length === 0 ? <p className="hint">No line was priced.</p> : <ModelChart rows={data.by_model} />}
          <NotPriced report={data} />
          <h3>Recommendations</h3>
          <RecommendationList recommendations={data.recommendations} potentialSavings={data.potential_savings} heading="h4" things="lines" basis="of the BatchRouter cost" />
          <ImportItems report={data} page={cursors.length} loading={report.loading} onPage={turnPage} />
        </>
      )}
    </Section>
  );
}

function ImportTotals({ report }: { report: ImportOptimizationReport }) {
  const { totals } = report;
  const { items } = totals;
  return (
    <dl className="stats" aria-label="Totals of the OpenAI workload">
      <Stat label="OpenAI cost" value={formatUsd(totals.openai_cost)} hint={`What OpenAI Batch charged for the ${formatCount(items.priced)} priced lines.`} testId="import-openai-cost" />
      <Stat label="BatchRouter cost" value={formatUsd(totals.batchrouter_cost.total)} hint={`${formatUsd(totals.batchrouter_cost.provider_cost)} on lanes + ${formatUsd(totals.batchrouter_cost.platform_fee)} fee`} testId="import-batchrouter-cost" />
      <Stat label="Savings" value={formatUsd(totals.savings.amount)} hint={`${totals.savings.percent}% of the OpenAI cost`} testId="import-savings" />
      <Stat
        label="Lines"
        value={formatCount(items.total)}
        hint={`${formatCount(items.succeeded)} succeeded (${formatCount(items.priced)} priced, ${formatCount(items.not_priced)} not), ${formatCount(items.failed)} failed, ${formatCount(items.missing)} unanswered`}
        testId="import-lines"
      />
    </dl>
  );
}

function ModelChart({ rows }: { rows: ImportFigures[] }) {
  const title = 'Savings by model';
  const bars = rows.map((row) => ({ key: row.key, label: row.key, value: usdValue(row.savings.amount), display: formatUsd(row.savings.amount) }));
  return (
    <div id="import-by-model">
      <BarChart title={title} summary={chartSummary(bars, 'models')} bars={bars} orientation="bars" />
      <ChartFigures
        title={title}
        columns={['Model', { label: 'Lines', numeric: true }, { label: 'Priced', numeric: true }, { label: 'Tokens in / out', numeric: true }, { label: 'OpenAI', numeric: true }, { label: 'BatchRouter', numeric: true }, { label: 'Saved', numeric: true }]}
      >
        {rows.map((row) => (
          <tr key={row.key}>
            <th scope="row">{row.key}</th>
            <td className="number">{formatCount(row.items)}</td>
            <td className="number">{formatCount(row.priced)}</td>
            <td className="number">
              {formatCount(row.input_tokens)} / {formatCount(row.output_tokens)}
            </td>
            <td className="number">{formatUsd(row.openai_cost)}</td>
            <td className="number">{formatUsd(row.batchrouter_cost)}</td>
            <td className={`number ${row.savings.amount.startsWith('-') ? 'negative' : ''}`}>
              {formatUsd(row.savings.amount)} ({row.savings.percent}%)
            </td>
          </tr>
        ))}
      </ChartFigures>
    </div>
  );
}

function NotPriced({ report }: { report: ImportOptimizationReport }) {
  if (report.not_priced.length === 0) return null;
  return (
    <>
      <h3>Lines not priced</h3>
      <p className="hint">Succeeded lines BatchRouter could not price without guessing: they count on neither side.</p>
      <ul className="plain-list" data-testid="not-priced">
        {report.not_priced.map((group) => (
          <li key={group.reason} className="list-row">
            <span>
              <strong>
                {formatCount(group.items)} {group.items === 1 ? 'line' : 'lines'}
              </strong>
              : {NOT_PRICED_REASONS[group.reason]} {group.models.length > 0 && <>Models: {group.models.join(', ')}.</>}
            </span>
          </li>
        ))}
      </ul>
    </>
  );
}
