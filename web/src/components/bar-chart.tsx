/**
 * A bar chart drawn as SVG: columns over time (`orientation="columns"`, for days) or one bar per
 * category (`"bars"`, for models, providers, lanes). It is an image with a title and a summary for
 * screen readers (`chartSummary`); the page shows the same figures as a table beside it
 * (`ChartFigures`). Negative values (savings that were a loss) draw left of a zero line.
 */
import { useId, type ReactNode } from 'react';
import { formatCount } from '../format.ts';
import { DataTable, type Column } from './data-table.tsx';

export interface ChartBar {
  key: string;
  label: string;
  value: number;
  /** The value as the reader should see it ("$0.0042"). */
  display: string;
}

interface BarChartProps {
  title: string;
  summary: string;
  bars: readonly ChartBar[];
  orientation: 'columns' | 'bars';
  /** How the value axis of columns is labelled (bars show each value instead); counts by default. */
  formatAxis?(value: number): string;
}

const WIDTH = 720;

/** A round top for the axis: 1, 2, 2.5 or 5 times a power of ten at or above `max`. */
function niceCeiling(max: number): number {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

export function BarChart(props: BarChartProps) {
  const id = useId();
  return (
    <figure className="chart">
      <svg
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
        viewBox={`0 0 ${WIDTH} ${props.orientation === 'columns' ? 240 : Math.max(60, props.bars.length * 34 + 24)}`}
        className={`chart-svg ${props.orientation}`}
        data-testid="usage-chart"
      >
        <title id={`${id}-title`}>{props.title}</title>
        <desc id={`${id}-desc`}>{props.summary}</desc>
        {props.orientation === 'columns' ? <Columns {...props} /> : <Bars {...props} />}
      </svg>
      <figcaption className="chart-caption">{props.title}</figcaption>
    </figure>
  );
}

function Columns({ bars, formatAxis = formatCount }: BarChartProps) {
  const top = niceCeiling(Math.max(0, ...bars.map((bar) => bar.value)));
  const left = 64;
  const chartTop = 12;
  const chartHeight = 190;
  const plotWidth = WIDTH - left - 8;
  const slot = bars.length === 0 ? plotWidth : plotWidth / bars.length;
  const labelEvery = Math.max(1, Math.ceil(bars.length / 8));
  const y = (value: number) => chartTop + chartHeight - (value / top) * chartHeight;
  return (
    <g>
      {[0, 0.5, 1].map((share) => (
        <g key={share} className="chart-grid">
          <line x1={left} x2={WIDTH - 8} y1={y(top * share)} y2={y(top * share)} />
          <text x={left - 6} y={y(top * share) + 4} textAnchor="end" className="chart-axis">
            {formatAxis(top * share)}
          </text>
        </g>
      ))}
      {bars.map((bar, index) => {
        const height = Math.max(bar.value > 0 ? 1 : 0, (bar.value / top) * chartHeight);
        const x = left + index * slot + slot * 0.15;
        return (
          <g key={bar.key}>
            <rect className="chart-bar" x={x} y={chartTop + chartHeight - height} width={Math.max(1, slot * 0.7)} height={height}>
              <title>{`${bar.label}: ${bar.display}`}</title>
            </rect>
            {index % labelEvery === 0 && (
              <text x={x + slot * 0.35} y={chartTop + chartHeight + 18} textAnchor="middle" className="chart-axis">
                {bar.label}
              </text>
            )}
          </g>
        );
      })}
    </g>
  );
}

function Bars({ bars }: BarChartProps) {
  // Bars grow right from zero, or left of it for negative values (a saving that cost more).
  const low = Math.min(0, ...bars.map((bar) => bar.value));
  const span = Math.max(0, ...bars.map((bar) => bar.value)) - low || 1;
  const labelWidth = 220;
  const valueWidth = 110;
  const plotWidth = WIDTH - labelWidth - valueWidth;
  const zero = labelWidth + (-low / span) * plotWidth;
  return (
    <g>
      {low < 0 && (
        <g className="chart-grid">
          <line x1={zero} x2={zero} y1={6} y2={bars.length * 34 + 18} />
        </g>
      )}
      {bars.map((bar, index) => {
        const y = 12 + index * 34;
        const width = Math.max(bar.value !== 0 ? 2 : 0, (Math.abs(bar.value) / span) * plotWidth);
        const x = bar.value < 0 ? zero - width : zero;
        return (
          <g key={bar.key}>
            <text x={labelWidth - 8} y={y + 17} textAnchor="end" className="chart-label">
              {bar.label.length > 30 ? `${bar.label.slice(0, 29)}…` : bar.label}
            </text>
            <rect className={bar.value < 0 ? 'chart-bar negative' : 'chart-bar'} x={x} y={y} width={width} height={24} rx={3}>
              <title>{`${bar.label}: ${bar.display}`}</title>
            </rect>
            <text x={Math.max(x + width, zero) + 6} y={y + 17} className="chart-value">
              {bar.display}
            </text>
          </g>
        );
      })}
    </g>
  );
}

/** What a screen reader hears of a chart of `things` ("models"): how many, the highest, and the lowest when below zero. */
export function chartSummary(bars: readonly ChartBar[], things: string): string {
  if (!bars.some((bar) => bar.value !== 0)) return `Nothing in ${bars.length} ${things}.`;
  const sorted = [...bars].sort((a, b) => b.value - a.value);
  const top = sorted[0];
  const bottom = sorted[sorted.length - 1];
  const highest = top && top.value > 0 ? `; highest: ${top.label} at ${top.display}` : '';
  const lowest = bottom && bottom.value < 0 ? `; lowest: ${bottom.label} at ${bottom.display}` : '';
  return `${bars.length} ${things}${highest}${lowest}.`;
}

/** The figures behind a chart as a table, folded away under it (one `<tr>` per bar, as children). */
export function ChartFigures({ title, columns, children }: { title: string; columns: readonly (string | Column)[]; children: ReactNode }) {
  return (
    <details className="chart-data">
      <summary>Show the figures as a table</summary>
      <DataTable caption={title} columns={columns}>
        {children}
      </DataTable>
    </details>
  );
}
