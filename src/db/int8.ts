/** int8 as a JavaScript number: money is integer micro-USD and stays far below 2^53. */

export const INT8_OID = 20;

/** int8 → number, refusing values that a double cannot hold exactly. */
export function parseInt8(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw new RangeError(`int8 value ${value} is outside the exact range`);
  return parsed;
}
