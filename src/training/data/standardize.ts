// Per-feature standardization with statistics from the training split only, so validation scores are not
// flattered by information from the validation samples.

import { type Split } from './types';

/** Mean and standard deviation of each feature. */
export interface FeatureStats {
  mean: Float64Array;
  std: Float64Array;
}

/** Features this flat count as constant: dividing by their spread would only amplify rounding error. */
const MIN_STD = 1e-12;

/** Mean and population standard deviation of each of the `width` features of `split` (two-pass for accuracy). */
export function featureStats(split: Split, width: number): FeatureStats {
  const mean = new Float64Array(width);
  const std = new Float64Array(width);
  const n = split.count;
  if (n === 0) {
    return { mean, std };
  }
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < width; f++) {
      mean[f] += split.x[i * width + f];
    }
  }
  for (let f = 0; f < width; f++) {
    mean[f] /= n;
  }
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < width; f++) {
      const d = split.x[i * width + f] - mean[f];
      std[f] += d * d;
    }
  }
  for (let f = 0; f < width; f++) {
    std[f] = Math.sqrt(std[f] / n);
  }
  return { mean, std };
}

/** The statistics as `applyStats` applies them: a constant feature, only centered, has std 1. */
export function appliedStandardization(stats: FeatureStats): { mean: number[]; std: number[] } {
  return { mean: Array.from(stats.mean), std: Array.from(stats.std, (s) => (s > MIN_STD ? s : 1)) };
}

/** Rescales `split.x` in place to (x - mean) / std; constant features are only centered. */
export function applyStats(split: Split, width: number, stats: FeatureStats): void {
  for (let i = 0; i < split.count; i++) {
    for (let f = 0; f < width; f++) {
      const j = i * width + f;
      const centered = split.x[j] - stats.mean[f];
      split.x[j] = stats.std[f] > MIN_STD ? centered / stats.std[f] : centered;
    }
  }
}

/** Standardizes every split's inputs with the training split's statistics; targets are never touched. */
export function standardizeSplits(train: Split, heldOut: Split[], width: number): FeatureStats {
  const stats = featureStats(train, width);
  applyStats(train, width, stats);
  for (const split of heldOut) applyStats(split, width, stats);
  return stats;
}
