// Every activation the engine builds, with its parameters, against independent float64 computations: the facts'
// JavaScript forward/slope (model/facts) agree with TensorFlow.js's outputs and tf.grad on the cpu and wasm
// backends, and the facts' slope agrees with central finite differences of the facts' forward. prelu's learned
// slope gets its own gradient check; rrelu's random slope is seeded, fresh every step, and its mean at evaluation.
// Each new activation trains a small model on wasm with the measurements its facts promise.
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { ACTIVATION_FACTS, PRELU_INITIAL_ALPHA } from '../../src/training/model/facts';
import { activationLayer } from '../../src/training/engine/model/activations';
import { buildModel } from '../../src/training/engine/model/buildModel';
import type { ActivationName, ActivationParams } from '../../src/training/spec/types';
import { engineRun } from './support/engineRuns';
import { parsedSpec, smallClassifier, useBackend, withBackend } from './support/specs';

/** Each elementwise activation, plus the parameterized variants. */
const CASES: { activation: ActivationName; params?: ActivationParams }[] = [
  ...(Object.keys(ACTIVATION_FACTS) as ActivationName[]).filter((a) => a !== 'softmax').map((activation) => ({ activation })),
  { activation: 'leakyRelu', params: { alpha: 0.2 } },
  { activation: 'elu', params: { alpha: 0.5 } },
  { activation: 'elu', params: { alpha: 2 } },
  { activation: 'rrelu', params: { lower: 0.05, upper: 0.6 } },
];

// A grid over [−12, 12] that misses every kink (0, ±2.5, 6) by more than the finite-difference step.
const GRID = Array.from({ length: 2401 }, (_, i) => -12.003 + i * 0.010005);
const H = 1e-6;

const label = (c: { activation: string; params?: object }): string =>
  `${c.activation}${c.params ? JSON.stringify(c.params) : ''}`;

