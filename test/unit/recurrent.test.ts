// Recurrent layers and sequence datasets end to end: parser positions and shapes, the adding problem's baseline and
// sequenceParity's labels, reproducible dropout masks, no leaked tensors, and what the diagnosis says about a plain
// simpleRNN that explodes (and that clipNorm keeps it finite) — each from a tiny seeded training.
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { loadDataset } from '../../src/training/data/load';
import { adding, sequenceParity } from '../../src/training/data/sequences';
import { createRng } from '../../src/training/data/random';
import { LAYER_FACTS, initializerMoments, kernelFans, recurrentKernelFans } from '../../src/training/model/facts';
import { inferOutputShapes } from '../../src/training/spec/shapes';
import { parseSpecText } from '../../src/training/spec/parse';
import type { RecurrentLayer } from '../../src/training/spec/types';
import { buildModel, disposeBuiltModel } from '../../src/training/engine/model/buildModel';
import { engineRun } from './support/engineRuns';
import { parsedSpec, useBackend } from './support/specs';

function problems(spec: object) {
  return parseSpecText(JSON.stringify(spec, null, 2), '/virtual/rnn.gradscope.json').problems;
}

const ADDING = { dataset: 'adding', samples: 200, sequenceLength: 10 };

/** An lstm of 8 units on the adding data, then dense. */
const lstmSpec = () =>
  parsedSpec({
    data: ADDING,
    model: {
      layers: [
        { type: 'lstm', units: 8 },
        { type: 'dense', units: 1 },
      ],
    },
    training: { loss: 'meanSquaredError' },
  });

describe('recurrent layers: spec', () => {
  it('infers [units] for the last state and [timesteps, units] with returnSequences', () => {
    const spec = parsedSpec({
      data: ADDING,
      model: {
        inputShape: [10, 2],
        layers: [
          { type: 'simpleRNN', units: 5, returnSequences: true },
          { type: 'gru', units: 4, returnSequences: true },
          { type: 'lstm', units: 3 },
          { type: 'dense', units: 1 },
        ],
      },
      training: { loss: 'meanSquaredError' },
    });
    const shapes = inferOutputShapes(spec.model.inputShape, spec.model.layers).layers.map((l) => l.outputShape);
    assert.deepStrictEqual(shapes, [[10, 5], [10, 4], [3], [1]]);
    const lstm = spec.model.layers[2] as RecurrentLayer;
    assert.strictEqual(lstm.activation, 'tanh', 'default activation');
    assert.strictEqual(lstm.recurrentInitializer, 'orthogonal', 'default recurrent initializer');
    assert.strictEqual(spec.data.standardize, false, 'sequence datasets are not standardized by default');
  });

  it('refuses a recurrent layer on a 1-D input, at the layer, with what it needs', () => {
    const found = problems({
      data: { dataset: 'moons' },
      model: {
        layers: [
          { type: 'lstm', units: 4 },
          { type: 'dense', units: 2, activation: 'softmax' },
        ],
      },
    });
    const p = found.find((q) => q.code === 'shape-mismatch');
    assert.ok(p, JSON.stringify(found));
    assert.strictEqual(p.specPath, '/model/layers/0');
    assert.match(p.message, /lstm needs an input of shape \[timesteps, features\].*\[2\]/);
    assert.strictEqual(p.range.start.line, 7);
  });

  it('refuses dense after a sequence output and says how to read the sequence', () => {
    const found = problems({
      data: ADDING,
      model: {
        layers: [
          { type: 'gru', units: 4, returnSequences: true },
          { type: 'dense', units: 1 },
        ],
      },
      training: { loss: 'meanSquaredError' },
    });
    const p = found.find((q) => q.code === 'shape-mismatch');
    assert.ok(p);
    assert.strictEqual(p.specPath, '/model/layers/1');
    assert.match(p.message, /\[10, 4\].*returnSequences/);
  });

  it('refuses an activation a recurrent cell cannot take and rates of 1', () => {
    const found = problems({
      data: ADDING,
      model: {
        layers: [
          { type: 'simpleRNN', units: 4, activation: 'leakyRelu', dropout: 1 },
          { type: 'dense', units: 1 },
        ],
      },
      training: { loss: 'meanSquaredError' },
    });
    assert.deepStrictEqual(found.map((q) => [q.code, q.specPath]).sort(), [
      ['out-of-range', '/model/layers/0/dropout'],
      ['unsupported-activation', '/model/layers/0/activation'],
    ]);
  });

  it('facts: gates per kind, and fans of the input kernel [features, gates·units] and recurrent kernel [units, gates·units]', () => {
    assert.deepStrictEqual(
      (['simpleRNN', 'gru', 'lstm'] as const).map((k) => LAYER_FACTS[k].recurrent),
      [
        { gates: 1, gated: false },
        { gates: 3, gated: true },
        { gates: 4, gated: true },
      ],
    );
    const lstm = lstmSpec().model.layers[0] as RecurrentLayer;
    assert.deepStrictEqual(kernelFans(lstm, [10, 2]), { fanIn: 2, fanOut: 32, units: 32 });
    assert.deepStrictEqual(recurrentKernelFans(lstm), { fanIn: 8, fanOut: 32, units: 32 });
  });
});

