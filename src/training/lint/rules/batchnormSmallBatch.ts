// batchnorm-small-batch: batch normalization with fewer than 8 samples per batch. It normalizes with the batch's
// own mean and variance; from a handful of samples those are so noisy that training is erratic and the running
// statistics used for validation do not match (Wu & He 2018 show BN's error rising sharply below 8 per batch).

import { validationCount } from '../../data/load';
import { childPointer, rangeOfPath } from '../../spec/positions';
import type { SpecFix, SpecProblem } from '../../spec/types';
import { distinctEntries, reverseDocumentOrder } from '../../fixes/entries';
import { fix, newPatch, problem, textValue } from '../context';
import { allLayers } from '../model';
import type { LintContext, LintRule } from '../types';

export const CODE = 'batchnorm-small-batch';
export const MIN_BATCH = 8;
const SUGGESTED_BATCH = 32;

export const batchnormSmallBatch: LintRule = {
  code: CODE,
  check(ctx: LintContext): SpecProblem[] {
    const { batchSize } = ctx.spec.training;
    if (batchSize >= MIN_BATCH) return [];
    const norms = distinctEntries(
      allLayers(ctx.spec.model.layers).filter((l) => l.type === 'batchNormalization'),
      (l) => l.specPath,
    );
    if (norms.length === 0) return [];
    const pointer = '/training/batchSize';
    const range = rangeOfPath(ctx.text, pointer);
    const place = range ? { specPath: pointer, range } : { specPath: norms[0].specPath, range: norms[0].range };
    const { samples, validationSplit } = ctx.spec.data;
    const train = samples - validationCount(samples, validationSplit);
    const batch = Math.min(SUGGESTED_BATCH, train);
    const fixes: SpecFix[] = [];
    if (batch >= MIN_BATCH) fixes.push(...fix(`set the batch size to ${batch}`, newPatch(ctx).set(pointer, batch)));
    fixes.push(
      ...layerNormFix(
        ctx,
        norms.map((n) => n.specPath),
      ),
    );
    return [
      problem(
        CODE,
        'warning',
        `batchNormalization with a batch size of ${batchSize}: it normalizes each batch with that batch's own mean and variance, ` +
          `which are very noisy from fewer than ${MIN_BATCH} samples, so training is erratic and validation (which uses running averages) ` +
          'does not match training; use a larger batch, or layerNormalization, which does not depend on the batch',
        place,
        fixes,
      ),
    ];
  },
};

/** Replace every batchNormalization entry by a layerNormalization one (keeping its epsilon). */
function layerNormFix(ctx: LintContext, paths: string[]): SpecFix[] {
  const patch = newPatch(ctx);
  for (const path of reverseDocumentOrder(paths)) {
    const epsilon = textValue(ctx, childPointer(path, 'epsilon'));
    patch.set(path, typeof epsilon === 'number' ? { type: 'layerNormalization', epsilon } : { type: 'layerNormalization' });
  }
  return fix('use layerNormalization instead of batchNormalization', patch);
}
