// initializer-mismatch: a named kernel initializer made for another activation. He (variance 2/fan-in) is made
// for ReLU and over-drives sigmoid/tanh into their flat tails; Glorot (2/(fan-in + fan-out)) loses about half the
// signal's variance per ReLU layer, which compounds in deep stacks; selu self-normalizes only from LeCun weights.
// Each is raised only where the variances really differ at the layer's fans (model/facts): Glorot's 2/(fan-in +
// fan-out) equals LeCun's 1/fan-in on a square layer, and those runs are bit-identical.

import { fmt } from '../../format';
import {
  type InitFamily,
  activationFacts,
  NAMED_INITIALIZER_FACTS,
  familyVariance,
  initializerFamily,
  initializerMoments,
  isConstantInitializer,
} from '../../model/facts';
import { childPointer } from '../../spec/positions';
import type { InitializerSpec, NamedInitializer, SpecProblem } from '../../spec/types';
import { fieldPlace, fix, newPatch, problem } from '../context';
import {
  type Activated,
  type RunMember,
  type WeightLayer,
  activationOf,
  fans,
  initializerName,
  isWeightLayer,
  loadedLayers,
  outputLayer,
  runs,
  sequences,
} from '../model';
import type { LintContext, LintRule } from '../types';

export const CODE = 'initializer-mismatch';
/** ReLU-family hidden layers in a row (no normalization, no skip) from which Glorot initialization is flagged. */
export const MIN_GLOROT_RELU_RUN = 8;
/** Variances within this factor of each other count as the same (a 20% variance difference is ~10% in scale). */
export const VARIANCE_TOLERANCE = 1.2;

/** The initializer's weight variance over the family's at this layer's fans; undefined when the fans are unknown. */
function varianceRatio(ctx: LintContext, layer: WeightLayer, init: InitializerSpec, family: InitFamily): number | undefined {
  const f = fans(ctx, layer);
  return f ? initializerMoments(init, f).variance / familyVariance(family, f) : undefined;
}

/** Draws from a (corrected truncated) normal rather than a uniform: the fix keeps the kind of draw. */
function drawsNormal(init: InitializerSpec): boolean {
  return typeof init === 'string'
    ? NAMED_INITIALIZER_FACTS[init].distribution === 'normal'
    : init.type !== 'varianceScaling' || init.distribution === 'normal';
}

function differs(ratio: number | undefined): ratio is number {
  return ratio !== undefined && Math.abs(Math.log(ratio)) > Math.log(VARIANCE_TOLERANCE);
}

export const initializerMismatch: LintRule = {
  code: CODE,
  check(ctx: LintContext): SpecProblem[] {
    return [...heWithSaturating(ctx), ...glorotOnDeepRelu(ctx), ...seluWithoutLecun(ctx)];
  },
};

/** Each weight layer that starts from its initializer (not loaded by model.initFrom). */
function eachWeightLayer(ctx: LintContext, visit: (layer: WeightLayer, act: Activated) => void): void {
  const loaded = loadedLayers(ctx.spec);
  for (const seq of sequences(ctx.spec.model.layers)) {
    seq.forEach((layer, i) => {
      if (isWeightLayer(layer) && !loaded.has(layer)) visit(layer, activationOf(seq, i));
    });
  }
}

function finding(ctx: LintContext, layer: WeightLayer, message: string, title: string, init: NamedInitializer): SpecProblem {
  const pointer = childPointer(layer.specPath, 'kernelInitializer');
  return problem(
    CODE,
    'warning',
    message,
    fieldPlace(ctx, layer, 'kernelInitializer'),
    fix(title, newPatch(ctx).set(pointer, init)),
  );
}

