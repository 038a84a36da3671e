/** How the dashboard writes dates, money and counts. */

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });
const count = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

/** A timestamp in the reader's time zone, or `fallback` when there is none. */
export function formatDateTime(iso: string | null | undefined, fallback = '--'): string {
  if (!iso) return fallback;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? fallback : dateTime.format(date);
}

/** A UTC day (`2031-03-10`) as a date. */
export function formatDay(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  return Number.isNaN(date.getTime()) ? day : dateOnly.format(date);
}

/** A count (or an axis tick between counts, to one decimal). */
export function formatCount(value: number): string {
  return count.format(value);
}

/**
 * An API amount (a decimal string of US dollars, exact: "42.00", "-0.000704") as money, without
 * going through floating point: "$42.00", "-$0.000704", "$1,250.50".
 */
export function formatUsd(amount: string): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!match) return amount;
  const [, sign = '', whole = '0', fraction = ''] = match;
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}$${grouped}.${fraction.padEnd(2, '0')}`;
}

/** A decimal-dollar string as a number, for drawing charts (never for arithmetic shown as money). */
export function usdValue(amount: string): number {
  const value = Number(amount);
  return Number.isFinite(value) ? value : 0;
}

/** "owner" → "Owner". */
export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
