// Diagnoses that cannot both be true of one run, so one run never reports both: the learning rate cannot be too
// high and too low, and a slow convergence (whose cure is a higher rate) contradicts a rate found too high. The
// diagnoser consults this before each detector; whichever of a pair fires first stands.
import type { RuntimeCode } from './types';

const PAIRS: readonly (readonly [RuntimeCode, RuntimeCode])[] = [
  ['lr-too-high', 'lr-too-low'],
  ['lr-too-high', 'slow-convergence'],
];

/** A code already fired that contradicts `code`, if any. */
export function contradictedBy(fired: ReadonlySet<RuntimeCode>, code: RuntimeCode): RuntimeCode | undefined {
  for (const [a, b] of PAIRS) {
    if (code === a && fired.has(b)) return b;
    if (code === b && fired.has(a)) return a;
  }
  return undefined;
}