function heWithSaturating(ctx: LintContext): SpecProblem[] {
  const output = outputLayer(ctx.spec);
  const found: SpecProblem[] = [];
  eachWeightLayer(ctx, (layer, act) => {
    const init = layer.kernelInitializer;
    if (initializerFamily(init) !== 'he' || activationFacts(act.activation).family !== 'saturating' || layer === output) return;
    const ratio = varianceRatio(ctx, layer, init, 'glorot');
    if (!differs(ratio)) return;
    const glorot: NamedInitializer = drawsNormal(init) ? 'glorotNormal' : 'glorotUniform';
    found.push(
      finding(
        ctx,
        layer,
        `${initializerName(init)} is made for ReLU (weight variance 2/fan-in); with ${act.activation} it gives each unit's input ${fmt(ratio)}× the variance Glorot's rule does and ` +
          `pushes more of them into the flat tails where no gradient passes; use "${glorot}" (Glorot & Bengio 2010)`,
        `use ${glorot} for this ${act.activation} layer`,
        glorot,
      ),
    );
  });
  return found;
}

function glorotOnDeepRelu(ctx: LintContext): SpecProblem[] {
  const output = outputLayer(ctx.spec);
  const found: SpecProblem[] = [];
  const loaded = loadedLayers(ctx.spec);
  const accept = (m: RunMember): boolean =>
    activationFacts(m.activation.activation).init === 'he' && m.layer !== output && !loaded.has(m.layer);
  for (const run of runs(ctx.spec, accept)) {
    if (run.length < MIN_GLOROT_RELU_RUN) continue;
    const glorot = run.map((m) => {
      const init = m.layer.kernelInitializer;
      return initializerFamily(init) === 'glorot' ? varianceRatio(ctx, m.layer, init, 'he') : undefined;
    });
    // Each Glorot layer scales the signal by √(its variance / He's); the shrink compounds over the run.
    const shrink = glorot.reduce<number>((g, r) => g * Math.sqrt(r ?? 1), 1);
    run.forEach((m, i) => {
      const ratio = glorot[i];
      if (!differs(ratio)) return;
      const init = m.layer.kernelInitializer;
      const written = fieldPlace(ctx, m.layer, 'kernelInitializer').specPath !== m.layer.specPath;
      found.push(
        finding(
          ctx,
          m.layer,
          `${initializerName(init)}${written ? '' : ' (the default)'} in a stack of ${run.length} ${m.activation.activation} layers with no normalization: ` +
            `Glorot's weight variance here is ${fmt(ratio)}× what ReLU-like units need (He's 2/fan-in), so the signal shrinks by ${fmt(Math.sqrt(ratio))}× at this layer ` +
            `(≈ ${fmt(shrink)}× through the ${run.length} layers); use "heNormal" (He et al. 2015)`,
          `use heNormal for this ${m.activation.activation} layer`,
          'heNormal',
        ),
      );
    });
  }
  return found;
}

function seluWithoutLecun(ctx: LintContext): SpecProblem[] {
  const found: SpecProblem[] = [];
  eachWeightLayer(ctx, (layer, act) => {
    const init = layer.kernelInitializer;
    // Named initializers and the varianceScaling rule; hand-scaled weights are initializer-scale's.
    if (activationFacts(act.activation).init !== 'lecun') return;
    if (typeof init !== 'string' && init.type !== 'varianceScaling') return;
    if (isConstantInitializer(init)) return; // zero-initializer says what is wrong with those
    const ratio = varianceRatio(ctx, layer, init, 'lecun');
    if (!differs(ratio)) return; // e.g. Glorot on a square layer: 2/(n + n) = 1/n, the very same weights
    const written = fieldPlace(ctx, layer, 'kernelInitializer').specPath !== layer.specPath;
    found.push(
      finding(
        ctx,
        layer,
        `selu keeps activations normalized only when weights have variance 1/fan-in ("lecunNormal", Klambauer et al. 2017); ` +
          `${initializerName(init)}${written ? '' : ' (the default)'} draws ${fmt(ratio)}× that variance here, so the self-normalizing property is lost`,
        'use lecunNormal for this selu layer',
        'lecunNormal',
      ),
    );
  });
  return found;
}
