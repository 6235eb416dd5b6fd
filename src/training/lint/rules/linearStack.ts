// linear-stack: a weight layer with no nonlinearity feeding straight into another weight layer. Two linear maps
// in a row are one linear map (W2·(W1·x) = (W2·W1)·x), so the first adds parameters but no expressive power.

import { childPointer } from '../../spec/positions';
import type { ResolvedLayer, SpecProblem } from '../../spec/types';
import { LAYER_FACTS } from '../../model/facts';
import { fix, newPatch, problem } from '../context';
import { type WeightLayer, activationOf, isWeightLayer, sequences } from '../model';
import type { LintContext, LintRule } from '../types';

export const CODE = 'linear-stack';

/** Layers that are affine maps of their input (model/facts): a nonlinearity is still missing after them. */
function transparent(layer: ResolvedLayer): boolean {
  return LAYER_FACTS[layer.type].affine || (layer.type === 'activation' && layer.activation === 'linear');
}

export const linearStack: LintRule = {
  code: CODE,
  check(ctx: LintContext): SpecProblem[] {
    const found: SpecProblem[] = [];
    const seen = new Set<string>();
    for (const seq of sequences(ctx.spec.model.layers)) {
      seq.forEach((layer, i) => {
        if (!isWeightLayer(layer) || activationOf(seq, i).activation !== 'linear' || seen.has(layer.specPath)) return;
        let j = i + 1;
        while (j < seq.length && transparent(seq[j])) j++;
        const next = seq[j];
        if (!next || !isWeightLayer(next)) return;
        seen.add(layer.specPath);
        found.push(finding(ctx, layer, next));
      });
    }
    return found;
  },
};

function finding(ctx: LintContext, layer: WeightLayer, next: WeightLayer): SpecProblem {
  const self = layer.type === 'dense' ? `dense layer (${layer.units} units)` : `conv2d layer (${layer.filters} filters)`;
  const message =
    `${self} with no activation feeds straight into another ${next.type} layer: two linear maps in a row are ` +
    'just one linear map, so this layer adds parameters but no expressive power; give it a nonlinearity such as "relu"';
  return problem(
    CODE,
    'warning',
    message,
    { specPath: layer.specPath, range: layer.range },
    fix('add a relu activation to this layer', newPatch(ctx).set(childPointer(layer.specPath, 'activation'), 'relu')),
  );
}
