/**
 * Cutting a batch's items into work units: one or more per lane, operation and model (a provider
 * batch job holds one endpoint and, for some providers, one model), each within its lane's limits
 * (items and bytes per job). Submit cuts the first round; the worker cuts each later round of
 * items queued for another attempt.
 */
import type { CatalogLane } from './catalog.ts';
import type { RoutedItem } from './routing.ts';

export interface ShardableItem {
  item_index: number;
  lane_id: string;
  operation: string;
  assigned_model: string;
  /** UTF-8 bytes of the item's input as JSON. */
  bytes: number;
}

export interface Shard {
  laneId: string;
  /** Item indexes, in order. */
  indexes: number[];
}

export interface ShardLimits {
  items: number;
  bytes: number;
}

/**
 * What a provider batch line adds to an item's input: the custom id, method, url and model around
 * the body. Counted so that a shard's file stays within the lane's byte limit, wrapper included.
 */
const LINE_OVERHEAD_BYTES = 256;

/**
 * Cuts items into shards no larger than their lane allows: grouped by lane, operation and model
 * (in that order), each group in item order.
 */
export function shard(items: readonly ShardableItem[], limits: (laneId: string) => ShardLimits): Shard[] {
  const groups = new Map<string, ShardableItem[]>();
  for (const item of items) {
    const key = `${item.lane_id}\u0000${item.operation}\u0000${item.assigned_model}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push(item);
  }
  const shards: Shard[] = [];
  for (const key of [...groups.keys()].sort()) {
    const group = (groups.get(key) ?? []).sort((a, b) => a.item_index - b.item_index);
    let current: (Shard & { bytes: number }) | null = null;
    for (const item of group) {
      const limit = limits(item.lane_id);
      const bytes = item.bytes + LINE_OVERHEAD_BYTES;
      if (!current || current.indexes.length >= limit.items || current.bytes + bytes > limit.bytes) {
        current = { laneId: item.lane_id, indexes: [], bytes: 0 };
        shards.push(current);
      }
      current.indexes.push(item.item_index);
      current.bytes += bytes;
    }
  }
  return shards.map(({ laneId, indexes }) => ({ laneId, indexes }));
}

/** The limits of the lanes, by id; a lane that is not enabled (any more) takes one item per unit. */
export function laneLimits(lanes: readonly CatalogLane[]): (laneId: string) => ShardLimits {
  const byId = new Map(lanes.map((lane) => [lane.id, lane]));
  return (laneId) => {
    const lane = byId.get(laneId);
    return { items: lane?.max_items_per_job ?? 1, bytes: lane?.max_bytes_per_job ?? Number.MAX_SAFE_INTEGER };
  };
}

/** The work units of a routing plan's first round: each item on the lane and model routing chose. */
export function shardPlan(items: readonly RoutedItem[], lanes: readonly CatalogLane[]): Shard[] {
  const shardable = items.map((routed) => ({
    item_index: routed.item.index,
    lane_id: routed.choice.lane.id,
    operation: routed.item.operation,
    assigned_model: routed.choice.model.id,
    bytes: routed.bytes,
  }));
  return shard(shardable, laneLimits(lanes));
}
