// batchnorm-small-batch: batch normalization with fewer than 8 samples per batch. It normalizes with the batch's
// own mean and variance; from a handful of samples those are so noisy that training is erratic and the running
// statistics used for validation do not match (Wu & He 2018 show BN's error rising sharply below 8 per batch).
// Fixes: a larger batch, or a normalization that does not use the batch (layerNormalization, groupNormalization).

import { splitCounts } from '../../data/load';
import { childPointer, rangeOfPath } from '../../spec/positions';
import type { BatchNormalizationLayer, SpecFix, SpecProblem } from '../../spec/types';
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
    const { train } = splitCounts(ctx.spec.data.samples, ctx.spec.data);
    const batch = Math.min(SUGGESTED_BATCH, train);
    const fixes: SpecFix[] = [];
    if (batch >= MIN_BATCH) fixes.push(...fix(`set the batch size to ${batch}`, newPatch(ctx).set(pointer, batch)));
    fixes.push(
      ...layerNormFix(
        ctx,
        norms.map((n) => n.specPath),
      ),
      ...groupNormFix(ctx, norms),
    );
    return [
      problem(
        CODE,
        'warning',
        `batchNormalization with a batch size of ${batchSize}: it normalizes each batch with that batch's own mean and variance, ` +
          `which are very noisy from fewer than ${MIN_BATCH} samples, so training is erratic and validation (which uses running averages) ` +
          'does not match training; use a larger batch, or layerNormalization or groupNormalization, which normalize each sample on its own ' +
          'and do not depend on the batch',
        place,
        fixes,
      ),
    ];
  },
};

/**
 * The group count a fix writes for `channels`: the largest divisor of the channels with at least 4 channels per group
 * (a group of 1 feature of a 1-D input would have variance 0), at most 32 groups (Wu & He's default).
 */
function suggestedGroups(channels: number): number {
  let best = 1;
  for (let g = 1; g <= Math.min(32, channels); g++) if (channels % g === 0 && channels / g >= Math.min(4, channels)) best = g;
  return best;
}

/** Replace every batchNormalization entry by a groupNormalization one; undefined when a shape is unknown. */
function groupNormFix(ctx: LintContext, norms: BatchNormalizationLayer[]): SpecFix[] {
  const groups = new Map<string, number>();
  for (const n of norms) {
    const input = ctx.shapes.get(n)?.inputShape;
    if (!input || (input.length !== 1 && input.length !== 3)) return [];
    groups.set(n.specPath, suggestedGroups(input[input.length - 1]));
  }
  const patch = newPatch(ctx);
  for (const path of reverseDocumentOrder([...groups.keys()])) {
    const epsilon = textValue(ctx, childPointer(path, 'epsilon'));
    const entry = { type: 'groupNormalization', groups: groups.get(path) };
    patch.set(path, typeof epsilon === 'number' ? { ...entry, epsilon } : entry);
  }
  const counts = [...new Set(groups.values())].join('/');
  return fix(`use groupNormalization (${counts} groups) instead of batchNormalization`, patch);
}

/** Replace every batchNormalization entry by a layerNormalization one (keeping its epsilon). */
function layerNormFix(ctx: LintContext, paths: string[]): SpecFix[] {
  const patch = newPatch(ctx);
  for (const path of reverseDocumentOrder(paths)) {
    const epsilon = textValue(ctx, childPointer(path, 'epsilon'));
    patch.set(path, typeof epsilon === 'number' ? { type: 'layerNormalization', epsilon } : { type: 'layerNormalization' });
  }
  return fix('use layerNormalization instead of batchNormalization', patch);
}
