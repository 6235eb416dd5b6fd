// bias-before-batchnorm: a dense/conv2d layer without activation whose output goes straight into
// batchNormalization. Batch normalization subtracts each unit's mean, so any constant the bias adds is removed
// (its gradient is 0 in training, up to rounding, and the running mean absorbs it at evaluation), and batchNormalization's
// own beta already gives each unit a learned offset: the bias is dead weight (Ioffe & Szegedy 2015, section 3.2).

import { childPointer } from '../../spec/positions';
import type { SpecProblem } from '../../spec/types';
import { distinctEntries } from '../../fixes/entries';
import { fieldPlace, fix, newPatch, problem, textValue } from '../context';
import { isWeightLayer, sequences, type WeightLayer } from '../model';
import type { LintContext, LintRule } from '../types';

export const CODE = 'bias-before-batchnorm';

export const biasBeforeBatchnorm: LintRule = {
  code: CODE,
  check(ctx: LintContext): SpecProblem[] {
    const flagged: WeightLayer[] = [];
    // A repeat template is patched for all its copies: flag it only when every copy feeds batch normalization.
    const elsewhere = new Set<string>();
    for (const seq of sequences(ctx.spec.model.layers)) {
      seq.forEach((layer, i) => {
        if (!isWeightLayer(layer) || !layer.useBias || layer.activation !== 'linear') return;
        if (seq[i + 1]?.type === 'batchNormalization') flagged.push(layer);
        else elsewhere.add(layer.specPath);
      });
    }
    return distinctEntries(
      flagged.filter((l) => !elsewhere.has(l.specPath)),
      (l) => l.specPath,
    ).map((layer) => {
      const patch = newPatch(ctx).set(childPointer(layer.specPath, 'useBias'), false);
      const biasInit = childPointer(layer.specPath, 'biasInitializer');
      if (textValue(ctx, biasInit) !== undefined) patch.remove(biasInit);
      return problem(
        CODE,
        'info',
        `the bias of this ${layer.type} layer is wasted: the batchNormalization right after it subtracts each unit's batch mean, ` +
          'which removes any constant the bias adds (the bias’s gradient is 0 up to rounding), and batchNormalization’s own ' +
          'learned shift (beta) already does the bias’s job; set "useBias": false',
        fieldPlace(ctx, layer, 'useBias'),
        fix('remove the bias ("useBias": false)', patch),
      );
    });
  },
};
