/** Usage: items, tokens, cost and savings over a date range, charted by day and by model, provider or lane. */
import { useState } from 'react';
import { withQuery } from '../api/client.ts';
import type { UsageFigures, UsageGrouping, UsageReport } from '../api/types.ts';
import { BarChart, ChartFigures, chartSummary, type ChartBar } from '../components/bar-chart.tsx';
import { DayRangeFields, useDayRange } from '../components/date-range.tsx';
import { Section, Stat } from '../components/display.tsx';
import { ErrorNotice, Loading } from '../components/feedback.tsx';
import { SelectField } from '../components/forms.tsx';
import { formatCount, formatDay, formatUsd, usdValue } from '../format.ts';
import { useResource, useTitle } from '../hooks.ts';

type Metric = 'cost' | 'items' | 'tokens';

/** Axis ticks: round figures, as precise as small amounts need ($0.0005, $2.5, $100). */
const axisDollars = new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD', maximumSignificantDigits: 2 });

const METRICS: Record<Metric, { label: string; value(figures: UsageFigures): number; display(figures: UsageFigures): string; axis(value: number): string }> = {
  cost: { label: 'Cost', value: (f) => usdValue(f.cost.total), display: (f) => formatUsd(f.cost.total), axis: (v) => axisDollars.format(v) },
  items: { label: 'Items finished', value: (f) => f.items.total, display: (f) => formatCount(f.items.total), axis: formatCount },
  tokens: { label: 'Tokens', value: (f) => f.input_tokens + f.output_tokens, display: (f) => formatCount(f.input_tokens + f.output_tokens), axis: formatCount },
};

const GROUPINGS: { value: Exclude<UsageGrouping, 'day'>; label: string }[] = [
  { value: 'model', label: 'Model' },
  { value: 'provider', label: 'Provider' },
  { value: 'lane', label: 'Lane' },
];

function barsOf(report: UsageReport | undefined, metric: Metric, label: (key: string) => string): ChartBar[] {
  return (report?.data ?? []).map((row) => ({ key: row.key, label: label(row.key), value: METRICS[metric].value(row), display: METRICS[metric].display(row) }));
}

export function UsagePage() {
  useTitle('Usage');
  const range = useDayRange();
  const [metric, setMetric] = useState<Metric>('cost');
  const [grouping, setGrouping] = useState<Exclude<UsageGrouping, 'day'>>('model');
  const byDay = useResource<UsageReport>(withQuery('/v1/usage', { ...range.query, group_by: 'day' }));
  const byGroup = useResource<UsageReport>(withQuery('/v1/usage', { ...range.query, group_by: grouping }));
  const totals = byDay.data?.totals;
  const metricInfo = METRICS[metric];
  const groupLabel = GROUPINGS.find((item) => item.value === grouping)?.label ?? grouping;

  return (
    <div>
      <header className="page-header">
        <h1>Usage</h1>
        <p className="description">What this workspace&apos;s finished items used, cost and saved against each item&apos;s preferred model at its sync list price. Days are UTC.</p>
      </header>
      <form className="inline-form card" aria-label="Usage range" onSubmit={(event) => event.preventDefault()}>
        <DayRangeFields range={range} />
        <SelectField label="Measure" name="metric" value={metric} onChange={(event) => setMetric(event.target.value as Metric)} options={Object.entries(METRICS).map(([value, info]) => ({ value, label: info.label }))} />
      </form>
      <ErrorNotice error={byDay.error ?? byGroup.error} />
      {byDay.loading && !byDay.data && <Loading>Loading usage…</Loading>}
      {totals && (
        <dl className="stats" aria-label="Totals for the range">
          <Stat label="Items" value={formatCount(totals.items.total)} hint={`${formatCount(totals.items.succeeded)} succeeded, ${formatCount(totals.items.failed)} failed`} testId="usage-items" />
          <Stat label="Cost" value={formatUsd(totals.cost.total)} hint={`${formatUsd(totals.cost.provider_cost)} providers + ${formatUsd(totals.cost.platform_fee)} fee${byDay.data?.final === false ? ' (provisional)' : ''}`} testId="usage-cost" />
          <Stat label="Saved" value={formatUsd(totals.savings.amount)} hint={`${totals.savings.percent}% against ${formatUsd(totals.baseline)} at list price`} testId="usage-savings" />
          <Stat label="Tokens" value={formatCount(totals.input_tokens + totals.output_tokens)} hint={`${formatCount(totals.input_tokens)} in, ${formatCount(totals.output_tokens)} out`} testId="usage-tokens" />
        </dl>
      )}
      <Section id="usage-by-day" title={`${metricInfo.label} by day`}>
        {byDay.data && (
          <UsageChart report={byDay.data} bars={barsOf(byDay.data, metric, formatDay)} orientation="columns" title={`${metricInfo.label} by day`} metric={metric} keyLabel="Day" />
        )}
      </Section>
      <Section
        id="usage-by-group"
        title={`${metricInfo.label} by ${groupLabel.toLowerCase()}`}
        actions={<SelectField label="Group by" name="group_by" value={grouping} onChange={(event) => setGrouping(event.target.value as Exclude<UsageGrouping, 'day'>)} options={GROUPINGS} />}
      >
        {byGroup.data && byGroup.data.data.length === 0 && <p className="hint">Nothing finished in this range.</p>}
        {byGroup.data && byGroup.data.data.length > 0 && (
          <UsageChart report={byGroup.data} bars={barsOf(byGroup.data, metric, (key) => key)} orientation="bars" title={`${metricInfo.label} by ${groupLabel.toLowerCase()}`} metric={metric} keyLabel={groupLabel} />
        )}
      </Section>
    </div>
  );
}

function UsageChart({ report, bars, orientation, title, metric, keyLabel }: { report: UsageReport; bars: ChartBar[]; orientation: 'columns' | 'bars'; title: string; metric: Metric; keyLabel: string }) {
  return (
    <>
      <BarChart title={title} summary={chartSummary(bars, `${keyLabel.toLowerCase()}s`)} bars={bars} orientation={orientation} formatAxis={METRICS[metric].axis} />
      <ChartFigures title={title} columns={[keyLabel, { label: 'Items', numeric: true }, { label: 'Tokens in / out', numeric: true }, { label: 'Cost', numeric: true }, { label: 'Saved', numeric: true }]}>
        {report.data.map((row) => (
          <tr key={row.key}>
            <th scope="row">{orientation === 'columns' ? formatDay(row.key) : row.key}</th>
            <td className="number">{formatCount(row.items.total)}</td>
            <td className="number">
              {formatCount(row.input_tokens)} / {formatCount(row.output_tokens)}
            </td>
            <td className="number">{formatUsd(row.cost.total)}</td>
            <td className="number">{formatUsd(row.savings.amount)}</td>
          </tr>
        ))}
      </ChartFigures>
    </>
  );
}
