/** Lane health as routing sees it: observed turnaround once a lane has enough units, failing lanes off. */
import { describe, expect, it } from 'vitest';
import { laneView, MIN_UNITS } from '../../src/domain/lane-health.ts';
import { catalogLane } from '../helpers/catalog.ts';

const lane = (id: string) => catalogLane({ id });

describe('laneView', () => {
  it('keeps the catalog figure until a lane has finished enough units', () => {
    const view = laneView([lane('a')], new Map([['a', { units: MIN_UNITS - 1, successRate: 0, turnaroundSeconds: 10 }]]));
    expect(view.lanes[0]?.expected_turnaround_seconds).toBe(3600);
    expect(view.failing.size).toBe(0);
  });

  it('uses the observed turnaround, rounded up, once it has', () => {
    const view = laneView([lane('a'), lane('b')], new Map([['a', { units: MIN_UNITS, successRate: 1, turnaroundSeconds: 7_200.2 }]]));
    expect(view.lanes.map((l) => l.expected_turnaround_seconds)).toEqual([7_201, 3_600]);
  });

  it('marks a lane on which fewer than half the items succeeded as failing, saying why', () => {
    const view = laneView([lane('a')], new Map([['a', { units: 4, successRate: 0.25, turnaroundSeconds: 60 }]]));
    expect(view.failing.get('a')).toBe('only 25% of its items succeeded over its last 4 jobs');
  });
});
