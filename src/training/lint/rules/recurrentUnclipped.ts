// recurrent-unclipped: a plain recurrent layer (simpleRNN) over a long sequence, trained without gradient clipping.
// Backpropagation through time multiplies the gradient by the recurrent kernel (and the activation's slope) once per
// timestep, so its size depends on that kernel's largest singular value raised to the number of steps: one batch
// can push it past that value and the gradient explodes. Clipping the global norm is the standard safety net for
// recurrent nets (Pascanu et al. 2013); a gated layer (lstm, gru) carries its state without that product.

import { LAYER_FACTS } from '../../model/facts';
import type { RecurrentLayer, SpecFix, SpecProblem } from '../../spec/types';
import { distinctEntries } from '../../fixes/entries';
import { fix, newPatch, problem } from '../context';
import { allLayers } from '../model';
import type { LintContext, LintRule } from '../types';

export const CODE = 'recurrent-unclipped';
/** From this many timesteps on, a plain recurrent layer is "over a long sequence". */
export const LONG_SEQUENCE = 20;

export const recurrentUnclipped: LintRule = {
  code: CODE,
  check(ctx: LintContext): SpecProblem[] {
    const { clipNorm, clipValue } = ctx.spec.training;
    if (clipNorm !== undefined || clipValue !== undefined) return [];
    const plain = distinctEntries(
      allLayers(ctx.spec.model.layers).filter((l): l is RecurrentLayer => LAYER_FACTS[l.type].recurrent?.gated === false),
      (l) => l.specPath,
    );
    const found: SpecProblem[] = [];
    for (const layer of plain) {
      const steps = ctx.shapes.get(layer)?.inputShape[0];
      if (steps === undefined || steps < LONG_SEQUENCE) continue;
      const fixes: SpecFix[] = [
        ...fix('clip the global gradient norm to 1', newPatch(ctx).set('/training/clipNorm', 1)),
        ...lstmFix(ctx, layer),
      ];
      found.push(
        problem(
          CODE,
          'info',
          `simpleRNN over ${steps} timesteps without gradient clipping: backpropagation through time multiplies the ` +
            `gradient by the recurrent kernel once per timestep, ${steps} times, so once the kernel stretches the state ` +
            'the gradient grows exponentially and one batch can make it explode; set "clipNorm" (standard for ' +
            'recurrent nets) or use an lstm, whose gated cell state carries the gradient without that product',
          { specPath: layer.specPath, range: layer.range },
          fixes,
        ),
      );
    }
    return found;
  },
};

/** simpleRNN → lstm (lstm's default tanh when another activation was set). */
function lstmFix(ctx: LintContext, layer: RecurrentLayer): SpecFix[] {
  const p = newPatch(ctx).set(`${layer.specPath}/type`, 'lstm');
  if (layer.activation !== 'tanh' && p.has(`${layer.specPath}/activation`)) p.remove(`${layer.specPath}/activation`);
  return fix('use an lstm layer instead of simpleRNN', p);
}
