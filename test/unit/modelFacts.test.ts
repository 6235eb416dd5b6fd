// The model facts (src/training/model/facts.ts): every activation, layer type, named initializer and loss of the
// JSON schema has its facts; the derivative bounds and output ranges hold for the engine's own TensorFlow.js
// activations; the initializer variance formulas agree with each other and with the weights the engine draws; fans
// from shapes agree with the engine's parameter counts; only the two cross-entropy pairs are fused into the loss.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildModelView } from '../../src/training/diagnosis/modelView';
import { activationOf, sequences } from '../../src/training/lint/model';
import { buildModel } from '../../src/training/engine/model/buildModel';
import { activationLayer } from '../../src/training/engine/model/activations';
import { makeInitializer } from '../../src/training/engine/model/initializers';
import {
  ACTIVATION_FACTS,
  DEAD_SLOPE,
  FUSED_LOSSES,
  LAYER_FACTS,
  NAMED_INITIALIZER_FACTS,
  familyVariance,
  fusedOutputActivation,
  initializerMoments,
  kernelFans,
  recommendedInitializer,
  weightScale,
  type Fans,
} from '../../src/training/model/facts';
import type { ActivationName, InitializerSpec, LossName, NamedInitializer } from '../../src/training/spec/types';
import { runStart } from './diagnosisFixtures.test';
import { REPO, parsedSpec, useBackend } from './support/specs';

interface SchemaDefinitions {
  definitions: Record<string, { enum?: string[] }>;
}

const schema = JSON.parse(fs.readFileSync(path.join(REPO, 'schemas', 'gradscope.schema.json'), 'utf8')) as SchemaDefinitions;

function schemaEnum(definition: string): string[] {
  const values = schema.definitions[definition]?.enum;
  assert.ok(values && values.length > 0, `the schema defines ${definition} as an enum`);
  return values;
}

/** The enum anywhere in the schema that lists `member` (the loss and initializer enums sit inside other definitions). */
function enumListing(member: string): string[] {
  const found: string[][] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (Array.isArray(o.enum) && o.enum.includes(member)) found.push(o.enum as string[]);
      Object.values(o).forEach(walk);
    }
  };
  walk(schema);
  assert.ok(found.length > 0, `the schema has an enum with ${member}`);
  for (const e of found) assert.deepEqual(e, found[0], `every enum with ${member} lists the same names`);
  return found[0];
}

/**
 * The engine's activation as a function of a column of inputs (prelu builds one slope for it; rrelu in training
 * mode, where its slopes are drawn from [lower, upper]).
 */
function engineActivation(a: ActivationName): (x: tf.Tensor) => tf.Tensor {
  const layer = activationLayer(a);
  return (x) => tf.reshape(layer.apply(tf.reshape(x, [-1, 1]), { training: a === 'rrelu' }) as tf.Tensor, [-1]);
}

