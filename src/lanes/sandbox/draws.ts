/**
 * The sandbox's randomness: every draw is a pure function of a hash, so the same seed, lane and
 * request give the same outcome in every process and on every run. Never Math.random.
 */

/** Murmur3's finaliser: spreads every input bit over the whole 32-bit result. */
function mix32(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A 32-bit hash of `text`, continuing from `start` (the hash of what comes before it), so a lane
 * hashes its seed once and each request's id without building a joined string.
 * @example hashText('item-7-a1', hashText('seed'))
 */
export function hashText(text: string, start = 0x811c9dc5): number {
  let h = start;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return mix32(h);
}

/** Which draw of a request: each purpose gets its own independent number from the same hash. */
export const DRAW = {
  failure: 1,
  transientKind: 2,
  latencyRadius: 3,
  latencyAngle: 4,
  finishOrder: 5,
  responseId: 6,
  embedding: 100,
} as const;

/** Draw number `index` of `hash`, in [0, 1). */
export function unitDraw(hash: number, index: number): number {
  return mix32(hash ^ Math.imul(index, 0x9e3779b9)) / 0x1_0000_0000;
}

/** Eight hex digits of draw `index` of `hash`, for provider-style ids. */
export function hexDraw(hash: number, index: number): string {
  return mix32(hash ^ Math.imul(index, 0x9e3779b9)).toString(16).padStart(8, '0');
}

/** z of the 99th and 99.99th percentiles of the standard normal distribution. */
const Z_P99 = 2.326_347_874;
const Z_P9999 = 3.719_016_485;

/**
 * A log-normal latency with the given median (> 0) and 99th percentile, from two draws of `hash`
 * (Box–Muller). Draws beyond the 99.99th percentile are clamped to it, so one unlucky request
 * cannot stall a run for minutes.
 */
export function logNormalMs(hash: number, medianMs: number, p99Ms: number): number {
  const sigma = Math.log(p99Ms / medianMs) / Z_P99;
  const radius = 1 - unitDraw(hash, DRAW.latencyRadius); // in (0, 1], so the logarithm is finite
  const z = Math.sqrt(-2 * Math.log(radius)) * Math.cos(2 * Math.PI * unitDraw(hash, DRAW.latencyAngle));
  const clamped = Math.max(-Z_P9999, Math.min(Z_P9999, z));
  return Math.round(medianMs * Math.exp(sigma * clamped));
}
