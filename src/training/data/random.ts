// Seeded randomness shared by the datasets and the engine's batch shuffling: nothing here touches Math.random,
// so a spec's seed reproduces every array bit for bit.

import seedrandom from 'seedrandom';

/** Uniform random numbers in [0, 1). */
export type Rng = () => number;

/**
 * A PRNG (Alea) seeded from `seed`. `stream` names an independent sequence for the same seed, so that e.g.
 * batch shuffling does not replay the numbers that generated the data.
 */
export function createRng(seed: number, stream?: string): Rng {
  const key = stream === undefined ? String(seed) : `${seed}:${stream}`;
  const prng = seedrandom.alea(key);
  return () => prng();
}

/** A standard normal sample (Box–Muller). */
export function randn(rng: Rng): number {
  // 1 - u lies in (0, 1], so the log is finite.
  const u = 1 - rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** A uniform integer in [0, n). */
export function randInt(rng: Rng, n: number): number {
  // min() guards against an rng that returns exactly 1.
  return Math.min(n - 1, Math.floor(rng() * n));
}

/** Fisher–Yates shuffle of `items` in place; returns the same array. */
export function shuffleInPlace<T extends { length: number; [i: number]: unknown }>(items: T, rng: Rng): T {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randInt(rng, i + 1);
    const tmp = items[i];
    items[i] = items[j];
    items[j] = tmp;
  }
  return items;
}

/** 0..n-1 in a random order. */
export function shuffledIndices(n: number, rng: Rng): Uint32Array {
  const indices = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    indices[i] = i;
  }
  return shuffleInPlace(indices, rng);
}
