// lr-out-of-range: a learning rate far outside what works in practice for the optimizer. Too high and updates
// overshoot (the loss oscillates or diverges); too low and nothing visibly happens in the epochs given.
// The ranges are rules of thumb around each optimizer's standard default (docs/diagnostics/lr-out-of-range.md).

import { fmt } from '../../format';
import { isAdaptive, OPTIMIZER_FACTS } from '../../model/facts';
import { nearestRangeOfPath } from '../../spec/positions';
import type { OptimizerType, SpecProblem } from '../../spec/types';
import { DEFAULT_LEARNING_RATE } from '../../spec/vocabulary';
import { fix, newPatch, problem } from '../context';
import type { LintContext, LintRule } from '../types';

export const CODE = 'lr-out-of-range';

/**
 * The rate the fix writes for a rate above the range. The landing point c is 10× the optimizer's default, and at most
 * the top of its range. Adam, RMSprop and Adagrad divide each gradient by its own size, so their step per weight is
 * about the rate whatever the gradient: c itself is a bounded step, the least change that is one. Plain SGD's step
 * is the rate times the gradient, so the rate it tolerates depends on the loss's curvature, which lint cannot see:
 * dividing by the smallest power of ten that lands at or below c keeps the user's digits, and landing at c itself
 * was not enough (non-finite-sgd-sine: 2 → 0.1 still non-finite on one seed of two; 2 → 0.02 cured). Measured on the
 * bench specs with this finding (docs/diagnostics/lr-out-of-range.md): the optimizer's default instead trades the
 * finding for slow-convergence on two of them.
 */
function loweredRate(type: OptimizerType, learningRate: number): number {
  const c = Math.min(10 * DEFAULT_LEARNING_RATE[type], OPTIMIZER_FACTS[type].learningRateRange.max);
  if (isAdaptive(type)) return c;
  let k = 1;
  // toPrecision drops the binary noise of the division (0.7 / 10 is 0.06999…); 15 digits keep every digit written.
  const divided = (): number => Number((learningRate / 10 ** k).toPrecision(15));
  while (divided() > c) k++;
  return divided();
}

export const lrOutOfRange: LintRule = {
  code: CODE,
  check(ctx: LintContext): SpecProblem[] {
    const { type, learningRate } = ctx.spec.training.optimizer;
    // A piecewise schedule's values (or a one-cycle maxLearningRate) are the learning rate; the optimizer's is not used.
    const s = ctx.spec.training.schedule;
    if (s.type === 'piecewise' || (s.type === 'oneCycle' && s.maxLearningRate !== undefined)) return [];
    const range = OPTIMIZER_FACTS[type].learningRateRange;
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
    const lowered = loweredRate(type, learningRate);
    return [
      problem(
        CODE,
        'warning',
        message,
        place,
        high
          ? fix(`lower the learning rate from ${fmt(learningRate)} to ${fmt(lowered)}`, newPatch(ctx).set(pointer, lowered))
          : fix(`set the learning rate to ${fallback} (${type}'s default)`, newPatch(ctx).set(pointer, fallback)),
      ),
    ];
  },
};
