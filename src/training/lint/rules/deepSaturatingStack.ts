// deep-saturating-stack: many sigmoid/tanh layers in a row with nothing to restore the signal (no normalization,
// no skip connection). The sigmoid's slope is at most 0.25, so the gradient can shrink 4× per layer on its way
// back; saturated tanh units pass back almost nothing either: the first layers stop learning (vanishing gradients).

import { fmt } from '../../format';
import { batchNormCure, reluHeCure } from '../../fixes/layerCures';
import { ACTIVATION_FACTS, activationFacts } from '../../model/facts';
import { ACTIVATIONS, type ActivationName, type SpecFix, type SpecProblem } from '../../spec/types';
import { newPatch, problem } from '../context';
import { type RunMember, outputLayer, runs, weightEntry } from '../model';
import type { LintContext, LintRule } from '../types';

export const CODE = 'deep-saturating-stack';
/** Hidden sigmoid layers in a row from which the finding is raised (0.25^5 ≈ 1e-3: a thousandfold shrink). */
export const MIN_SIGMOID_RUN = 5;
/** tanh-only runs: tanh's slope reaches 1, so only deeper stacks lose the gradient reliably. */
export const MIN_TANH_RUN = 10;

export const deepSaturatingStack: LintRule = {
  code: CODE,
  check(ctx: LintContext): SpecProblem[] {
    const output = outputLayer(ctx.spec);
    const found: SpecProblem[] = [];
    for (const run of runs(
      ctx.spec,
      (m) => activationFacts(m.activation.activation).family === 'saturating' && m.layer !== output,
    )) {
      // sigmoid and hardSigmoid: a slope below 1 everywhere, so the shrinkage compounds even unsaturated.
      const shrinking = run.filter((m) => activationFacts(m.activation.activation).derivative.max < 1);
      if (run.length < (shrinking.length > 0 ? MIN_SIGMOID_RUN : MIN_TANH_RUN)) continue;
      const first = run[0].layer;
      found.push(
        problem(
          CODE,
          'warning',
          message(
            run.map((m) => m.activation.activation),
            shrinking.map((m) => m.activation.activation),
          ),
          { specPath: first.specPath, range: first.range },
          cures(ctx, run),
        ),
      );
    }
    return found;
  },
};

function message(all: ActivationName[], shrinking: ActivationName[]): string {
  const n = all.length;
  const kind = ACTIVATIONS.filter((a) => all.includes(a)).join('/');
  const kinds = ACTIVATIONS.filter((a) => shrinking.includes(a));
  const slopes = kinds.map((a) => ACTIVATION_FACTS[a].derivative.max);
  const product = shrinking.reduce((p, a) => p * ACTIVATION_FACTS[a].derivative.max, 1);
  const power = kinds.length === 1 ? `${slopes[0]}^${shrinking.length}` : `the product of ${shrinking.length} such slopes`;
  const why =
    shrinking.length > 0
      ? `the ${kinds.join('/')}'s slope is at most ${slopes.join('/')}, so the gradient reaching the first of them can be ${fmt(product)} of the last one's (${power})`
      : 'saturated tanh units pass back almost no gradient, and the shrinkage compounds layer after layer';
  return `${n} ${kind} layers in a row with no normalization or skip connection: ${why}; the first layers will get almost no learning signal (vanishing gradients)`;
}

/**
 * The same cures the run-time vanishing-gradient diagnosis offers for this stack (fixes/layerCures): ReLU with He
 * initialization (and a gradient-norm clip for deep runs), else batch normalization before each activation.
 */
function cures(ctx: LintContext, run: RunMember[]): SpecFix[] {
  const entries = run.map(weightEntry);
  return [reluHeCure(newPatch(ctx), entries, run.length, ctx.spec.training), batchNormCure(newPatch(ctx), entries)].filter(
    (f): f is SpecFix => f !== undefined,
  );
}
