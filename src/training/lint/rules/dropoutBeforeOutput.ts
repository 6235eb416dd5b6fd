// dropout-before-output: dropout as the last thing before the model's output, i.e. after the output layer. It
// zeroes (and rescales) the model's predictions themselves during training, so the loss is computed on
// corrupted outputs instead of regularizing hidden units. Dropout goes before the output layer, not after it.
// With a softmax/sigmoid output and a cross-entropy the activation is then not fused into the loss (the dropout is
// the last layer): dropout zeroes probabilities, and the loss clips each zeroed true-class probability to 1e-7.

import { childPointer } from '../../spec/positions';
import { entrySlot } from '../../fixes/entries';
import type { SpecFix, SpecProblem } from '../../spec/types';
import { fix, newPatch, problem } from '../context';
import type { LintContext, LintRule } from '../types';

export const CODE = 'dropout-before-output';

export const dropoutBeforeOutput: LintRule = {
  code: CODE,
  check(ctx: LintContext): SpecProblem[] {
    const layers = ctx.spec.model.layers;
    let last = layers.length - 1;
    while (last >= 0 && layers[last].type === 'dropout') last--;
    if (last < 0 || last === layers.length - 1) return [];
    const found: SpecProblem[] = [];
    const seen = new Set<string>();
    for (const layer of layers.slice(last + 1)) {
      if (layer.type !== 'dropout' || seen.has(layer.specPath)) continue;
      seen.add(layer.specPath);
      const output = layers[last];
      const what =
        output.type === 'dense' || output.type === 'conv2d' ? 'after the output layer' : 'at the very end of the model';
      const probabilities =
        (output.type === 'dense' || output.type === 'conv2d' || output.type === 'activation') &&
        (output.activation === 'softmax' || output.activation === 'sigmoid') &&
        ctx.spec.training.loss !== 'meanSquaredError';
      const cost = probabilities
        ? `: each zeroed true-class probability is clipped to 1e-7 and adds −ln 1e-7 ≈ 16 to the training loss while passing no gradient`
        : '';
      found.push(
        problem(
          CODE,
          'warning',
          `dropout (rate ${layer.rate}) ${what} zeroes ${Math.round(layer.rate * 100)}% of the model's outputs at random during training${cost}; ` +
            'it corrupts the predictions the loss is computed on instead of regularizing hidden units; put dropout before the output layer',
          { specPath: layer.specPath, range: layer.range },
          fixes(ctx, layer.specPath, layers[last].specPath),
        ),
      );
    }
    return found;
  },
};

/** Move the dropout entry just before the output layer's entry (both in the top-level list), else remove it. */
function fixes(ctx: LintContext, dropoutPath: string, outputPath: string): SpecFix[] {
  const dropout = entrySlot(dropoutPath);
  const output = entrySlot(outputPath);
  const out: SpecFix[] = [];
  if (
    dropout &&
    output &&
    dropout.array === '/model/layers' &&
    output.array === '/model/layers' &&
    output.index < dropout.index
  ) {
    out.push(
      ...fix(
        'move the dropout before the output layer',
        newPatch(ctx).move(dropoutPath, childPointer('/model/layers', output.index)),
      ),
    );
  }
  out.push(...fix('remove the dropout', newPatch(ctx).remove(dropoutPath)));
  return out;
}