describe('activations: engine vs independent float64 computations', () => {
  withBackend();

  it("the facts' slope is the derivative of the facts' forward (central finite differences, float64)", () => {
    for (const c of CASES) {
      const f = ACTIVATION_FACTS[c.activation];
      for (const x of GRID) {
        const fd = (f.forward!(x + H, c.params) - f.forward!(x - H, c.params)) / (2 * H);
        const slope = f.slope!(x, c.params);
        assert.ok(Math.abs(fd - slope) < 1e-5 + 1e-5 * Math.abs(slope), `${label(c)} at ${x}: ${slope} vs ${fd}`);
      }
    }
  });

  for (const backend of ['cpu', 'wasm']) {
    it(`TensorFlow.js outputs and gradients match the facts on the ${backend} backend (evaluation mode)`, async () => {
      await tf.setBackend(backend);
      const xs = tf.tensor2d(GRID, [GRID.length, 1]);
      for (const c of CASES) {
        const layer = activationLayer(c.activation, c.params);
        const apply = (v: tf.Tensor): tf.Tensor => layer.apply(v, { training: false }) as tf.Tensor;
        const y = apply(xs);
        const g = tf.grad(apply)(xs);
        const [out, grad] = [await y.data(), await g.data()];
        tf.dispose([y, g]);
        const f = ACTIVATION_FACTS[c.activation];
        GRID.forEach((x, i) => {
          const want = f.forward!(x, c.params);
          const slope = f.slope!(x, c.params);
          assert.ok(Math.abs(out[i] - want) < 1e-5 + 1e-5 * Math.abs(want), `${label(c)}(${x}) = ${out[i]} vs ${want}`);
          assert.ok(Math.abs(grad[i] - slope) < 2e-5 + 1e-4 * Math.abs(slope), `${label(c)}'(${x}) = ${grad[i]} vs ${slope}`);
        });
        tf.dispose(layer.weights.map((w) => w.read()));
      }
      xs.dispose();
    });

    it(`prelu's learned slope: one per unit (per filter for conv maps), gradient checked on the ${backend} backend`, async () => {
      await tf.setBackend(backend);
      const dense = activationLayer('prelu', undefined, { inputRank: 2 });
      const x = tf.tensor2d([
        [-2, 3, -0.5],
        [1, -4, -1.5],
      ]);
      dense.apply(x);
      const alpha = dense.trainableWeights[0];
      assert.deepStrictEqual(alpha.shape, [3]);
      assert.deepStrictEqual(Array.from(await alpha.read().data()), [0.25, 0.25, 0.25]);
      // d/dα_k Σ prelu(x) = Σ over samples of min(x, 0) in unit k; float64 finite differences of the facts' forward:
      const rows = await x.array();
      const fd = [0, 1, 2].map((k) =>
        rows.reduce((s, r) => {
          const f = ACTIVATION_FACTS.prelu.forward!;
          return s + (f(r[k], { alpha: PRELU_INITIAL_ALPHA + H }) - f(r[k], { alpha: PRELU_INITIAL_ALPHA - H })) / (2 * H);
        }, 0),
      );
      const variable = alpha.read() as tf.Variable;
      const { grads } = tf.variableGrads(() => tf.sum<tf.Scalar>(dense.apply(x) as tf.Tensor), [variable]);
      const got = Array.from(await grads[variable.name].data());
      got.forEach((v, k) => assert.ok(Math.abs(v - fd[k]) < 1e-5, `unit ${k}: ${v} vs ${fd[k]}`));
      tf.dispose([x, ...Object.values(grads)]);
      dense.dispose();

      const conv = activationLayer('prelu', undefined, { inputRank: 4 });
      const maps = tf.randomNormal([2, 5, 5, 4], 0, 1, 'float32', 3);
      tf.dispose(conv.apply(maps) as tf.Tensor);
      assert.deepStrictEqual(conv.trainableWeights[0].shape, [1, 1, 4], 'one slope per filter, shared over positions');
      maps.dispose();
      conv.dispose();
    });
  }

  it('rrelu draws its slopes from [lower, upper] in training, seeded by run and step, and uses their mean at evaluation', async () => {
    const clock = { step: 0 };
    const make = (seed: number): tf.layers.Layer =>
      activationLayer('rrelu', { lower: 0.1, upper: 0.3 }, { seed, clock, inputRank: 2 });
    const x = tf.fill([200, 50], -2);
    const slopes = async (layer: tf.layers.Layer, training: boolean): Promise<number[]> => {
      const y = layer.apply(x, { training }) as tf.Tensor;
      const v = Array.from(await y.data()).map((o) => o / -2);
      y.dispose();
      return v;
    };
    const a = await slopes(make(7), true);
    const again = await slopes(make(7), true);
    clock.step = 1;
    const next = await slopes(make(7), true);
    assert.deepStrictEqual(a, again, 'same seed and step: same slopes');
    assert.notDeepStrictEqual(a, next, 'a new step draws new slopes');
    assert.ok(Math.min(...a) >= 0.1 - 1e-6 && Math.max(...a) <= 0.3 + 1e-6, 'slopes within [lower, upper]');
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    assert.ok(Math.abs(mean - 0.2) < 0.005, `mean slope ${mean}`);
    const evaluation = await slopes(make(7), false);
    assert.ok(
      evaluation.every((v) => Math.abs(v - 0.2) < 1e-6),
      'evaluation: the mean slope',
    );
    // In training the gradient is the drawn slope (the draw is a constant to tf.grad).
    clock.step = 0;
    const layer = make(7);
    const g = tf.grad((v: tf.Tensor) => layer.apply(v, { training: true }) as tf.Tensor)(x);
    const grad = Array.from(await g.data());
    grad.forEach((v, i) => assert.ok(Math.abs(v - a[i]) < 1e-6, `gradient ${v} vs slope ${a[i]}`));
    tf.dispose([g, x]);
  });
});

