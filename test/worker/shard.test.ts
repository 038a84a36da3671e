/** Work units: one lane, operation and model each, within the lane's items and bytes per job, wrapper included. */
import { describe, expect, it } from 'vitest';
import { shard } from '../../src/domain/shards.ts';

const item = (index: number, bytes: number, lane = 'a', model = 'm') => ({ item_index: index, lane_id: lane, operation: 'responses', assigned_model: model, bytes });

describe('shard', () => {
  it('starts a new unit for each lane and model, and when the items per job are reached', () => {
    const items = [item(0, 10), item(1, 10), item(2, 10), item(3, 10, 'a', 'n'), item(4, 10, 'b')];
    expect(shard(items, () => ({ items: 2, bytes: 1_000_000 }))).toEqual([
      { laneId: 'a', indexes: [0, 1] },
      { laneId: 'a', indexes: [2] },
      { laneId: 'a', indexes: [3] },
      { laneId: 'b', indexes: [4] },
    ]);
  });

  it('counts each line\'s wrapper (custom id, url, model) against the bytes per job', () => {
    // Four 1,000-byte inputs fit 4,000 bytes alone, but not with their JSONL wrappers.
    const items = [item(0, 1_000), item(1, 1_000), item(2, 1_000), item(3, 1_000)];
    const units = shard(items, () => ({ items: 100, bytes: 4_000 }));
    expect(units.map((unit) => unit.indexes)).toEqual([[0, 1, 2], [3]]);
  });
});
