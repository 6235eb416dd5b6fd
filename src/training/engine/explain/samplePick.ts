// Which validation samples the per-epoch explanations show: a seeded choice, so a learner watches the same images
// every epoch (and in a rerun of the same spec) while the model's attention on them forms.
import { createRng, randInt } from '../../data/random';

/** A fixed, seeded choice of `n` distinct validation indices (sorted), the same every epoch for a given seed. */
export function pickExplainIndices(validationCount: number, n: number, seed: number): number[] {
  const count = Math.max(0, Math.floor(validationCount));
  const wanted = Math.min(count, Math.max(0, Math.floor(n)));
  // Partial Fisher–Yates over 0..count-1 on its own stream: the data's and the shuffling's numbers are not replayed.
  const rng = createRng(seed, 'explain-samples');
  const pool = Array.from({ length: count }, (_, i) => i);
  for (let i = 0; i < wanted; i++) {
    const j = i + randInt(rng, count - i);
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, wanted).sort((a, b) => a - b);
}
