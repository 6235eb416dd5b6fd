// What a lint finding predicts for a run: the run-time diagnoses through which it shows up (docs/diagnostics/<code>.md,
// "Related"). A lint fix is judged by re-training the fixed spec: the re-run must raise none of the finding's
// counterparts, and nothing the unfixed run did not raise (a fix must not trade one problem for another).
import type { RuntimeCode } from '../diagnosis/types';
import type { LintCode } from './index';

export const RUNTIME_COUNTERPARTS: Readonly<Record<LintCode, readonly RuntimeCode[]>> = {
  'deep-saturating-stack': ['vanishing-gradient', 'saturated-activation'],
  'initializer-mismatch': ['vanishing-gradient', 'exploding-gradient', 'saturated-activation', 'dead-relu'],
  'initializer-scale': ['exploding-gradient', 'non-finite', 'divergence', 'vanishing-gradient', 'saturated-activation'],
  'zero-initializer': ['dead-relu', 'slow-convergence', 'vanishing-gradient'],
  'output-loss-mismatch': ['slow-convergence'],
  'dropout-too-high': ['slow-convergence'],
  'dropout-before-output': ['slow-convergence', 'oscillating-loss'],
  'lr-out-of-range': ['lr-too-high', 'lr-too-low', 'divergence', 'non-finite', 'oscillating-loss', 'slow-convergence'],
  'batchnorm-small-batch': ['oscillating-loss', 'overfitting'],
  'linear-stack': ['slow-convergence'],
  // No run-time diagnosis measures a selu net's drift off mean 0 / variance 1, nor a bias that never moves.
  'selu-dropout': [],
  'bias-before-batchnorm': [],
  'recurrent-unclipped': ['exploding-gradient', 'non-finite', 'divergence'],
  // Label-changing augmentation costs accuracy, which no run-time diagnosis judges.
  'horizontal-flip-digits': [],
};

/**
 * The diagnoses of the re-run after a fix of `finding` that the fix should have prevented: the finding's counterparts,
 * and codes the unfixed run did not raise. Empty when the fix cured without trading.
 */
export function tradedDiagnoses(finding: LintCode, before: readonly string[], after: readonly string[]): string[] {
  const counterparts: readonly string[] = RUNTIME_COUNTERPARTS[finding];
  return [...new Set(after)].filter((code) => counterparts.includes(code) || !before.includes(code));
}
