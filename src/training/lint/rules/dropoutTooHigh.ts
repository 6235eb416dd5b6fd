// dropout-too-high: a dropout rate above 0.5 drops most of the layer's units at every step. Srivastava et al.
// (2014) found keeping about half of the hidden units (rate 0.5) already near the useful maximum; beyond it the
// network mostly learns noise and trains slowly.

import { childPointer } from '../../spec/positions';
import type { SpecProblem } from '../../spec/types';
import { distinctEntries } from '../../fixes/entries';
import { fieldPlace, fix, newPatch, problem } from '../context';
import { allLayers } from '../model';
import type { LintContext, LintRule } from '../types';

export const CODE = 'dropout-too-high';
export const MAX_RATE = 0.5;

export const dropoutTooHigh: LintRule = {
  code: CODE,
  check(ctx: LintContext): SpecProblem[] {
    const layers = allLayers(ctx.spec.model.layers).filter((l) => l.type === 'dropout' && l.rate > MAX_RATE);
    return distinctEntries(layers, (l) => l.specPath).map((layer) => {
      const rate = layer.type === 'dropout' ? layer.rate : 0;
      const kept = Math.round((1 - rate) * 100);
      return problem(
        CODE,
        'warning',
        `dropout rate ${rate} drops ${Math.round(rate * 100)}% of the units at every step (only ${kept}% pass): the next layer sees ` +
          `mostly noise and training slows down; rates above ${MAX_RATE} rarely help (0.1–0.5 is the usual range)`,
        fieldPlace(ctx, layer, 'rate'),
        fix(`lower the dropout rate to ${MAX_RATE}`, newPatch(ctx).set(childPointer(layer.specPath, 'rate'), MAX_RATE)),
      );
    });
  },
};
