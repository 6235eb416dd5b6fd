// Generators for the sequence datasets (adding, sequenceParity): classic long-range-dependency tasks for recurrent
// networks, driven by a seeded Rng. Each sample is `length` timesteps of `features` values, stored row-major.

import { type Rng, randInt } from './random';
import { type Samples, allocateSamples } from './samples';

/**
 * The adding problem (Hochreiter & Schmidhuber 1997, in the form of Le et al. 2015): at each timestep a value
 * uniform in [0, 1) and a marker (0 or 1); exactly two markers, one in each half of the sequence. The target is
 * the sum of the two marked values. It is the sum of two independent U(0, 1), so its variance is 2/12: a model
 * that always predicts the mean 1 has MSE ≈ 0.167, the baseline a network must beat to show it learned the task.
 */
export function adding(count: number, length: number, rng: Rng): Samples {
  const s = allocateSamples(count, length * 2, 1);
  const half = Math.floor(length / 2);
  for (let i = 0; i < count; i++) {
    const base = i * length * 2;
    for (let t = 0; t < length; t++) s.x[base + 2 * t] = rng();
    const first = randInt(rng, half);
    const second = half + randInt(rng, length - half);
    s.x[base + 2 * first + 1] = 1;
    s.x[base + 2 * second + 1] = 1;
    s.y[i] = s.x[base + 2 * first] + s.x[base + 2 * second];
  }
  return s;
}

/**
 * Parity of a bit sequence: each timestep one bit (0 or 1), class 1 when the number of ones is odd. Every bit
 * matters, the first as much as the last. The class is assigned round-robin and the last bit set to match it,
 * which keeps the classes balanced and the sequences uniformly random.
 */
export function sequenceParity(count: number, length: number, rng: Rng): Samples {
  const s = allocateSamples(count, length, 1);
  for (let i = 0; i < count; i++) {
    const k = i % 2;
    let ones = 0;
    for (let t = 0; t < length - 1; t++) {
      const bit = rng() < 0.5 ? 1 : 0;
      s.x[i * length + t] = bit;
      ones += bit;
    }
    s.x[i * length + length - 1] = (ones + k) % 2;
    s.y[i] = k;
  }
  return s;
}
