/**
 * The optimization report of the workspace's own batches over a range of days: what they cost
 * against the baseline, the savings charted by lane, model or SLA tier, and the recommendations.
 */
import { useState } from 'react';
import { withQuery } from '../../api/client.ts';
import type { NativeOptimizationReport, UsageFigures } from '../../api/types.ts';
import { BarChart, ChartFigures, chartSummary } from '../../components/bar-chart.tsx';
import { DayRangeFields, useDayRange } from '../../components/date-range.tsx';
import { Section, Stat } from '../../components/display.tsx';
import { ErrorNotice, Loading } from '../../components/feedback.tsx';
import { SelectField } from '../../components/forms.tsx';
import { formatCount, formatUsd, usdValue } from '../../format.ts';
import { useResource } from '../../hooks.ts';
import { RecommendationList } from './recommendations.tsx';

export const REPORT_PATH = '/v1/batches/optimization-report';

type Grouping = 'lane' | 'model' | 'sla_tier';

const GROUPINGS: readonly { value: Grouping; label: string }[] = [
  { value: 'lane', label: 'Lane' },
  { value: 'model', label: 'Model' },
  { value: 'sla_tier', label: 'SLA tier' },
];

type Row = UsageFigures & { key: string; mode?: 'batch' | 'sync' | null };

function rowsOf(report: NativeOptimizationReport, grouping: Grouping): Row[] {
  if (grouping === 'lane') return report.by_lane;
  return grouping === 'model' ? report.by_model : report.by_sla_tier;
}

function keyOf(row: Row): string {
  return row.mode ? `${row.key} (${row.mode})` : row.key;
}

export function BatchesReport() {
  const range = useDayRange();
  const [grouping, setGrouping] = useState<Grouping>('lane');
  const report = useResource<NativeOptimizationReport>(withQuery(REPORT_PATH, range.query));
  const data = report.data;
  const groupLabel = GROUPINGS.find((item) => item.value === grouping)?.label ?? grouping;
  const title = `Savings by ${groupLabel === 'SLA tier' ? groupLabel : groupLabel.toLowerCase()}`;
  return (
    <>
      <form className="inline-form card" aria-label="Report range" onSubmit={(event) => event.preventDefault()}>
        <DayRangeFields range={range} />
        <p className="hint">Items that finished in the range (UTC days, both included), as Usage counts them.</p>
      </form>
      <ErrorNotice error={report.error} />
      {report.loading && !data && <Loading>Loading the report…</Loading>}
      {data && <BatchesTotals report={data} />}
      <Section
        id="savings-chart"
        title={title}
        description="What each part saved against the baseline: the same tokens on each item's preferred model at its sync list price. Below zero, it cost more."
        actions={<SelectField label="Group by" name="group_by" value={grouping} onChange={(event) => setGrouping(event.target.value as Grouping)} options={GROUPINGS} />}
      >
        {data && data.totals.items.total === 0 && <p className="hint">Nothing finished in this range.</p>}
        {data && data.totals.items.total > 0 && <SavingsChart rows={rowsOf(data, grouping)} title={title} keyLabel={groupLabel} />}
      </Section>
      <Section id="recommendations" title="Recommendations" description="What would have cost less, priced through the catalog and the routing as they are now; largest effect first.">
        {data && <RecommendationList recommendations={data.recommendations} potentialSavings={data.potential_savings} heading="h3" things="items" basis="of what these items cost" />}
      </Section>
    </>
  );
}

function BatchesTotals({ report }: { report: NativeOptimizationReport }) {
  const { totals } = report;
  return (
    <dl className="stats" aria-label="Totals for the range">
      <Stat label="Items" value={formatCount(totals.items.total)} hint={`${formatCount(totals.items.succeeded)} succeeded, ${formatCount(totals.items.failed)} failed`} testId="optimization-items" />
      <Stat label="Cost" value={formatUsd(totals.cost.total)} hint={`${formatUsd(totals.cost.provider_cost)} providers + ${formatUsd(totals.cost.platform_fee)} fee${report.final ? '' : ' (provisional)'}`} testId="optimization-cost" />
      <Stat label="Baseline" value={formatUsd(totals.baseline)} hint="The same tokens on each item's preferred model at sync list price." testId="optimization-baseline" />
      <Stat label="Saved" value={formatUsd(totals.savings.amount)} hint={`${totals.savings.percent}% of the baseline`} testId="optimization-savings" />
    </dl>
  );
}

function SavingsChart({ rows, title, keyLabel }: { rows: Row[]; title: string; keyLabel: string }) {
  const bars = rows.map((row) => ({ key: row.key, label: keyOf(row), value: usdValue(row.savings.amount), display: formatUsd(row.savings.amount) }));
  return (
    <>
      <BarChart title={title} summary={chartSummary(bars, keyLabel === 'SLA tier' ? 'SLA tiers' : `${keyLabel.toLowerCase()}s`)} bars={bars} orientation="bars" />
      <ChartFigures
        title={title}
        columns={[keyLabel, { label: 'Items', numeric: true }, { label: 'Cost', numeric: true }, { label: 'Baseline', numeric: true }, { label: 'Saved', numeric: true }, { label: 'Saved %', numeric: true }]}
      >
        {rows.map((row) => (
          <tr key={row.key}>
            <th scope="row">{keyOf(row)}</th>
            <td className="number">{formatCount(row.items.total)}</td>
            <td className="number">{formatUsd(row.cost.total)}</td>
            <td className="number">{formatUsd(row.baseline)}</td>
            <td className={`number ${row.savings.amount.startsWith('-') ? 'negative' : ''}`}>{formatUsd(row.savings.amount)}</td>
            <td className="number">{row.savings.percent}%</td>
          </tr>
        ))}
      </ChartFigures>
    </>
  );
}
