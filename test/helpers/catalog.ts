/** Catalog fixtures for tests that build lanes and routes without a catalog file. */
import type { CatalogLane } from '../../src/domain/catalog.ts';
import { DEFAULT_LANE_LIMITS } from '../../src/domain/catalog-loader.ts';
import { newId } from '../../src/ids.ts';
import type { JobKey } from '../../src/lanes/types.ts';

/** A batch lane in `us` of provider `p` running model `m`, with the defaults of a catalog entry, and `overrides`. */
export function catalogLane(overrides: Partial<CatalogLane> = {}): CatalogLane {
  return {
    id: 'lane',
    provider: 'p',
    mode: 'batch',
    region: 'us',
    models: ['m'],
    discount_bps: 5000,
    zero_data_retention: false,
    self_hosted: false,
    expected_turnaround_seconds: 3600,
    max_items_per_job: 100,
    max_bytes_per_job: 1_000_000,
    limits: DEFAULT_LANE_LIMITS,
    ...overrides,
  };
}

/** A provider job's key as the worker gives it: a new work unit's id, made now. */
export function aJob(): JobKey {
  return { key: newId('wu'), since: new Date() };
}
