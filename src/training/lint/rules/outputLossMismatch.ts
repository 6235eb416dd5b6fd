// output-loss-mismatch: the output activation and the loss do not belong together. gradscope fuses only two pairs
// into one loss computed from the logits: (softmax, categoricalCrossentropy) and (sigmoid, binaryCrossentropy) on
// the last layer. Every other pair is trained as written: the loss is computed on the activation's outputs (clipped
// into [1e-7, 1 − 1e-7] for a cross-entropy, so outside that interval no gradient passes).
// (Units versus classes is the parser's job: output-mismatch, softmax-single-unit, loss-mismatch.)

import { entrySlot } from '../../fixes/entries';
import type { PatchBuilder } from '../../fixes/patchBuilder';
import { childPointer, nodeAtPointer } from '../../spec/positions';
import type { ActivationName, LossName, ResolvedLayer, SpecFix, SpecProblem } from '../../spec/types';
import { fieldPlace, fix, newPatch, problem } from '../context';
import type { LintContext, LintRule } from '../types';

export const CODE = 'output-loss-mismatch';

/** The layer that sets the model's output activation (dropout after it does not change it), as the engine reads it. */
function outputSource(layers: readonly ResolvedLayer[]): { layer: ResolvedLayer; activation: ActivationName } | undefined {
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i];
    if (layer.type === 'dropout') continue;
    if (layer.type === 'dense' || layer.type === 'conv2d' || layer.type === 'activation')
      return { layer, activation: layer.activation };
    return { layer, activation: 'linear' };
  }
  return undefined;
}

export const outputLossMismatch: LintRule = {
  code: CODE,
  check(ctx: LintContext): SpecProblem[] {
    const source = outputSource(ctx.spec.model.layers);
    if (!source) return [];
    const { activation } = source;
    const loss = ctx.spec.training.loss;
    const units = outputUnits(ctx);
    const lossFix = (to: LossName): SpecFix[] => fix(`use ${to} as the loss`, newPatch(ctx).set('/training/loss', to));
    const activationFix = (to: ActivationName): SpecFix[] =>
      fix(`use ${to} as the output activation`, setActivation(ctx, source.layer, to));
    const report = (message: string, fixes: SpecFix[]): SpecProblem[] => [
      problem(CODE, 'warning', message, place(ctx, source.layer), fixes),
    ];

    if (ctx.task === 'regression') {
      if (activation !== 'softmax' && activation !== 'sigmoid') return [];
      return report(
        `a ${activation} output on regression data: the loss is computed on the ${activation}'s outputs, which cannot leave ` +
          `${activation === 'softmax' ? '(0, 1) and always sum to 1' : '(0, 1)'}, so real-valued targets outside that range are never reached; ` +
          'use a "linear" output with meanSquaredError',
        activationFix('linear'),
      );
    }
    if (activation === 'softmax' && loss === 'binaryCrossentropy' && units !== 1) {
      return report(
        'softmax output with binaryCrossentropy: softmax makes the classes compete (its outputs sum to 1) while binaryCrossentropy ' +
          'scores each output as an independent yes/no; gradscope trains exactly that, binary cross-entropy on the softmax probabilities ' +
          '(softmax is fused only with categoricalCrossentropy), a loss on another scale that no one-of-K classifier is meant to minimise; ' +
          'say "categoricalCrossentropy" (or use "sigmoid" outputs for independent labels)',
        [...lossFix('categoricalCrossentropy'), ...activationFix('sigmoid')],
      );
    }
    if (activation === 'sigmoid' && loss === 'categoricalCrossentropy' && units !== 1) {
      return report(
        `sigmoid output with categoricalCrossentropy on ${ctx.spec.data.classes} classes: sigmoid outputs are independent ` +
          'yes/no probabilities that do not sum to 1, but categoricalCrossentropy expects one distribution over the classes: it only ' +
          "rewards the true class's output (−ln p) and no gradient pushes the other outputs down (sigmoid is fused only with " +
          'binaryCrossentropy, so this loss is computed on the sigmoid outputs as they are); use "softmax"',
        [...activationFix('softmax'), ...lossFix('binaryCrossentropy')],
      );
    }
    if ((activation === 'softmax' || activation === 'sigmoid') && loss === 'meanSquaredError') {
      const used: LossName = activation === 'softmax' ? 'categoricalCrossentropy' : 'binaryCrossentropy';
      return report(
        `${activation} output with meanSquaredError: gradscope trains the squared error of the ${activation}'s probabilities ` +
          `(${activation} is fused only with ${used}); it learns, but its gradient passes through the ${activation}'s slope, which vanishes ` +
          `as the outputs saturate, so a confidently wrong output is corrected slowly; say "${used}" (fused with ${activation} into one ` +
          'numerically stable loss whose gradient does not vanish)',
        lossFix(used),
      );
    }
    if (activation !== 'softmax' && activation !== 'sigmoid' && loss !== 'meanSquaredError') {
      const wanted: ActivationName = loss === 'categoricalCrossentropy' && units !== 1 ? 'softmax' : 'sigmoid';
      return report(
        `${activation === 'linear' ? 'linear (no) activation' : `${activation} activation`} at the output with ${loss}: ` +
          `cross-entropy needs probabilities, so gradscope clips the outputs into [1e-7, 1 − 1e-7] and an output outside that interval ` +
          `passes no gradient; ` +
          `use "${wanted}"`,
        activationFix(wanted),
      );
    }
    return [];
  },
};

function outputUnits(ctx: LintContext): number | undefined {
  const last = ctx.spec.model.layers[ctx.spec.model.layers.length - 1];
  const shape = last ? ctx.shapes.get(last)?.outputShape : undefined;
  return shape && shape.length === 1 ? shape[0] : undefined;
}

function place(ctx: LintContext, layer: ResolvedLayer): { specPath: string; range: ResolvedLayer['range'] } {
  return layer.type === 'dense' || layer.type === 'conv2d' || layer.type === 'activation'
    ? fieldPlace(ctx, layer, 'activation')
    : { specPath: layer.specPath, range: layer.range };
}

/** Sets the output activation on the layer that has it, or appends an activation layer after a layer that has none. */
function setActivation(ctx: LintContext, layer: ResolvedLayer, to: ActivationName): PatchBuilder {
  const patch = newPatch(ctx);
  if (layer.type === 'dense' || layer.type === 'conv2d' || layer.type === 'activation') {
    return patch.set(childPointer(layer.specPath, 'activation'), to);
  }
  const slot = entrySlot(layer.specPath);
  if (!slot || slot.array !== '/model/layers' || !nodeAtPointer(ctx.root, slot.array)) return patch;
  return patch.insertAfter(layer.specPath, { type: 'activation', activation: to });
}