describe('model facts', () => {
  before(useBackend);

  it('every activation, layer type and named initializer of the schema has its facts, and nothing else has', () => {
    assert.deepEqual(Object.keys(ACTIVATION_FACTS).sort(), [...schemaEnum('activation')].sort());
    assert.deepEqual(Object.keys(LAYER_FACTS).sort(), [...schemaEnum('layerType')].sort());
    assert.deepEqual(Object.keys(NAMED_INITIALIZER_FACTS).sort(), [...enumListing('heNormal')].sort());
    for (const [name, f] of Object.entries(ACTIVATION_FACTS)) {
      assert.ok(f.derivative.min <= f.derivative.max, name);
      assert.ok(f.range[0] < f.range[1], name);
      assert.equal(f.bounded, Number.isFinite(f.range[0]) && Number.isFinite(f.range[1]), `${name}: bounded ⇔ a finite range`);
      assert.ok(f.initReason.length > 20, `${name}: the initializer comes with its reason`);
      assert.equal(
        f.canDie,
        f.derivative.min === 0 && f.family === 'rectifier',
        `${name}: only a rectifier with a zero slope can die`,
      );
    }
  });

  it('every loss of the schema is fused with at most one activation, and exactly the two cross-entropy pairs are', () => {
    const losses = enumListing('categoricalCrossentropy') as LossName[];
    assert.deepEqual(FUSED_LOSSES, [
      { activation: 'softmax', loss: 'categoricalCrossentropy' },
      { activation: 'sigmoid', loss: 'binaryCrossentropy' },
    ]);
    for (const loss of losses) {
      for (const a of Object.keys(ACTIVATION_FACTS) as ActivationName[]) {
        const fused =
          (a === 'softmax' && loss === 'categoricalCrossentropy') || (a === 'sigmoid' && loss === 'binaryCrossentropy');
        assert.equal(fusedOutputActivation(a, loss), fused ? a : 'linear', `${a} + ${loss}`);
      }
    }
  });

  it('the engine builds the fused pairs with logits outputs, as the facts say', () => {
    for (const { activation, loss } of FUSED_LOSSES) {
      const spec = parsedSpec({
        name: 'fused',
        data: { dataset: 'blobs', samples: 100, classes: activation === 'sigmoid' ? 2 : 3 },
        model: { inputShape: [2], layers: [{ type: 'dense', units: activation === 'sigmoid' ? 1 : 3, activation }] },
        training: { epochs: 1, loss },
      });
      const built = buildModel(spec, 1);
      assert.equal(built.outputActivation, activation);
      built.model.dispose();
    }
  });

  it('deadAtOrBelow: the slope is below DEAD_SLOPE exactly at the inputs at or below it, and the output is above it exactly where the input is', () => {
    const withBound = (Object.keys(ACTIVATION_FACTS) as ActivationName[]).filter(
      (a) => ACTIVATION_FACTS[a].deadAtOrBelow !== undefined,
    );
    assert.deepEqual(withBound, ['relu']);
    for (const a of withBound) {
      const { slope, deadAtOrBelow: bound } = ACTIVATION_FACTS[a];
      const edge = bound as number;
      const xs = [-1e30, -30, -1, -1e-30, -0, 0, edge, 1e-45, 1e-30, 1e-7, 0.5, 1, 30, 1e30, NaN];
      for (let k = 0; k <= 6000; k++) xs.push(-30 + k / 100);
      const layer = engineActivation(a);
      const outputs = layer(tf.tensor1d(xs)).dataSync();
      xs.forEach((x, k) => {
        const dead = Math.abs(slope!(x)) < DEAD_SLOPE; // NaN: slope 0, and not above the bound
        assert.equal(dead, !(x > edge), `${a} at ${x}: slope ${slope!(x)}`);
        // The engine's own output (float32): above the bound exactly where the input is.
        assert.equal(outputs[k] > edge, Math.fround(x) > edge, `${a}(${x}) = ${outputs[k]}`);
      });
    }
  });

  it("derivative bounds and output ranges hold for the engine's activations, and the bounds are tight", () => {
    const xs = tf.linspace(-30, 30, 60001);
    for (const a of Object.keys(ACTIVATION_FACTS) as ActivationName[]) {
      if (a === 'softmax' || a === 'linear') continue; // softmax: its Jacobian, checked below; linear is the identity
      const f = ACTIVATION_FACTS[a];
      const fn = engineActivation(a);
      const slope = Array.from(
        tf
          .grad((x: tf.Tensor) => fn(x))(xs)
          .dataSync(),
      );
      const out = Array.from(fn(xs).dataSync());
      const [lo, hi] = [Math.min(...slope), Math.max(...slope)];
      assert.ok(lo >= f.derivative.min - 1e-3 && hi <= f.derivative.max + 1e-3, `${a}: slope in [${lo}, ${hi}] within the facts`);
      assert.ok(
        Math.abs(lo - f.derivative.min) < 5e-3 && Math.abs(hi - f.derivative.max) < 5e-3,
        `${a}: slope bounds [${lo}, ${hi}] are tight`,
      );
      const [ymin, ymax] = [Math.min(...out), Math.max(...out)];
      assert.ok(ymin >= f.range[0] - 1e-3 && ymax <= f.range[1] + 1e-3, `${a}: outputs in [${ymin}, ${ymax}]`);
      if (Number.isFinite(f.range[0])) assert.ok(Math.abs(ymin - f.range[0]) < 5e-3, `${a}: lower bound ${ymin} is tight`);
    }
    // softmax: ∂p_i/∂z_j = p_i(δ_ij − p_j) lies in [−1/4, 1/4] (p_i = p_j = 1/2 attains both).
    const z = tf.tensor2d([
      [0, 0],
      [3, -1],
      [-2, 5],
    ]);
    const jacobianEntry = (i: number, j: number): number[] =>
      Array.from(
        tf
          .grad((v: tf.Tensor) => tf.softmax(v).slice([0, i], [-1, 1]).sum())(z)
          .slice([0, j], [-1, 1])
          .dataSync(),
      );
    const entries = [0, 1].flatMap((i) => [0, 1].flatMap((j) => jacobianEntry(i, j)));
    assert.ok(Math.max(...entries.map(Math.abs)) <= ACTIVATION_FACTS.softmax.derivative.max + 1e-6);
    assert.ok(Math.abs(Math.max(...entries) - 0.25) < 1e-6 && Math.abs(Math.min(...entries) + 0.25) < 1e-6);
  });

  it('recommended initializers follow the lessons: He for the ReLU family, LeCun for selu, Glorot for the rest (linear included)', () => {
    const expected: Record<ActivationName, NamedInitializer> = {
      linear: 'glorotUniform',
      relu: 'heNormal',
      leakyRelu: 'heNormal',
      prelu: 'heNormal',
      rrelu: 'heNormal',
      relu6: 'heNormal',
      softplus: 'heNormal',
      hardSigmoid: 'glorotUniform',
      elu: 'heNormal',
      selu: 'lecunNormal',
      gelu: 'heNormal',
      swish: 'heNormal',
      mish: 'heNormal',
      sigmoid: 'glorotUniform',
      tanh: 'glorotUniform',
      softmax: 'glorotUniform',
    };
    for (const a of Object.keys(expected) as ActivationName[]) assert.equal(recommendedInitializer(a), expected[a], a);
  });

  it('variance formulas: Glorot equals LeCun on square layers, He is twice LeCun, uniform and normal variants agree', () => {
    const square: Fans = { fanIn: 64, fanOut: 64 };
    const wide: Fans = { fanIn: 2, fanOut: 32 };
    assert.equal(familyVariance('glorot', square), familyVariance('lecun', square));
    assert.notEqual(familyVariance('glorot', wide), familyVariance('lecun', wide));
    assert.equal(familyVariance('he', wide), 2 * familyVariance('lecun', wide));
    assert.equal(familyVariance('glorot', wide), 2 / 34);
    for (const [a, b] of [
      ['heNormal', 'heUniform'],
      ['glorotNormal', 'glorotUniform'],
      ['lecunNormal', 'lecunUniform'],
    ] as const) {
      assert.deepEqual(initializerMoments(a, wide), initializerMoments(b, wide));
    }
    assert.deepEqual(initializerMoments({ type: 'randomUniform', minval: -3, maxval: 3 }, wide), { mean: 0, variance: 3 });
    assert.equal(weightScale({ type: 'randomNormal', mean: 3, stddev: 4 }, wide), 5);
    assert.equal(weightScale({ type: 'constant', value: -2 }, wide), 2);
    assert.equal(weightScale('zeros', wide), 0);
    assert.equal(weightScale('ones', wide), 1);
  });

  it('the weights the engine draws have the variance the facts give (dense and conv2d shapes)', () => {
    const inits: InitializerSpec[] = [
      ...(Object.keys(NAMED_INITIALIZER_FACTS) as NamedInitializer[]),
      { type: 'randomNormal', mean: 0.5, stddev: 0.2 },
      { type: 'randomUniform', minval: -0.1, maxval: 0.3 },
      { type: 'constant', value: 0.7 },
      { type: 'truncatedNormal', mean: -0.2, stddev: 0.3 },
      { type: 'orthogonal', gain: 1.5 },
      { type: 'varianceScaling', scale: 3, mode: 'fanOut', distribution: 'normal' },
      { type: 'varianceScaling', scale: 0.5, mode: 'fanAvg', distribution: 'uniform' },
    ];
    const shapes: { shape: number[]; fans: Fans }[] = [
      { shape: [96, 32], fans: { fanIn: 96, fanOut: 32, units: 32 } },
      { shape: [32, 96], fans: { fanIn: 32, fanOut: 96, units: 96 } },
      { shape: [3, 3, 8, 16], fans: { fanIn: 72, fanOut: 144, units: 16 } },
      { shape: [3, 3, 2, 40], fans: { fanIn: 18, fanOut: 360, units: 40 } },
    ];
    for (const init of inits) {
      for (const { shape, fans } of shapes) {
        const w = Array.from(makeInitializer(init, 11).apply(shape).dataSync());
        const mean = w.reduce((s, v) => s + v, 0) / w.length;
        const variance = w.reduce((s, v) => s + (v - mean) ** 2, 0) / w.length;
        const expected = initializerMoments(init, fans);
        const label = `${JSON.stringify(init)} ${shape.join('×')}`;
        assert.ok(
          Math.abs(mean - expected.mean) < 0.02 + 3 * Math.sqrt(expected.variance / w.length),
          `${label}: mean ${mean} vs ${expected.mean}`,
        );
        if (expected.variance === 0) assert.ok(variance < 1e-12, label);
        else
          assert.ok(Math.abs(variance / expected.variance - 1) < 0.12, `${label}: variance ${variance} vs ${expected.variance}`);
      }
    }
  });

  it('fans from shapes match the parameter counts the engine builds, and diagnosis reads them from the shapes', () => {
    const spec = parsedSpec({
      name: 'fans',
      data: { dataset: 'mnist', samples: 100 },
      model: {
        inputShape: [28, 28, 1],
        layers: [
          { type: 'conv2d', filters: 6, kernelSize: 5, activation: 'relu' },
          { type: 'maxPooling2d', poolSize: 2 },
          { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'relu', useBias: false },
          { type: 'flatten' },
          { type: 'dense', units: 10, activation: 'softmax' },
        ],
      },
      training: { epochs: 1 },
    });
    const start = runStart(spec);
    const view = buildModelView(spec, start);
    const fans = view.kernels.map((k) => k.fans);
    assert.deepEqual(fans, [
      { fanIn: 25, fanOut: 150, units: 6 },
      { fanIn: 54, fanOut: 36, units: 4 },
      { fanIn: 10 * 10 * 4, fanOut: 10, units: 10 },
    ]);
    for (const k of view.kernels) {
      const layer = k.spec!;
      const units = layer.type === 'dense' ? layer.units : layer.filters;
      assert.equal(k.summary.params, k.fans!.fanIn * units + (layer.useBias ? units : 0), k.summary.name);
    }
    assert.deepEqual(kernelFans(spec.model.layers[0] as Parameters<typeof kernelFans>[0], [28, 28, 1]), fans[0]);
  });

  it('engine, lint and diagnosis agree on which activation a weight layer feeds, through the layers that keep its units', () => {
    // dense(linear) → dropout/batchNormalization → activation: the activation is the dense layer's; a flatten or a
    // pooling layer in between ends the wait (LAYER_FACTS.keepsUnits), so that activation belongs to no weight layer.
    const spec = parsedSpec({
      data: { dataset: 'mnist', samples: 64 },
      model: {
        inputShape: [28, 28, 1],
        layers: [
          { type: 'conv2d', filters: 2, kernelSize: 3 },
          { type: 'maxPooling2d', poolSize: 2 },
          { type: 'activation', activation: 'relu' },
          { type: 'conv2d', filters: 2, kernelSize: 3 },
          { type: 'flatten' },
          { type: 'activation', activation: 'tanh' },
          { type: 'dense', units: 8 },
          { type: 'dropout', rate: 0.2 },
          { type: 'batchNormalization' },
          { type: 'activation', activation: 'sigmoid' },
          { type: 'dense', units: 10, activation: 'softmax' },
        ],
      },
      training: { epochs: 1 },
    });
    const built = buildModel(spec, spec.seed);
    const engine = built.weighted
      .filter((w) => w.summary.kind !== 'batchNormalization')
      .map((w) => w.monitoredActivation ?? 'linear');
    built.model.dispose();
    const view = buildModelView(spec, runStart(spec));
    const diagnosis = view.kernels.map((k) => k.activation);
    const seq = spec.model.layers;
    const lint = seq.flatMap((l, i) => (l.type === 'dense' || l.type === 'conv2d' ? [activationOf(seq, i).activation] : []));
    // The softmax output is fused into the loss: the engine measures nothing there; lint and diagnosis name it.
    assert.deepEqual(engine, ['linear', 'linear', 'sigmoid', 'linear']);
    assert.deepEqual(lint, ['linear', 'linear', 'sigmoid', 'softmax']);
    assert.deepEqual(diagnosis, lint);
  });

  it('… and inside a denseBlock each sub-layer reads the concatenation, so an activation sub-layer claims no units', () => {
    const spec = parsedSpec({
      data: { dataset: 'spiral', samples: 64 },
      model: {
        inputShape: [2],
        layers: [
          { type: 'dense', units: 4 },
          {
            type: 'denseBlock',
            layers: [
              { type: 'dense', units: 4 },
              { type: 'activation', activation: 'relu' },
              {
                type: 'residual',
                layers: [
                  { type: 'dense', units: 4 },
                  { type: 'activation', activation: 'tanh' },
                ],
              },
            ],
          },
          { type: 'dense', units: 3, activation: 'softmax' },
        ],
      },
      training: { epochs: 1 },
    });
    const built = buildModel(spec, spec.seed);
    const engine = built.weighted.filter((w) => w.summary.kind !== 'projection').map((w) => w.monitoredActivation ?? 'linear');
    built.model.dispose();
    const diagnosis = buildModelView(spec, runStart(spec)).kernels.map((k) => k.activation);
    const lint = new Map<string, string>();
    for (const seq of sequences(spec.model.layers)) {
      seq.forEach((l, i) => {
        if (l.type === 'dense') lint.set(l.specPath, activationOf(seq, i).activation);
      });
    }
    assert.deepEqual(engine, ['linear', 'linear', 'tanh', 'linear']);
    assert.deepEqual(diagnosis, ['linear', 'linear', 'tanh', 'softmax']);
    assert.deepEqual(
      [...lint.values()],
      ['linear', 'softmax', 'linear', 'tanh'], // top level first, then the block's sub-layers
    );
  });
});
