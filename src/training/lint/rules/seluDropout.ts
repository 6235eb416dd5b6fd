// selu-dropout: plain dropout on the output of a selu layer. selu keeps activations at mean 0 and variance 1 only
// if every layer passes that on; dropout zeroes units and scales the rest by 1/(1 − rate), which raises the
// variance of such a signal to 1/(1 − rate). alphaDropout (Klambauer et al. 2017) sets dropped units to selu's
// negative saturation value and rescales so the mean stays 0 and the variance 1.

import { SELU_ALPHA, SELU_LAMBDA, LAYER_FACTS } from '../../model/facts';
import type { ResolvedLayer, SpecProblem } from '../../spec/types';
import { distinctEntries } from '../../fixes/entries';
import { fix, newPatch, problem } from '../context';
import { isWeightLayer, sequences } from '../model';
import type { LintContext, LintRule } from '../types';

export const CODE = 'selu-dropout';

/** Training-only noise that keeps the units (dropout, alphaDropout, gaussianNoise): the signal passes through it. */
function isNoise(layer: ResolvedLayer): boolean {
  const facts = LAYER_FACTS[layer.type];
  return facts.weights === 'none' && facts.keepsUnits && facts.affine;
}

/** The activation of the layer that produced the signal at position `i` (noise layers before it skipped). */
function producerActivation(seq: readonly ResolvedLayer[], i: number): string | undefined {
  let j = i - 1;
  while (j >= 0 && isNoise(seq[j])) j--;
  const source = seq[j] as ResolvedLayer | undefined;
  if (!source) return undefined;
  if (source.type === 'activation' || isWeightLayer(source)) return source.activation;
  return undefined;
}

export const seluDropout: LintRule = {
  code: CODE,
  check(ctx: LintContext): SpecProblem[] {
    const flagged: Extract<ResolvedLayer, { type: 'dropout' }>[] = [];
    for (const seq of sequences(ctx.spec.model.layers)) {
      seq.forEach((layer, i) => {
        if (layer.type === 'dropout' && layer.rate > 0 && producerActivation(seq, i) === 'selu') flagged.push(layer);
      });
    }
    const saturation = (SELU_LAMBDA * SELU_ALPHA).toFixed(3);
    return distinctEntries(flagged, (l) => l.specPath).map((layer) => {
      const { rate } = layer;
      return problem(
        CODE,
        'warning',
        `dropout after a selu layer breaks selu's self-normalization: it zeroes ${Math.round(rate * 100)}% of the units and ` +
          `scales the rest by 1/(1 − ${rate}), which raises the variance of a mean-0, variance-1 signal to ` +
          `${(1 / (1 - rate)).toFixed(2)}; alphaDropout sets dropped units to selu's negative saturation value (−${saturation}) ` +
          'and rescales so the mean stays 0 and the variance 1 (Klambauer et al. 2017)',
        { specPath: layer.specPath, range: layer.range },
        fix(
          `use alphaDropout (rate ${rate}) instead of dropout`,
          newPatch(ctx).set(layer.specPath, { type: 'alphaDropout', rate }),
        ),
      );
    });
  },
};
