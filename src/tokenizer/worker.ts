/** A tokenizer thread of the pool (pool.ts): measures a slice of a manifest's items. */
import { measureItems, type MeasuredItems } from '../domain/measure-items.ts';

export interface SliceTask {
  items: unknown[];
  keepJson: boolean;
}

export default function measureSlice(task: SliceTask): MeasuredItems {
  return measureItems(task.items, task.keepJson);
}
