/**
 * A range of UTC days the way the reports take it: "From" and "Through" dates, both included,
 * the last 30 days to start with; sent to the API as `[from, to)` with `to` the day after "Through".
 * @example const range = useDayRange(); useResource(withQuery('/v1/usage', range.query)); <DayRangeFields range={range} />
 */
import { useState } from 'react';
import { Field } from './forms.tsx';

export interface DayRange {
  from: string;
  through: string;
  setFrom(day: string): void;
  setThrough(day: string): void;
  /** The API's query parameters: `from`, and `to` (excluded) unless "Through" is empty. */
  query: { from: string; to: string | undefined };
}

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return isoDay(date);
}

/** The last 30 UTC days, today included, until changed. */
export function useDayRange(): DayRange {
  const today = isoDay(new Date());
  const [from, setFrom] = useState(addDays(today, -29));
  const [through, setThrough] = useState(today);
  return { from, through, setFrom, setThrough, query: { from, to: through === '' ? undefined : addDays(through, 1) } };
}

export function DayRangeFields({ range }: { range: DayRange }) {
  return (
    <>
      <Field label="From" name="from" type="date" value={range.from} max={range.through} onChange={(event) => range.setFrom(event.target.value)} />
      <Field label="Through" name="through" type="date" value={range.through} min={range.from} onChange={(event) => range.setThrough(event.target.value)} />
    </>
  );
}
