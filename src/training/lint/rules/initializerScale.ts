// initializer-scale: hand-scaled random weights (randomNormal / randomUniform) whose size is far from what the
// layer's fan-in and activation need. Each layer multiplies the signal by roughly (actual scale / right scale);
// through a stack of such layers that factor compounds into exploding or vanishing activations and gradients.

import { childPointer } from '../../spec/positions';
import type { SpecProblem } from '../../spec/types';
import { fieldPlace, fix, fmt, problem, setOp } from '../context';
import {
  type RunMember, distinctEntries, familyFor, fanIn, fanOut, initializerName, randomScale, recommendedInitializer,
  recommendedStddev, runs,
} from '../model';
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

export const initializerScale: LintRule = {
  code: CODE,
  check(ctx: LintContext): SpecProblem[] {
    const found: SpecProblem[] = [];
    for (const run of runs(ctx.spec, () => true)) {
      const scaled = run.map((m) => scale(ctx, m)).filter((s): s is Scaled => s !== undefined);
      const gain = scaled.reduce((g, s) => g * s.ratio, 1);
      if (gain <= MAX_GAIN && gain >= 1 / MAX_GAIN) continue;
      const growing = gain > 1;
      // One finding per entry (a repeat template is one entry), described by its worst copy.
      const culprits = scaled.filter((s) => (growing ? s.ratio > 1 : s.ratio < 1));
      for (const entry of distinctEntries(culprits.map((s) => s.member.layer))) {
        const copies = culprits.filter((s) => s.member.layer.specPath === entry.specPath);
        const worst = copies.reduce((a, b) => (Math.abs(Math.log(b.ratio)) > Math.abs(Math.log(a.ratio)) ? b : a));
        found.push(finding(ctx, worst, copies.length, scaled.length, gain));
      }
    }
    return found;
  },
};

function scale(ctx: LintContext, member: RunMember): Scaled | undefined {
  const actual = randomScale(member.layer.kernelInitializer);
  const inputs = fanIn(ctx, member.layer);
  if (actual === undefined || !inputs) return undefined;
  const right = recommendedStddev(familyFor(member.activation.activation), inputs, fanOut(member.layer));
  return { member, ratio: actual / right, right, fanIn: inputs };
}

function finding(ctx: LintContext, s: Scaled, copies: number, layers: number, gain: number): SpecProblem {
  const { layer, activation } = s.member;
  const family = familyFor(activation.activation);
  const name = recommendedInitializer(activation.activation);
  const times = s.ratio >= 1 ? `${fmt(s.ratio)}× the` : `1/${fmt(1 / s.ratio)} of the`;
  const rule = family === 'glorot' ? '√(2 / (fan-in + fan-out))' : family === 'he' ? `√(2/${s.fanIn})` : `√(1/${s.fanIn})`;
  const effect = gain > 1 ? 'grow' : 'shrink';
  const copiesText = copies > 1 ? ` (${copies} layers use it)` : '';
  const message = `kernelInitializer ${initializerName(layer.kernelInitializer)} draws weights ${times} ${FAMILY_NAME[family]} scale ` +
    `${rule} ≈ ${fmt(s.right)} for ${activation.activation} at fan-in ${s.fanIn}${copiesText}; through the ${layers} hand-scaled layers ` +
    `in a row, activations and gradients ${effect} about ${fmt(gain > 1 ? gain : 1 / gain)}× (${gain > 1 ? 'exploding' : 'vanishing'}); use "${name}"`;
  return problem(CODE, 'warning', message, fieldPlace(ctx, layer, 'kernelInitializer'),
    fix(`use ${name} (scaled to the fan-in) for this ${activation.activation} layer`, [setOp(ctx, childPointer(layer.specPath, 'kernelInitializer'), name)]));
}
