// Fixes of diagnostics are RFC 6902 patches on the spec as written: `replace` what is there, `add` what is not (into
// an existing parent), template paths for `repeat` entries, values computed from the spec; applied to the text they
// keep comments and give a valid spec.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { DiagnosisContext } from '../../src/training/diagnosis/context';
import { resolveThresholds } from '../../src/training/diagnosis/defaults';
import { RunHistory } from '../../src/training/diagnosis/history';
import { batchNormFix, dropoutFix, initializerFix, reluHeFix } from '../../src/training/diagnosis/layerFixes';
import { buildModelView, hiddenKernels } from '../../src/training/diagnosis/modelView';
import { readSpecDocument, valueAt } from '../../src/training/fixes/patchBuilder';
import {
  adamFix,
  clipNormFix,
  earlyStoppingFix,
  scaleLrFix,
  specLearningRate,
  specLearningRatePath,
  weightDecayFix,
} from '../../src/training/diagnosis/trainingFixes';
import { applyPatchToText, applyPatchToValue } from '../../src/training/fixes/applyPatch';
import { parseSpecText } from '../../src/training/spec/parse';
import type { JsonPatchOperation, ParsedSpec, SpecFix } from '../../src/training/spec/types';
import { EXAMPLES, useBackend } from './support/specs';
import { codes, diagnose, makeStream, runStart, stuckLoss, type Found } from './diagnosisFixtures.test';

const FILE = '/virtual/fix.gradscope.json';

function parse(text: string): ParsedSpec {
  const r = parseSpecText(text, FILE);
  assert.deepStrictEqual(
    r.problems.filter((p) => p.severity === 'error').map((p) => `${p.specPath}: ${p.message}`),
    [],
  );
  return r.spec!;
}

function contextFor(text: string | undefined, spec: ParsedSpec): DiagnosisContext {
  const start = runStart(spec);
  const view = buildModelView(spec, start);
  const t = resolveThresholds();
  return {
    spec,
    start,
    view,
    history: new RunHistory(view, t, spec.training.optimizer.learningRate),
    t,
    doc: readSpecDocument(text, undefined),
    fired: new Set(),
  };
}

/**
 * A fix is a valid patch of the text: each `replace`/`remove` names an existing value and each `add` an existing
 * parent (applyPatchToValue checks both, operation by operation), comments survive, and the result is a valid spec.
 */
function assertValidFix(text: string, fix: SpecFix): string {
  assert.ok(fix.title.length > 0 && !fix.title.includes('\n'));
  assert.ok(fix.patch.length > 0, `${fix.title}: empty patch`);
  const raw = readSpecDocument(text, undefined);
  for (const op of fix.patch) {
    assert.ok(['add', 'replace', 'remove'].includes(op.op), `${fix.title}: op ${op.op}`);
    assert.match(op.path, /^(\/[^/]+)+$/, `${fix.title}: path ${op.path}`);
  }
  assert.doesNotThrow(() => applyPatchToValue(raw, fix.patch), `${fix.title}: ${JSON.stringify(fix.patch)}`);
  const patched = applyPatchToText(text, fix.patch);
  for (const comment of text.match(/\/\/.*$/gm) ?? []) assert.ok(patched.includes(comment), `comment kept: ${comment}`);
  parse(patched);
  return patched;
}

const op = (fix: SpecFix | undefined, p: string): JsonPatchOperation | undefined => fix?.patch.find((o) => o.path === p);

const DEEP_SIGMOID = fs.readFileSync(path.join(EXAMPLES, 'deep-sigmoid.gradscope.json'), 'utf8');