describe('sequence datasets', () => {
  it('adding: two markers, one per half; target = the marked sum; mean-predictor MSE ≈ 0.167 (= 2/12)', () => {
    const n = 20000;
    const T = 30;
    const s = adding(n, T, createRng(5));
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      const marks: number[] = [];
      let marked = 0;
      for (let t = 0; t < T; t++) {
        if (s.x[(i * T + t) * 2 + 1] === 1) {
          marks.push(t);
          marked += s.x[(i * T + t) * 2];
        }
      }
      assert.strictEqual(marks.length, 2);
      assert.ok(marks[0] < T / 2 && marks[1] >= T / 2, `markers at ${marks}`);
      assert.ok(Math.abs(s.y[i] - marked) < 1e-6);
      sum += s.y[i];
      sumSq += s.y[i] ** 2;
    }
    const mean = sum / n;
    const baseline = sumSq / n - mean ** 2; // MSE of always predicting the mean
    assert.ok(Math.abs(mean - 1) < 0.01, `mean ${mean}`);
    assert.ok(Math.abs(baseline - 1 / 6) < 0.005, `mean-predictor MSE ${baseline}`);
  });

  it('sequenceParity: the label is the parity of the bits, classes balanced', () => {
    const s = sequenceParity(1000, 7, createRng(2));
    let ones = 0;
    for (let i = 0; i < 1000; i++) {
      const bits = Array.from(s.x.subarray(i * 7, (i + 1) * 7));
      assert.ok(bits.every((b) => b === 0 || b === 1));
      assert.strictEqual(s.y[i], bits.reduce((a: number, b) => a + b, 0) % 2);
      ones += s.y[i];
    }
    assert.strictEqual(ones, 500);
  });

  it('loads as [sequenceLength, features] and is the same for the same seed', () => {
    const spec = parsedSpec({
      data: { dataset: 'sequenceParity', samples: 50, sequenceLength: 6 },
      model: {
        layers: [
          { type: 'gru', units: 4 },
          { type: 'dense', units: 2, activation: 'softmax' },
        ],
      },
    });
    assert.deepStrictEqual(spec.model.inputShape, [6, 1]);
    const a = loadDataset(spec.data, 4);
    const b = loadDataset(spec.data, 4);
    assert.deepStrictEqual(a.train.x, b.train.x);
    assert.strictEqual(a.train.x.length, a.train.count * 6);
    assert.match(a.description, /sequences of 6 timesteps × 1 feature/);
  });
});