describe('the new activations train on wasm with the measurements their facts promise', () => {
  before(useBackend);

  const activations: (string | object)[] = [
    'prelu',
    'rrelu',
    'relu6',
    'softplus',
    'hardSigmoid',
    { type: 'leakyRelu', alpha: 0.2 },
    { type: 'elu', alpha: 0.5 },
    { type: 'rrelu', lower: 0.05, upper: 0.2 },
  ];
  for (const activation of activations) {
    it(`${JSON.stringify(activation)}`, async () => {
      const before = tf.memory().numTensors;
      const run = await engineRun(
        smallClassifier({
          layers: [
            { type: 'dense', units: 8, activation },
            { type: 'dense', units: 8 },
            { type: 'activation', activation },
            { type: 'dense', units: 3, activation: 'softmax' },
          ],
          data: { samples: 120 },
          training: { epochs: 1, batchSize: 40 },
        }),
      );
      assert.strictEqual(run.end.status, 'completed', run.end.error);
      const name = typeof activation === 'string' ? activation : (activation as { type: ActivationName }).type;
      const measure = ACTIVATION_FACTS[name as ActivationName].measure;
      for (const s of run.steps) {
        assert.ok(Number.isFinite(s.loss));
        for (const l of s.layers!.slice(0, 2)) {
          assert.strictEqual(l.deadUnits !== undefined, measure === 'dead', `${l.name}: deadUnits`);
          assert.strictEqual(l.saturation !== undefined, measure === 'saturation', `${l.name}: saturation`);
          assert.ok(Number.isFinite(l.activationMean) && l.activationStd! > 0, `${l.name}: signal statistics`);
        }
      }
      assert.strictEqual(tf.memory().numTensors, before, 'no tensor leaks');
    });
  }
});

describe('rrelu runs are reproducible', () => {
  before(useBackend);

  it('two runs of the same spec and seed draw the same slopes: identical losses, step for step', async () => {
    const spec = smallClassifier({
      layers: [
        { type: 'dense', units: 8, activation: { type: 'rrelu', lower: 0.05, upper: 0.5 } },
        { type: 'dense', units: 3, activation: 'softmax' },
      ],
      data: { samples: 120 },
      training: { epochs: 1, batchSize: 20 },
    });
    const [a, b] = [await engineRun(spec), await engineRun(spec)];
    assert.deepStrictEqual(
      a.steps.map((s) => s.loss),
      b.steps.map((s) => s.loss),
    );
    const other = await engineRun({ ...spec, seed: 4 });
    assert.notDeepStrictEqual(
      other.steps.map((s) => s.loss),
      a.steps.map((s) => s.loss),
      'another seed, other draws',
    );
  });
});

describe('saved models with the custom activation layers load back', () => {
  before(useBackend);

  it('rrelu, elu with α ≠ 1 and prelu survive save and load, with the same outputs at evaluation', async () => {
    const spec = parsedSpec(
      smallClassifier({
        layers: [
          { type: 'dense', units: 6, activation: { type: 'rrelu', lower: 0.1, upper: 0.3 } },
          { type: 'dense', units: 6, activation: { type: 'elu', alpha: 0.5 } },
          { type: 'dense', units: 6, activation: 'prelu' },
          { type: 'dense', units: 3, activation: 'softmax' },
        ],
      }),
    );
    const built = buildModel(spec, 4);
    let artifacts: tf.io.ModelArtifacts | undefined;
    await built.model.save(
      tf.io.withSaveHandler((a) => {
        artifacts = a;
        return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } });
      }),
    );
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
    const x = tf.randomNormal([5, 2], 0, 2, 'float32', 8);
    const [a, b] = [built.model.predict(x) as tf.Tensor[], loaded.predict(x) as tf.Tensor[]];
    const [va, vb] = [await a[0].data(), await b[0].data()];
    va.forEach((v, i) => assert.ok(Math.abs(v - vb[i]) < 1e-6, `output ${i}: ${v} vs ${vb[i]}`));
    tf.dispose([x, ...a, ...b]);
    built.model.dispose();
    loaded.dispose();
  });
});
