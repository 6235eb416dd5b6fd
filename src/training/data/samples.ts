// The intermediate form every dataset source produces before shuffling, splitting and standardizing.

/** Unsplit samples: `count` rows of `sampleSize` inputs and `targetSize` targets (1 for a class index). */
export interface Samples {
  x: Float32Array;
  y: Float32Array;
  count: number;
  sampleSize: number;
  targetSize: number;
}

/** Room for `count` samples, filled in by the caller. */
export function allocateSamples(count: number, sampleSize: number, targetSize: number): Samples {
  return {
    x: new Float32Array(count * sampleSize),
    y: new Float32Array(count * targetSize),
    count,
    sampleSize,
    targetSize,
  };
}
