// initializer-mismatch: a named kernel initializer made for another activation. He (variance 2/fan-in) is made
// for ReLU and over-drives sigmoid/tanh into their flat tails; Glorot (2/(fan-in + fan-out)) loses about half the
// signal's variance per ReLU layer, which compounds in deep stacks; selu self-normalizes only from LeCun weights.

import { childPointer } from '../../spec/positions';
import type { NamedInitializer, SpecProblem } from '../../spec/types';
import { fieldPlace, fix, fmt, problem, setOp } from '../context';
import {
  type Activated, RELU_FAMILY, SATURATING, type WeightLayer, activationOf, isWeightLayer, outputLayer, runs, sequences,
} from '../model';
import type { LintContext, LintRule } from '../types';

export const CODE = 'initializer-mismatch';
/** ReLU-family hidden layers in a row (no normalization, no skip) from which Glorot initialization is flagged. */
export const MIN_GLOROT_RELU_RUN = 8;

export const initializerMismatch: LintRule = {
  code: CODE,
  check(ctx: LintContext): SpecProblem[] {
    return [...heWithSaturating(ctx), ...glorotOnDeepRelu(ctx), ...seluWithoutLecun(ctx)];
  },
};

function eachWeightLayer(ctx: LintContext, visit: (layer: WeightLayer, act: Activated) => void): void {
  for (const seq of sequences(ctx.spec.model.layers)) {
    seq.forEach((layer, i) => {
      if (isWeightLayer(layer)) visit(layer, activationOf(seq, i));
    });
  }
}

function finding(ctx: LintContext, layer: WeightLayer, message: string, title: string, init: NamedInitializer): SpecProblem {
  const pointer = childPointer(layer.specPath, 'kernelInitializer');
  return problem(CODE, 'warning', message, fieldPlace(ctx, layer, 'kernelInitializer'), fix(title, [setOp(ctx, pointer, init)]));
}

function heWithSaturating(ctx: LintContext): SpecProblem[] {
  const output = outputLayer(ctx.spec);
  const found: SpecProblem[] = [];
  eachWeightLayer(ctx, (layer, act) => {
    const init = layer.kernelInitializer;
    if ((init !== 'heNormal' && init !== 'heUniform') || !SATURATING.has(act.activation) || layer === output) return;
    const glorot: NamedInitializer = init === 'heNormal' ? 'glorotNormal' : 'glorotUniform';
    found.push(finding(ctx, layer,
      `"${init}" is made for ReLU (weight variance 2/fan-in); with ${act.activation} it doubles the input variance of each unit and ` +
      `pushes more of them into the flat tails where no gradient passes; use "${glorot}" (Glorot & Bengio 2010)`,
      `use ${glorot} for this ${act.activation} layer`, glorot));
  });
  return found;
}

function glorotOnDeepRelu(ctx: LintContext): SpecProblem[] {
  const output = outputLayer(ctx.spec);
  const found: SpecProblem[] = [];
  for (const run of runs(ctx.spec, (m) => RELU_FAMILY.has(m.activation.activation) && m.layer !== output)) {
    if (run.length < MIN_GLOROT_RELU_RUN) continue;
    for (const m of run) {
      const init = m.layer.kernelInitializer;
      if (init !== 'glorotUniform' && init !== 'glorotNormal') continue;
      const written = fieldPlace(ctx, m.layer, 'kernelInitializer').specPath !== m.layer.specPath;
      found.push(finding(ctx, m.layer,
        `"${init}"${written ? '' : ' (the default)'} in a stack of ${run.length} ${m.activation.activation} layers with no normalization: ` +
        `Glorot's weight variance is about half what ReLU-like units need, so the signal shrinks by about √2 per layer ` +
        `(≈ ${fmt(Math.SQRT1_2 ** run.length)}× after ${run.length} layers); use "heNormal" (He et al. 2015)`,
        `use heNormal for this ${m.activation.activation} layer`, 'heNormal'));
    }
  }
  return found;
}

function seluWithoutLecun(ctx: LintContext): SpecProblem[] {
  const found: SpecProblem[] = [];
  eachWeightLayer(ctx, (layer, act) => {
    const init = layer.kernelInitializer;
    if (act.activation !== 'selu' || init === 'lecunNormal' || init === 'lecunUniform' || typeof init !== 'string') return;
    if (init === 'zeros' || init === 'ones') return; // zero-initializer says what is wrong with those
    const written = fieldPlace(ctx, layer, 'kernelInitializer').specPath !== layer.specPath;
    found.push(finding(ctx, layer,
      `selu keeps activations normalized only when weights have variance 1/fan-in ("lecunNormal", Klambauer et al. 2017); ` +
      `with "${init}"${written ? '' : ' (the default)'} the self-normalizing property is lost`,
      'use lecunNormal for this selu layer', 'lecunNormal'));
  });
  return found;
}