describe('recurrent layers: training', () => {
  before(useBackend);

  const dropoutSpec = (seed: number, scale = 1) => ({
    name: 'rnn-dropout',
    seed,
    data: { ...ADDING, samples: 64 },
    model: {
      layers: [
        { type: 'gru', units: 4, dropout: 0.3 * scale, recurrentDropout: 0.3 * scale, returnSequences: true },
        { type: 'lstm', units: 4, dropout: 0.2 * scale, recurrentDropout: 0.2 * scale },
        { type: 'dense', units: 1 },
      ],
    },
    training: { epochs: 2, batchSize: 16, loss: 'meanSquaredError', optimizer: { type: 'adam', learningRate: 0.01 } },
  });

  it('dropout and recurrentDropout masks are seeded: the same seed gives the same run, another seed another, and no tensor is left', async () => {
    const before = tf.memory().numTensors;
    const a = await engineRun(dropoutSpec(7));
    const b = await engineRun(dropoutSpec(7));
    const c = await engineRun(dropoutSpec(8));
    const none = await engineRun(dropoutSpec(7, 0));
    assert.strictEqual(tf.memory().numTensors, before, 'tensors left after four runs');
    const losses = (r: typeof a) => r.steps.map((s) => s.loss);
    assert.deepStrictEqual(losses(a), losses(b));
    assert.notDeepStrictEqual(losses(a), losses(c));
    // Same seed, same weights: the first step's loss differs from the run without dropout only by the masks.
    assert.notStrictEqual(losses(a)[0], losses(none)[0], 'the masks act in training');
    assert.ok(a.steps.some((s) => s.layers?.[0].recurrentGradNorm !== undefined));
  });

  it('lstm starts its forget-gate bias at 1 and its other gate biases from biasInitializer, leaving no tensor behind', () => {
    const before = tf.memory().numTensors;
    const spec = parsedSpec({
      data: ADDING,
      model: {
        layers: [
          { type: 'lstm', units: 2, biasInitializer: { type: 'constant', value: 0.5 } },
          { type: 'dense', units: 1 },
        ],
      },
      training: { loss: 'meanSquaredError' },
    });
    const built = buildModel(spec, 1);
    assert.deepStrictEqual(Array.from(built.weighted[0].bias!.read().dataSync()), [0.5, 0.5, 1, 1, 0.5, 0.5, 0.5, 0.5]);
    disposeBuiltModel(built);
    assert.strictEqual(tf.memory().numTensors, before);
  });

  it('the default orthogonal recurrent kernel [units, 4·units] has orthonormal rows and the mean square the facts give', () => {
    const spec = lstmSpec();
    const built = buildModel(spec, 3);
    const u = built.weighted[0].recurrentKernel!.read();
    const gram = tf.tidy(() => tf.matMul(u, u, false, true).arraySync() as number[][]);
    gram.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - (i === j ? 1 : 0)) < 1e-4, `UUᵀ[${i}][${j}] = ${v}`)));
    const meanSquare = tf.tidy(() => tf.mean(tf.square(u)).arraySync() as number);
    const facts = initializerMoments('orthogonal', recurrentKernelFans(spec.model.layers[0] as RecurrentLayer));
    assert.ok(Math.abs(meanSquare - facts.variance) < 1e-5, `${meanSquare} vs ${facts.variance}`);
    disposeBuiltModel(built);
  });

  const exploding = (training: object = {}) => ({
    name: 'rnn-exploding',
    seed: 1,
    data: { dataset: 'adding', samples: 200, sequenceLength: 50 },
    model: {
      layers: [
        {
          type: 'simpleRNN',
          units: 16,
          activation: 'relu',
          recurrentInitializer: { type: 'randomNormal', mean: 0, stddev: 0.4 },
        },
        { type: 'dense', units: 1 },
      ],
    },
    training: {
      epochs: 2,
      batchSize: 32,
      loss: 'meanSquaredError',
      optimizer: { type: 'sgd', learningRate: 0.01 },
      ...training,
    },
  });

  it('a relu simpleRNN with a large recurrent init over 50 steps explodes: exploding-gradient at the simpleRNN, clipNorm first', async () => {
    const run = await engineRun(exploding());
    assert.strictEqual(run.end.status, 'diverged');
    const d = run.diagnostics.find((e) => e.code === 'exploding-gradient');
    assert.ok(d, JSON.stringify(run.diagnostics.map((e) => e.code)));
    assert.strictEqual(d.specPath, '/model/layers/0');
    assert.strictEqual(d.layer, 'simpleRNN_1');
    assert.match(d.message, /recurrent kernel has gradient norm .* 50 times here/);
    const titles = (d.fixes ?? []).map((f) => f.title);
    assert.match(titles[0], /Clip the global gradient norm/);
    assert.ok(titles.some((t) => /lstm layer instead of simpleRNN/.test(t)));
    assert.ok(titles.some((t) => /orthogonal/.test(t)));
    assert.deepStrictEqual(d.fixes!.find((f) => /orthogonal/.test(f.title))!.patch, [
      { op: 'replace', path: '/model/layers/0/recurrentInitializer', value: 'orthogonal' },
    ]);
  });

  it('the same simpleRNN with clipNorm 1 stays finite and finishes', async () => {
    const run = await engineRun(exploding({ clipNorm: 1 }));
    assert.strictEqual(run.end.status, 'completed');
    assert.ok(run.steps.every((s) => Number.isFinite(s.loss)));
    assert.ok(!run.diagnostics.some((e) => e.code === 'non-finite' || e.code === 'exploding-gradient'));
  });
});
