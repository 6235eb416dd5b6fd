// zero-initializer: a hidden layer whose kernel starts constant (zeros, ones, constant). All its units start with
// the same weights, compute the same output and get the same update from the same input (symmetry): the layer
// acts like one unit until something else pulls them apart. With ReLU and zero weights they get no gradient at all.

import { childPointer } from '../../spec/positions';
import type { InitializerSpec, SpecProblem } from '../../spec/types';
import { activationFacts, initializerMean, isConstantInitializer, recommendedInitializer } from '../../model/facts';
import { fieldPlace, fix, newPatch, problem } from '../context';
import { type WeightLayer, activationOf, isWeightLayer, loadedLayers, outputLayer, sequences } from '../model';
import type { LintContext, LintRule } from '../types';

export const CODE = 'zero-initializer';

function constantValue(init: InitializerSpec): number | undefined {
  return isConstantInitializer(init) ? initializerMean(init) : undefined;
}

export const zeroInitializer: LintRule = {
  code: CODE,
  check(ctx: LintContext): SpecProblem[] {
    // The output layer may start at zero (its units already differ through their targets), as logistic regression does.
    const output = outputLayer(ctx.spec);
    // A layer whose weights model.initFrom loads does not start from its initializer.
    const loaded = loadedLayers(ctx.spec);
    const found: SpecProblem[] = [];
    for (const seq of sequences(ctx.spec.model.layers)) {
      seq.forEach((layer, i) => {
        if (!isWeightLayer(layer) || layer === output || loaded.has(layer)) return;
        const value = constantValue(layer.kernelInitializer);
        if (value === undefined) return;
        const activation = activationOf(seq, i).activation;
        const next = seq.slice(i + 1).find(isWeightLayer);
        const nextConstant = next !== undefined && constantValue(next.kernelInitializer) !== undefined;
        found.push(finding(ctx, layer, value, activation, nextConstant));
      });
    }
    return found;
  },
};

function finding(
  ctx: LintContext,
  layer: WeightLayer,
  value: number,
  activation: WeightLayer['activation'],
  nextConstant: boolean,
): SpecProblem {
  const units = layer.type === 'dense' ? `${layer.units} units` : `${layer.filters} filters`;
  const name = typeof layer.kernelInitializer === 'string' ? `"${layer.kernelInitializer}"` : `constant ${value}`;
  const zeroInput = value === 0 && (!layer.useBias || layer.biasInitializer === 'zeros');
  let consequence: string;
  let severity: 'warning' | 'info' = 'warning';
  if (zeroInput && activationFacts(activation).canDie) {
    // relu(0) = 0 with slope 0 there (model/facts: a rectifier that can die): nothing flows either way.
    consequence = `with ${activation}, zero weights and zero bias every unit outputs 0 and passes back no gradient, so the layer never learns`;
  } else if (nextConstant) {
    consequence =
      'the next layer starts constant too, so every unit also gets the same update and they stay identical: ' +
      'the layer works like a single unit';
  } else {
    severity = 'info';
    consequence = "only the next layer's random weights tell them apart, so they start out redundant";
  }
  const init = recommendedInitializer(activation);
  const message =
    `kernelInitializer ${name}: all ${units} of this layer start with the same weights and compute the same output ` +
    `(symmetry); ${consequence}; use random weights such as "${init}"`;
  return problem(
    CODE,
    severity,
    message,
    fieldPlace(ctx, layer, 'kernelInitializer'),
    fix(`use ${init} for this layer`, newPatch(ctx).set(childPointer(layer.specPath, 'kernelInitializer'), init)),
  );
}
