/** A JSON object (not an array, not null), as parsed from a body, a file line or a provider's answer. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
