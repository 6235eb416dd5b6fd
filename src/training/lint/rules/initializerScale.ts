// initializer-scale: hand-scaled random weights (randomNormal, truncatedNormal, randomUniform, orthogonal, a
// varianceScaling that follows none of Glorot/He/LeCun) whose size is far from what the
// layer's fan-in and activation need. Each layer multiplies the signal by roughly (actual scale / right scale);
// through a stack of such layers that factor compounds into vanishing activations and gradients, or exploding ones
// where the activations are unbounded. A bounded activation (tanh, sigmoid: model/facts) caps its output, so weights
// too large for it cannot blow the signal up: they push its units into the flat tails (saturation), where the
// gradient vanishes instead.

import { fmt } from '../../format';
import { distinctEntries } from '../../fixes/entries';
import { CLIP_TITLE, clipAmplifiedGradients } from '../../fixes/layerCures';
import {
  activationFacts,
  initializerFamily,
  isConstantInitializer,
  recommendedInitializer,
  recommendedScale,
  weightScale,
} from '../../model/facts';
import { childPointer } from '../../spec/positions';
import type { SpecProblem } from '../../spec/types';
import { fieldPlace, fix, newPatch, problem } from '../context';
import { type RunMember, fans, initializerName, loadedLayers, runs } from '../model';
import type { LintContext, LintRule } from '../types';

export const CODE = 'initializer-scale';
/** A run of layers whose combined scale error exceeds this factor (either way) is flagged. */
export const MAX_GAIN = 10;

const FAMILY_NAME = { he: 'He', lecun: 'LeCun', glorot: 'Glorot' } as const;

interface Scaled {
  member: RunMember;
  /** Actual weight scale / the scale the activation needs at this fan-in. */
  ratio: number;
  right: number;
  fanIn: number;
}

/**
 * Too-large weights under a bounded activation saturate its units, and what that costs compounds with depth: on
 * spiral runs of tanh stacks (SGD + momentum), the product of the scale ratios over the run from 5.5e4 on (16 layers
 * at 2×, 12 at 2.8×, 8 at 5.7×, 20 at 2.8×) raised saturated-activation with the loss stuck near chance, while
 * 3.6e3 (12 at 2×), 3.3e3 (8 at 2.8×) and 740 (4 at 5.7×) trained. Flagged from 1e4.
 */
export const SATURATION_GAIN = 1e4;

export const initializerScale: LintRule = {
  code: CODE,
  check(ctx: LintContext): SpecProblem[] {
    const found: SpecProblem[] = [];
    // Weights that model.initFrom loads are not the initializer's draws: such a layer breaks a run.
    const loaded = loadedLayers(ctx.spec);
    for (const run of runs(ctx.spec, (m) => !loaded.has(m.layer))) {
      const scaled = run.map((m) => scale(ctx, m)).filter((s): s is Scaled => s !== undefined);
      const gain = scaled.reduce((g, s) => g * s.ratio, 1);
      if (gain < 1 / MAX_GAIN) {
        // Raising them to scale multiplies the gradient they pass back: the cure clips it under SGD (fixes/layerCures).
        const culprits = scaled.filter((s) => s.ratio < 1);
        found.push(...report(ctx, culprits, vanishing(scaled.length, gain), culprits.length));
        continue;
      }
      // Growth compounds only through unbounded activations: a bounded one caps the signal, so each stretch between
      // bounded layers is judged on its own, and too-large weights under a bounded activation saturate its units.
      for (const stretch of unboundedStretches(scaled)) {
        const growth = stretch.reduce((g, s) => g * s.ratio, 1);
        if (growth > MAX_GAIN)
          found.push(
            ...report(
              ctx,
              stretch.filter((s) => s.ratio > 1),
              exploding(stretch.length, growth),
            ),
          );
      }
      const saturating = scaled.filter((s) => bounded(s) && s.ratio > 1);
      if (saturating.reduce((g, s) => g * s.ratio, 1) >= SATURATION_GAIN) {
        found.push(...report(ctx, saturating, saturation(saturating.length)));
      }
    }
    return found;
  },
};