describe('diagnosis fixes', () => {
  before(useBackend);

  it('patch repeat templates at their own path: replace what the entry has, add what it lacks', () => {
    const spec = parse(DEEP_SIGMOID);
    const ctx = contextFor(DEEP_SIGMOID, spec);
    const fix = reluHeFix(ctx, hiddenKernels(ctx.view));
    assert.ok(fix);
    assert.deepStrictEqual(fix.patch, [
      { op: 'replace', path: '/model/layers/0/activation', value: 'relu' },
      { op: 'replace', path: '/model/layers/0/kernelInitializer', value: 'heNormal' },
      { op: 'replace', path: '/model/layers/1/layers/0/activation', value: 'relu' },
      { op: 'add', path: '/model/layers/1/layers/0/kernelInitializer', value: 'heNormal' },
      // 13 layers now pass back 4× more gradient each than through σ' ≤ 0.25: the unclipped run gets clipping
      { op: 'add', path: '/training/clipNorm', value: 1 },
    ]);
    const fixed = parse(assertValidFix(DEEP_SIGMOID, fix));
    assert.ok(
      fixed.model.layers
        .slice(0, 13)
        .every((l) => l.type === 'dense' && l.activation === 'relu' && l.kernelInitializer === 'heNormal'),
    );
  });

  it('the lint fixes of deep-saturating-stack are the run-time fixes of the same stack, operation for operation', () => {
    const spec = parse(DEEP_SIGMOID);
    const ctx = contextFor(DEEP_SIGMOID, spec);
    const lint = parseSpecText(DEEP_SIGMOID, FILE).problems.find((p) => p.code === 'deep-saturating-stack');
    assert.ok(lint?.fixes);
    const runtime = [reluHeFix(ctx, hiddenKernels(ctx.view)), batchNormFix(ctx, hiddenKernels(ctx.view))];
    assert.deepStrictEqual(lint.fixes, runtime);
  });

  it('initialize a linear layer with glorotUniform, as lint does (model/facts: Glorot for linear)', () => {
    const text = JSON.stringify(
      {
        name: 'linear',
        data: { dataset: 'spiral', samples: 300, classes: 3 },
        model: {
          inputShape: [2],
          layers: [
            {
              type: 'dense',
              units: 16,
              activation: 'linear',
              kernelInitializer: { type: 'randomNormal', mean: 0, stddev: 0.001 },
            },
            { type: 'dense', units: 3, activation: 'softmax' },
          ],
        },
        training: { epochs: 1 },
      },
      null,
      2,
    );
    const ctx = contextFor(text, parse(text));
    const fix = initializerFix(ctx, [ctx.view.kernels[0]]);
    assert.deepStrictEqual(fix?.patch, [{ op: 'replace', path: '/model/layers/0/kernelInitializer', value: 'glorotUniform' }]);
  });

  it('insert batch normalization between each linear part and its activation, in repeats too', () => {
    const spec = parse(DEEP_SIGMOID);
    const ctx = contextFor(DEEP_SIGMOID, spec);
    const fixed = parse(assertValidFix(DEEP_SIGMOID, batchNormFix(ctx, hiddenKernels(ctx.view))!));
    const types = fixed.model.layers.map((l) =>
      l.type === 'dense' ? `dense:${l.activation}` : l.type === 'activation' ? `act:${l.activation}` : l.type,
    );
    assert.deepStrictEqual(types.slice(0, 6), [
      'dense:linear',
      'batchNormalization',
      'act:sigmoid',
      'dense:linear',
      'batchNormalization',
      'act:sigmoid',
    ]);
    assert.strictEqual(types.length, 13 * 3 + 1);
    assert.strictEqual(types[types.length - 1], 'dense:softmax');
  });

  it('compute the new learning rate from the spec and keep a cosine floor below it', () => {
    const text = `// lr test
{ "name": "t", "data": { "dataset": "spiral", "samples": 100 },
  "model": { "inputShape": [2], "layers": [ { "type": "dense", "units": 8, "activation": "relu" }, { "type": "dense", "units": 3, "activation": "softmax" } ] },
  "training": { "optimizer": { "type": "sgd", "learningRate": 0.5 }, "schedule": { "type": "cosine", "minLearningRate": 0.1 } } }`;
    const ctx = contextFor(text, parse(text));
    const down = scaleLrFix(ctx, 0.1)!;
    assert.deepStrictEqual(op(down, '/training/optimizer/learningRate'), {
      op: 'replace',
      path: '/training/optimizer/learningRate',
      value: 0.05,
    });
    assert.deepStrictEqual(op(down, '/training/schedule/minLearningRate'), {
      op: 'replace',
      path: '/training/schedule/minLearningRate',
      value: 0.005,
    });
    assert.match(down.title, /0\.5 → 0\.05/);
    assertValidFix(text, down);
    const up = scaleLrFix(ctx, 10)!;
    assert.strictEqual(op(up, '/training/optimizer/learningRate')?.value, 5);
    assertValidFix(text, up);
    for (const f of [clipNormFix(ctx), weightDecayFix(ctx, 1e-3), earlyStoppingFix(ctx, 3), adamFix(ctx)]) {
      assert.ok(f);
      assert.strictEqual(f.patch[0].op, f === adamFix(ctx) ? 'replace' : f.patch[0].op);
      assertValidFix(text, f);
    }
    assert.deepStrictEqual(clipNormFix(ctx)!.patch, [{ op: 'add', path: '/training/clipNorm', value: 1 }]);
  });

  it('scale the values of a piecewise schedule (they are the learning rate) instead of the unused optimizer rate', () => {
    const text = `{ "name": "t", "data": { "dataset": "spiral", "samples": 100 },
  "model": { "inputShape": [2], "layers": [ { "type": "dense", "units": 3, "activation": "softmax" } ] },
  "training": { "epochs": 20, "optimizer": "sgd", "schedule": { "type": "piecewise", "boundaries": [10], "values": [0.5, 0.05] } } }`;
    const ctx = contextFor(text, parse(text));
    const down = scaleLrFix(ctx, 0.1)!;
    assert.deepStrictEqual(down.patch, [{ op: 'replace', path: '/training/schedule/values', value: [0.05, 0.005] }]);
    assert.match(down.title, /0\.5, 0\.05 → 0\.05, 0\.005/);
    const fixed = parse(assertValidFix(text, down)).training.schedule;
    assert.deepStrictEqual(fixed, { type: 'piecewise', boundaries: [10], values: [0.05, 0.005] });
    assert.strictEqual(adamFix(ctx), undefined);
    // The learning-rate diagnoses name and point at the values, the rate the run really starts from.
    assert.strictEqual(specLearningRate(ctx.spec.training), 0.5);
    assert.strictEqual(specLearningRatePath(ctx.spec.training), '/training/schedule/values');
  });

  it("under a one-cycle schedule scale its peak: maxLearningRate when written, else the optimizer's rate", () => {
    const head = `{ "name": "t", "data": { "dataset": "spiral", "samples": 100 },
  "model": { "inputShape": [2], "layers": [ { "type": "dense", "units": 3, "activation": "softmax" } ] },
  "training": { "epochs": 20, "optimizer": { "type": "sgd", "momentum": 0.9 }, `;
    const written = `${head}"schedule": { "type": "oneCycle", "maxLearningRate": 0.5 } } }`;
    const ctx = contextFor(written, parse(written));
    const down = scaleLrFix(ctx, 0.1)!;
    assert.deepStrictEqual(down.patch, [{ op: 'replace', path: '/training/schedule/maxLearningRate', value: 0.05 }]);
    assert.match(down.title, /^Divide the peak learning rate by 10 \(0\.5 → 0\.05\)/);
    assert.strictEqual(
      (parse(assertValidFix(written, down)).training.schedule as { maxLearningRate?: number }).maxLearningRate,
      0.05,
    );
    assert.strictEqual(adamFix(ctx), undefined);
    assert.strictEqual(specLearningRate(ctx.spec.training), 0.5);
    assert.strictEqual(specLearningRatePath(ctx.spec.training), '/training/schedule/maxLearningRate');

    const implicit = `${head}"schedule": "oneCycle" } }`;
    const ctx2 = contextFor(implicit, parse(implicit));
    const up = scaleLrFix(ctx2, 10)!;
    assert.deepStrictEqual(up.patch, [{ op: 'add', path: '/training/optimizer/learningRate', value: 0.1 }]);
    assert.strictEqual(parse(assertValidFix(implicit, up)).training.optimizer.learningRate, 0.1);
    assert.strictEqual(specLearningRatePath(ctx2.spec.training), '/training/optimizer/learningRate');
  });

  it('expand shorthands and create missing sections instead of pointing into nothing', () => {
    const shorthand = `{ "name": "t", "data": { "dataset": "moons", "samples": 100 },
  "model": { "inputShape": [2], "layers": [ { "type": "dense", "units": 2, "activation": "softmax" } ] },
  "training": { "optimizer": "sgd", "earlyStopping": true } }`;
    const ctx = contextFor(shorthand, parse(shorthand));
    const lr = scaleLrFix(ctx, 0.1)!;
    assert.deepStrictEqual(lr.patch, [
      { op: 'replace', path: '/training/optimizer', value: { type: 'sgd', learningRate: 0.001 } },
    ]);
    assertValidFix(shorthand, lr);
    assertValidFix(shorthand, earlyStoppingFix(ctx, 3)!);

    const bare = `{ "name": "t", "data": { "dataset": "moons", "samples": 100 },
  "model": { "inputShape": [2], "layers": [ { "type": "dense", "units": 2, "activation": "softmax" } ] } }`;
    const bareCtx = contextFor(bare, parse(bare));
    assert.deepStrictEqual(scaleLrFix(bareCtx, 10)!.patch, [
      { op: 'add', path: '/training', value: { optimizer: { learningRate: 0.01 } } },
    ]);
    assert.strictEqual(parse(assertValidFix(bare, scaleLrFix(bareCtx, 10)!)).training.optimizer.learningRate, 0.01);
    assertValidFix(bare, clipNormFix(bareCtx)!);
  });

  it('add dropout after every hidden dense entry (after its activation entry when separate)', () => {
    const text = fs.readFileSync(path.join(EXAMPLES, 'healthy-spiral.gradscope.json'), 'utf8');
    const ctx = contextFor(text, parse(text));
    const fixed = parse(assertValidFix(text, dropoutFix(ctx, 0.3)!));
    const types = fixed.model.layers.map((l) => l.type);
    assert.deepStrictEqual(types.slice(0, 4), ['dense', 'batchNormalization', 'activation', 'dropout']);
    assert.strictEqual(types.filter((t) => t === 'dropout').length, 4);
    assert.strictEqual(types[types.length - 1], 'dense');
  });

  it('use `add` only when the spec text is unknown (valid whether or not the property exists)', () => {
    const spec = parse(DEEP_SIGMOID);
    const ctx = contextFor(undefined, spec);
    const fix = reluHeFix(ctx, hiddenKernels(ctx.view))!;
    assert.ok(fix.patch.every((o) => o.op === 'add'));
    assertValidFix(DEEP_SIGMOID, fix);
  });

  it('every fix of every diagnosis the synthetic pathologies raise is a valid patch of the spec text', () => {
    const text = `// every fix
{
  "name": "all", "seed": 1,
  "data": { "dataset": "spiral", "samples": 700, "classes": 3 },
  "model": {
    "inputShape": [2],
    "layers": [
      { "type": "dense", "units": 16, "activation": "relu", "kernelInitializer": { "type": "randomNormal", "mean": 0, "stddev": 2 }, "biasInitializer": { "type": "constant", "value": -1 } },
      { "repeat": 2, "layers": [ { "type": "dense", "units": 16, "activation": "tanh" } ] }, // a template
      { "type": "dense", "units": 16, "activation": "sigmoid" },
      { "type": "dense", "units": 3, "activation": "softmax" }
    ]
  },
  "training": { "epochs": 20, "optimizer": { "type": "sgd", "learningRate": 0.1, "momentum": 0.99 } }
}`;
    const spec = parse(text);
    const streams = {
      vanishing: {
        loss: stuckLoss,
        layer: (i: number, l: { index: number }) => ({ gradNorm: 0.5 * 10 ** (-2 * (4 - l.index)), updateRatio: 1e-9 }),
      },
      dead: { loss: stuckLoss, layer: (i: number, l: { index: number }) => (l.index === 0 ? { deadUnits: 16 } : {}) },
      saturated: { loss: stuckLoss, layer: (i: number, l: { index: number }) => (l.index === 1 ? { saturation: 0.9 } : {}) },
      exploding: { loss: stuckLoss, layer: () => ({ updateRatio: 3 }) },
      nan: { loss: (i: number) => (i === 5 ? NaN : 1), nonFinite: (i: number) => i === 5 },
      oscillating: { loss: (i: number) => (Math.floor(i / 10) % 2 ? 1.2 : 0.3) },
      lrLow: { loss: stuckLoss, layer: () => ({ updateRatio: 1e-6 }) },
      lrHigh: { loss: stuckLoss, layer: () => ({ updateRatio: 0.3 }) },
    };
    const seen = new Set<string>();
    for (const [name, shape] of Object.entries(streams)) {
      const found: Found[] = diagnose(spec, makeStream(spec, 120, shape), {}, text);
      assert.ok(found.length > 0, `${name}: some diagnosis`);
      for (const d of found.map((f) => f.diagnostic)) {
        seen.add(d.code);
        assert.ok(d.fixes && d.fixes.length > 0, `${d.code} has fixes`);
        for (const fix of d.fixes) assertValidFix(text, fix);
        // Layers built from the `repeat` template are patched at the template entry.
        if (d.code === 'saturated-activation')
          assert.strictEqual(d.fixes[0].patch[0].path, '/model/layers/1/layers/0/activation');
      }
    }
    assert.ok(seen.size >= 7, [...seen].join());
    assert.ok(valueAt(readSpecDocument(text, undefined), '/model/layers/1/repeat') === 2);
  });

  it('fix a dead layer with a negative bias first by zeroing the bias', () => {
    const text = `{ "name": "t", "data": { "dataset": "spiral", "samples": 700 },
  "model": { "inputShape": [2], "layers": [
    { "type": "dense", "units": 16, "activation": "relu", "kernelInitializer": "heNormal", "biasInitializer": { "type": "constant", "value": -2 } },
    { "type": "dense", "units": 3, "activation": "softmax" } ] },
  "training": { "optimizer": { "type": "adam", "learningRate": 0.01 } } }`;
    const spec = parse(text);
    const found = diagnose(
      spec,
      makeStream(spec, 100, { loss: stuckLoss, layer: (i, l) => (l.index === 0 ? { deadUnits: 16, gradNorm: 0 } : {}) }),
      {},
      text,
    );
    assert.deepStrictEqual(codes(found), ['dead-relu']);
    assert.deepStrictEqual(found[0].diagnostic.fixes![0].patch, [
      { op: 'replace', path: '/model/layers/0/biasInitializer', value: 'zeros' },
    ]);
  });
});
