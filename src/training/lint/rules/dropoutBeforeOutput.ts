// dropout-before-output: dropout as the last thing before the model's output, i.e. after the output layer. It
// zeroes (and rescales) the model's predictions themselves during training, so the loss is computed on
// corrupted outputs instead of regularizing hidden units. Dropout goes before the output layer, not after it.

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
      const what = layers[last].type === 'dense' || layers[last].type === 'conv2d' ? 'after the output layer' : 'at the very end of the model';
      found.push(problem(CODE, 'warning',
        `dropout (rate ${layer.rate}) ${what} zeroes ${Math.round(layer.rate * 100)}% of the model's outputs at random during training: ` +
        'it corrupts the predictions the loss is computed on instead of regularizing hidden units; put dropout before the output layer',
        { specPath: layer.specPath, range: layer.range }, fixes(ctx, layer.specPath, layers[last].specPath)));
    }
    return found;
  },
};

/** Move the dropout entry just before the output layer's entry (both in the top-level list), else remove it. */
function fixes(ctx: LintContext, dropoutPath: string, outputPath: string): SpecFix[] {
  const dropout = entrySlot(dropoutPath);
  const output = entrySlot(outputPath);
  const out: SpecFix[] = [];
  if (dropout && output && dropout.array === '/model/layers' && output.array === '/model/layers' && output.index < dropout.index) {
    out.push(...fix('move the dropout before the output layer', newPatch(ctx).move(dropoutPath, childPointer('/model/layers', output.index))));
  }
  out.push(...fix('remove the dropout', newPatch(ctx).remove(dropoutPath)));
  return out;
}
