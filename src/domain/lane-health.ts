/**
 * Lane health: what each lane has really done lately (the 90th percentile of its work units'
 * turnaround, the share of items that succeeded), from the last day of observations. Routing and
 * quotes use it in place of the catalog's figures once a lane has run enough units, and keep work
 * off a lane that is failing.
 */
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.ts';
import { laneFigures } from '../db/queries/lane-observations.ts';
import type { DB } from '../db/schema.ts';
import type { CatalogLane } from './catalog.ts';

/** Units a lane must have finished in the window before its observations count. */
export const MIN_UNITS = 3;
/** Below this share of items succeeding, a lane is failing and gets no new work. */
export const FAILING_SUCCESS_RATE = 0.5;
const WINDOW_MS = 24 * 3600 * 1000;
/** How long a process reuses the figures before reading them again. */
const FRESH_MS = 30_000;

export interface LaneHealth {
  units: number;
  successRate: number;
  turnaroundSeconds: number;
}

/** The lanes as routing sees them: observed turnaround in place of the catalog's, and why failing ones are off. */
export interface LaneView {
  lanes: CatalogLane[];
  failing: ReadonlyMap<string, string>;
}

export function laneView(lanes: readonly CatalogLane[], health: ReadonlyMap<string, LaneHealth>): LaneView {
  const failing = new Map<string, string>();
  const viewed = lanes.map((lane) => {
    const observed = health.get(lane.id);
    if (!observed || observed.units < MIN_UNITS) return lane;
    if (observed.successRate < FAILING_SUCCESS_RATE) {
      failing.set(lane.id, `only ${Math.round(observed.successRate * 100)}% of its items succeeded over its last ${observed.units} jobs`);
    }
    return { ...lane, expected_turnaround_seconds: Math.max(1, Math.ceil(observed.turnaroundSeconds)) };
  });
  return { lanes: viewed, failing };
}

export interface LaneHealthSource {
  /** The figures of the last day, read again when older than 30 s. */
  current(): Promise<ReadonlyMap<string, LaneHealth>>;
}

export function makeLaneHealthSource(db: Kysely<DB>, clock: Clock): LaneHealthSource {
  let figures: ReadonlyMap<string, LaneHealth> = new Map();
  let readAt = Number.NEGATIVE_INFINITY;
  let reading: Promise<ReadonlyMap<string, LaneHealth>> | null = null;
  const read = async () => {
    const now = clock.now();
    const rows = await laneFigures(db, new Date(now.getTime() - WINDOW_MS));
    figures = new Map(rows.map((row) => [row.lane_id, { units: row.units, successRate: row.items === 0 ? 1 : row.succeeded / row.items, turnaroundSeconds: Number(row.turnaround_p90_seconds) }]));
    readAt = now.getTime();
    return figures;
  };
  return {
    current() {
      if (clock.now().getTime() - readAt < FRESH_MS) return Promise.resolve(figures);
      reading ??= read().finally(() => {
        reading = null;
      });
      return reading;
    },
  };
}
