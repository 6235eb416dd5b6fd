// Generators for the synthetic toy datasets (spiral, moons, circles, xor, blobs, sine), all driven by a seeded Rng.
// Classes are assigned round-robin (sample i gets class i mod K) so every dataset is balanced to within one sample;
// the caller shuffles afterwards.

import { type Rng, randn } from './random';
import { type Samples, allocateSamples } from './samples';

/** Angle an arm sweeps from centre to rim, as in the CS231n spiral. */
const SPIRAL_SWEEP = 4;
/**
 * Angular jitter per unit of `noise`: noise 0.1 gives CS231n's 0.2 rad, where a linear model is near chance
 * but a small hidden layer gets close to 100%.
 */
const SPIRAL_ANGLE_NOISE = 2;
/** sklearn make_circles default: the inner circle's radius relative to the outer one. */
const CIRCLES_FACTOR = 0.5;
/** sklearn make_blobs center_box. */
const BLOB_CENTER_RANGE = 10;

/** `classes` arms winding out from the origin, evenly spaced in angle. */
export function spiral(count: number, classes: number, noise: number, rng: Rng): Samples {
  const s = allocateSamples(count, 2, 1);
  for (let i = 0; i < count; i++) {
    const k = i % classes;
    const r = rng();
    const theta = (2 * Math.PI * k) / classes + SPIRAL_SWEEP * r + SPIRAL_ANGLE_NOISE * noise * randn(rng);
    s.x[2 * i] = r * Math.sin(theta);
    s.x[2 * i + 1] = r * Math.cos(theta);
    s.y[i] = k;
  }
  return s;
}

/**
 * sklearn make_moons: two interleaved half circles (class 0 upper, class 1 lower) with Gaussian noise.
 * Angles are drawn at random rather than evenly spaced so the seed changes the points, not only their order.
 */
export function moons(count: number, noise: number, rng: Rng): Samples {
  const s = allocateSamples(count, 2, 1);
  for (let i = 0; i < count; i++) {
    const k = i % 2;
    const a = Math.PI * rng();
    const px = k === 0 ? Math.cos(a) : 1 - Math.cos(a);
    const py = k === 0 ? Math.sin(a) : 0.5 - Math.sin(a);
    s.x[2 * i] = px + noise * randn(rng);
    s.x[2 * i + 1] = py + noise * randn(rng);
    s.y[i] = k;
  }
  return s;
}

/** sklearn make_circles (factor 0.5): class 0 on the unit circle, class 1 on the inner circle. */
export function circles(count: number, noise: number, rng: Rng): Samples {
  const s = allocateSamples(count, 2, 1);
  for (let i = 0; i < count; i++) {
    const k = i % 2;
    const a = 2 * Math.PI * rng();
    const radius = k === 0 ? 1 : CIRCLES_FACTOR;
    s.x[2 * i] = radius * Math.cos(a) + noise * randn(rng);
    s.x[2 * i + 1] = radius * Math.sin(a) + noise * randn(rng);
    s.y[i] = k;
  }
  return s;
}

/**
 * Points uniform in [-1, 1]², class 1 where x and y have the same sign. Drawing the quadrant from the class
 * (rather than the class from the point) keeps the classes exactly balanced; the label follows the clean point
 * and the noise then jitters it, so large noise pushes points across the axes.
 */
export function xor(count: number, noise: number, rng: Rng): Samples {
  const s = allocateSamples(count, 2, 1);
  for (let i = 0; i < count; i++) {
    const k = i % 2;
    const sx = rng() < 0.5 ? -1 : 1;
    const sy = k === 1 ? sx : -sx;
    // 1 - u lies in (0, 1], so no clean point sits on an axis where its class would be ambiguous.
    s.x[2 * i] = sx * (1 - rng()) + noise * randn(rng);
    s.x[2 * i + 1] = sy * (1 - rng()) + noise * randn(rng);
    s.y[i] = k;
  }
  return s;
}

/** sklearn make_blobs: Gaussian clusters (std 1 + noise) around centers uniform in [-10, 10]^features. */
export function blobs(count: number, classes: number, features: number, noise: number, rng: Rng): Samples {
  const centers = new Float64Array(classes * features);
  for (let j = 0; j < centers.length; j++) {
    centers[j] = BLOB_CENTER_RANGE * (2 * rng() - 1);
  }
  const std = 1 + noise;
  const s = allocateSamples(count, features, 1);
  for (let i = 0; i < count; i++) {
    const k = i % classes;
    for (let f = 0; f < features; f++) {
      s.x[i * features + f] = centers[k * features + f] + std * randn(rng);
    }
    s.y[i] = k;
  }
  return s;
}

/** Regression: x uniform in [-π, π], y = sin(x) + noise · N(0, 1). */
export function sine(count: number, noise: number, rng: Rng): Samples {
  const s = allocateSamples(count, 1, 1);
  for (let i = 0; i < count; i++) {
    const x = Math.PI * (2 * rng() - 1);
    s.x[i] = x;
    s.y[i] = Math.sin(x) + noise * randn(rng);
  }
  return s;
}
