// Dataset splits → batch tensors shaped for the model (targets one-hot, 0/1 or regression values).
import * as tf from '@tensorflow/tfjs';
import type { Dataset, Split } from '../data/types';

export interface TensorShapes {
  /** Per-sample input shape as the model wants it (the spec's inputShape; data are reshaped to it). */
  inputShape: number[];
  /** Units of the model output. */
  outputUnits: number;
}

export interface EncodedSplit {
  x: Float32Array;
  /** Targets already encoded to `outputUnits` values per sample. */
  y: Float32Array;
  count: number;
}

/** Encodes a split's labels to the model's output: one-hot, a single 0/1 column, or regression targets. */
export function encodeSplit(dataset: Dataset, split: Split, outputUnits: number): EncodedSplit {
  if (dataset.task === 'regression') return { x: split.x, y: split.y, count: split.count };
  if (outputUnits === 1) return { x: split.x, y: Float32Array.from(split.y, (c) => (c > 0 ? 1 : 0)), count: split.count };
  const y = new Float32Array(split.count * outputUnits);
  for (let i = 0; i < split.count; i++) y[i * outputUnits + split.y[i]] = 1;
  return { x: split.x, y, count: split.count };
}

/** Copies rows `indices[start..end)` (rows `start..end` when `indices` is null) of a split into batch tensors. */
export function makeBatch(
  split: EncodedSplit,
  shapes: TensorShapes,
  indices: ArrayLike<number> | null,
  start: number,
  end: number,
): { x: tf.Tensor; y: tf.Tensor } {
  const n = end - start;
  const xSize = split.x.length / split.count;
  const ySize = shapes.outputUnits;
  const x = new Float32Array(n * xSize);
  const y = new Float32Array(n * ySize);
  for (let i = 0; i < n; i++) {
    const row = indices ? indices[start + i] : start + i;
    x.set(split.x.subarray(row * xSize, (row + 1) * xSize), i * xSize);
    y.set(split.y.subarray(row * ySize, (row + 1) * ySize), i * ySize);
  }
  return { x: tf.tensor(x, [n, ...shapes.inputShape]), y: tf.tensor2d(y, [n, ySize]) };
}
