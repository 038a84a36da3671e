/**
 * Money is integer micro-USD inside the system and a decimal string at the edges.
 * @example parseUsd('42') // 42_000_000
 * @example formatUsd(42_000_000) // '42.00'
 */
const MICROS_PER_USD = 1_000_000;

/** The largest amount a single operation may carry: one billion dollars. */
export const MAX_AMOUNT_MICROS = 1_000_000_000 * MICROS_PER_USD;

/** Parses "12", "12.5" or "0.000001" exactly; null when the text is not such an amount. */
export function parseUsd(text: string): number | null {
  const match = /^(\d{1,10})(?:\.(\d{1,6}))?$/.exec(text.trim());
  if (!match?.[1]) return null;
  const micros = Number(match[1]) * MICROS_PER_USD + Number((match[2] ?? '').padEnd(6, '0'));
  return micros <= MAX_AMOUNT_MICROS ? micros : null;
}

/** Renders micro-USD with at least two decimals and no trailing zeros beyond them. */
export function formatUsd(micros: number): string {
  if (!Number.isSafeInteger(micros)) throw new RangeError(`not an integer amount: ${micros}`);
  const sign = micros < 0 ? '-' : '';
  const absolute = Math.abs(micros);
  const whole = Math.floor(absolute / MICROS_PER_USD);
  const fraction = String(absolute % MICROS_PER_USD).padStart(6, '0').replace(/0{1,4}$/, '');
  return `${sign}${whole}.${fraction.padEnd(2, '0')}`;
}
