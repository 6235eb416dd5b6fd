// horizontal-flip-digits: `horizontalFlip` augmentation on MNIST. Augmentation should only make changes that keep
// the label: a shifted or slightly rotated 3 is still a 3, but a mirrored 3 is a shape no one writes, and mirrored
// 2s, 5s and 7s stop looking like their class. The model then spends capacity on images that never occur.

import type { SpecProblem } from '../../spec/types';
import { fix, newPatch, problem } from '../context';
import { rangeOfPath } from '../../spec/positions';
import type { LintContext, LintRule } from '../types';

const CODE = 'horizontal-flip-digits';
const POINTER = '/data/augmentation/horizontalFlip';

export const horizontalFlipDigits: LintRule = {
  code: CODE,
  check(ctx: LintContext): SpecProblem[] {
    if (ctx.spec.data.dataset !== 'mnist' || ctx.spec.data.augmentation?.horizontalFlip !== true) return [];
    const range = rangeOfPath(ctx.text, POINTER);
    if (!range) return [];
    return [
      problem(
        CODE,
        'warning',
        '"horizontalFlip" mirrors half of the training digits left to right, but a mirrored digit is not the same ' +
          'digit (a mirrored 3 or 7 is a shape no one writes, and no validation image looks like it): augmentation ' +
          'should only make changes that keep the label; remove it and use "shift", "rotation" or "zoom"',
        { specPath: POINTER, range },
        fix('remove horizontalFlip', newPatch(ctx).remove(POINTER)),
      ),
    ];
  },
};
