/**
 * A bar chart drawn as SVG: columns over time (`orientation="columns"`, for days) or one bar per
 * category (`"bars"`, for models, providers, lanes). It is an image with a title and a summary for
 * screen readers; the page shows the same figures as a table beside it.
 */
import { useId } from 'react';

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
  formatAxis(value: number): string;
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

function Columns({ bars, formatAxis }: BarChartProps) {
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
  const top = Math.max(0, ...bars.map((bar) => bar.value)) || 1;
  const labelWidth = 220;
  const valueWidth = 110;
  const plotWidth = WIDTH - labelWidth - valueWidth;
  return (
    <g>
      {bars.map((bar, index) => {
        const y = 12 + index * 34;
        const width = Math.max(bar.value > 0 ? 2 : 0, (bar.value / top) * plotWidth);
        return (
          <g key={bar.key}>
            <text x={labelWidth - 8} y={y + 17} textAnchor="end" className="chart-label">
              {bar.label.length > 30 ? `${bar.label.slice(0, 29)}…` : bar.label}
            </text>
            <rect className="chart-bar" x={labelWidth} y={y} width={width} height={24} rx={3}>
              <title>{`${bar.label}: ${bar.display}`}</title>
            </rect>
            <text x={labelWidth + width + 6} y={y + 17} className="chart-value">
              {bar.display}
            </text>
          </g>
        );
      })}
    </g>
  );
}
