// lr-out-of-range: a learning rate far outside what works in practice for the optimizer. Too high and updates
// overshoot (the loss oscillates or diverges); too low and nothing visibly happens in the epochs given.
// The ranges are rules of thumb around each optimizer's standard default (docs/diagnostics/lr-out-of-range.md).

import { nearestRangeOfPath } from '../../spec/positions';
import type { OptimizerType, SpecProblem } from '../../spec/types';
import { DEFAULT_LEARNING_RATE } from '../../spec/vocabulary';
import { fix, newPatch, problem } from '../context';
import type { LintContext, LintRule } from '../types';

export const CODE = 'lr-out-of-range';

/** Sane learning rates per optimizer, inclusive. */
export const LR_RANGE: Readonly<Record<OptimizerType, { min: number; max: number }>> = {
  sgd: { min: 1e-4, max: 1 },
  adam: { min: 1e-5, max: 0.01 },
  rmsprop: { min: 1e-5, max: 0.01 },
  adagrad: { min: 1e-4, max: 1 },
};

export const lrOutOfRange: LintRule = {
  code: CODE,
  check(ctx: LintContext): SpecProblem[] {
    const { type, learningRate } = ctx.spec.training.optimizer;
    const range = LR_RANGE[type];
    if (learningRate >= range.min && learningRate <= range.max) return [];
    const high = learningRate > range.max;
    const pointer = '/training/optimizer/learningRate';
    const place = nearestRangeOfPath(ctx.text, pointer);
    if (!place) return [];
    const fallback = DEFAULT_LEARNING_RATE[type];
    const message =
      `learning rate ${learningRate} is ${high ? 'above' : 'below'} the usual range for ${type} ` +
      `(${range.min}–${range.max}): ${high ? 'updates overshoot, so the loss oscillates or diverges' : 'the weights barely move, so training looks stuck'}; ` +
      `${type}'s standard default is ${fallback}`;
    return [
      problem(
        CODE,
        'warning',
        message,
        place,
        fix(`set the learning rate to ${fallback} (${type}'s default)`, newPatch(ctx).set(pointer, fallback)),
      ),
    ];
  },
};