function bounded(s: Scaled): boolean {
  return activationFacts(s.member.activation.activation).bounded;
}

/** Maximal stretches of consecutive layers with unbounded activations. */
function unboundedStretches(scaled: readonly Scaled[]): Scaled[][] {
  const out: Scaled[][] = [[]];
  for (const s of scaled) {
    if (bounded(s)) out.push([]);
    else out[out.length - 1].push(s);
  }
  return out.filter((stretch) => stretch.length > 0);
}

/** One finding per entry (a repeat template is one entry), described by its worst copy. */
function report(ctx: LintContext, culprits: readonly Scaled[], effect: string, raised = 0): SpecProblem[] {
  return distinctEntries(culprits, (s) => s.member.layer.specPath).map((entry) => {
    const copies = culprits.filter((s) => s.member.layer.specPath === entry.member.layer.specPath);
    const worst = copies.reduce((a, b) => (Math.abs(Math.log(b.ratio)) > Math.abs(Math.log(a.ratio)) ? b : a));
    return finding(ctx, worst, copies.length, effect, raised);
  });
}

function vanishing(layers: number, gain: number): string {
  return `through the ${layers} hand-scaled layers in a row, activations and gradients shrink about ${fmt(1 / gain)}× (vanishing)`;
}

function exploding(layers: number, gain: number): string {
  return `through the ${layers} hand-scaled layers in a row, activations and gradients grow about ${fmt(gain)}× (exploding)`;
}

function saturation(layers: number): string {
  return (
    `the activation is bounded, so the signal cannot explode; instead the too-large inputs push the units of the ${layers} ` +
    'layers into the flat tails (saturated), where the slope is near 0 and almost no gradient passes back (vanishing)'
  );
}

function scale(ctx: LintContext, member: RunMember): Scaled | undefined {
  const init = member.layer.kernelInitializer;
  const f = fans(ctx, member.layer);
  // Weights not scaled by a family's rule (randomNormal, truncatedNormal, randomUniform, orthogonal, a varianceScaling
  // of another scale): Glorot/He/LeCun and their varianceScaling twins are initializer-mismatch's, constants
  // zero-initializer's.
  if (initializerFamily(init) !== undefined || isConstantInitializer(init) || !f) return undefined;
  const right = recommendedScale(member.activation.activation, f);
  return { member, ratio: weightScale(init, f) / right, right, fanIn: f.fanIn };
}

function finding(ctx: LintContext, s: Scaled, copies: number, effect: string, raised: number): SpecProblem {
  const { layer, activation } = s.member;
  const family = activationFacts(activation.activation).init;
  const name = recommendedInitializer(activation.activation);
  const times = s.ratio >= 1 ? `${fmt(s.ratio)}× the` : `1/${fmt(1 / s.ratio)} of the`;
  const rule = family === 'glorot' ? '√(2 / (fan-in + fan-out))' : family === 'he' ? `√(2/${s.fanIn})` : `√(1/${s.fanIn})`;
  const copiesText = copies > 1 ? ` (${copies} layers use it)` : '';
  const message =
    `kernelInitializer ${initializerName(layer.kernelInitializer)} draws weights ${times} ${FAMILY_NAME[family]} scale ` +
    `${rule} ≈ ${fmt(s.right)} for ${activation.activation} at fan-in ${s.fanIn}${copiesText}; ${effect}; use "${name}"`;
  const patch = newPatch(ctx).set(childPointer(layer.specPath, 'kernelInitializer'), name);
  const clip = clipAmplifiedGradients(patch, raised, ctx.spec.training);
  return problem(
    CODE,
    'warning',
    message,
    fieldPlace(ctx, layer, 'kernelInitializer'),
    fix(`use ${name} (scaled to the fan-in) for this ${activation.activation} layer${clip ? CLIP_TITLE : ''}`, patch),
  );
}
